// Operators' view of the audit log: a query by actor, subject (the target), action, application and
// time range, a page at a time (newest first, keyset pagination), and an export of everything a
// query matches as a stream of records read from the store in bounded pages, so exporting millions
// of entries holds one page in memory at a time. The CLI (`foyer audit list`) and the admin API
// call these same functions; the record (`toAuditRecord`) is the export's format for both.
import { ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { AuditStore } from './audit.port.ts';
import type { AuditEvent, AuditFilter, AuditPosition } from './audit.ts';

export type { AuditFilter } from './audit.ts';

type AuditReadDeps = { readonly audit: Pick<AuditStore, 'search'> };

export const MAX_AUDIT_PAGE = 200;
/** Rows per store read while exporting: large enough to keep round trips few, small enough to bound memory. */
const AUDIT_EXPORT_PAGE = 1_000;

// A dotted action (`signin.failed`), or a prefix of whole segments ending in `.*` (`signin.*`).
const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/;

/** Checks a filter as an operator wrote it; throws ValidationError naming each bad field. */
export function validateAuditFilter(filter: AuditFilter): AuditFilter {
  const problems: FieldProblem[] = [];
  if (filter.action !== undefined && (!ACTION_PATTERN.test(filter.action) || filter.action.length > 100)) {
    problems.push({ field: 'action', code: 'audit.filter_invalid', message: 'Give an action such as signin.failed, or a prefix such as signin.*' });
  }
  for (const field of ['actorId', 'subjectId', 'applicationId'] as const) {
    const value = filter[field];
    if (value !== undefined && (value.length === 0 || value.length > 200)) problems.push({ field, code: 'audit.filter_invalid', message: 'Give an id of 1 to 200 characters.' });
  }
  for (const field of ['since', 'until'] as const) {
    const value = filter[field];
    if (value !== undefined && !Number.isSafeInteger(value)) problems.push({ field, code: 'audit.filter_invalid', message: 'Give a time.' });
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    problems.push({ field: 'until', code: 'audit.filter_invalid', message: 'The end of the time range must come after its start.' });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return filter;
}

/** One page of the entries the filter matches, newest first, and where the next page starts (null after the last). */
export async function queryAuditLog(
  deps: AuditReadDeps,
  tenantId: string,
  filter: AuditFilter,
  page: { readonly limit: number; readonly after?: AuditPosition | undefined },
): Promise<{ events: AuditEvent[]; next: AuditPosition | null }> {
  validateAuditFilter(filter);
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), MAX_AUDIT_PAGE);
  // One more than asked tells whether another page follows, without a count.
  const rows = await deps.audit.search(tenantId, filter, { limit: limit + 1, after: page.after });
  const events = rows.slice(0, limit);
  const last = events.at(-1);
  return { events, next: rows.length > limit && last ? positionOf(last) : null };
}

/**
 * Every entry the filter matches, newest first, read `pageSize` at a time as the consumer asks for
 * more: a slow consumer (a client reading the export slowly) stops the reads rather than piling up
 * rows. Entries appended after the export began are newer than its first page, so they are not in it.
 */
export async function* exportAuditLog(deps: AuditReadDeps, tenantId: string, filter: AuditFilter, pageSize = AUDIT_EXPORT_PAGE): AsyncGenerator<AuditEvent> {
  validateAuditFilter(filter);
  let after: AuditPosition | undefined;
  for (;;) {
    const rows = await deps.audit.search(tenantId, filter, { limit: pageSize, after });
    yield* rows;
    const last = rows.at(-1);
    if (rows.length < pageSize || !last) return;
    after = positionOf(last);
  }
}

function positionOf(event: AuditEvent): AuditPosition {
  return { occurredAt: event.occurredAt, id: event.id };
}

/**
 * An entry as the export and the admin API show it (snake_case, RFC 3339 times): the same for the
 * CLI's JSON lines and the API's, so a script can read either.
 */
export function toAuditRecord(event: AuditEvent) {
  return {
    id: event.id,
    occurred_at: new Date(event.occurredAt).toISOString(),
    action: event.action,
    outcome: event.outcome,
    actor: { type: event.actor.type, id: event.actor.id ?? null },
    subject: event.target ? { type: event.target.type, id: event.target.id } : null,
    context: { ip: event.context?.ip ?? null, user_agent: event.context?.userAgent ?? null, request_id: event.context?.requestId ?? null, application_id: event.context?.applicationId ?? null },
    details: event.details ?? {},
  };
}
