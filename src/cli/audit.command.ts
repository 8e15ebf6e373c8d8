// `foyer audit list`: a tenant's audit log, filtered like the admin API's query (the same use
// cases, domain/audit/audit-log.ts), as a table for people or JSON lines for scripts. `--all`
// streams every matching entry, read from the database a page at a time.
import type { Command, OptionValues } from './io.ts';
import { printTable, UsageError } from './io.ts';
import { withTenant } from './tenant-option.ts';
import { exportAuditLog, MAX_AUDIT_PAGE, queryAuditLog, toAuditRecord, validateAuditFilter } from '../domain/audit/audit-log.ts';
import type { AuditFilter } from '../domain/audit/audit-log.ts';
import type { AuditEvent } from '../domain/audit/audit.ts';
import { ValidationError } from '../domain/errors.ts';

const DEFAULT_LIMIT = 50;

const auditListCommand: Command = {
  name: 'audit list',
  summary: "List a tenant's audit log, newest first, filtered by actor, subject, action (or prefix.*), application and time.",
  usage: '[--tenant <slug>] [--actor <id>] [--subject <id>] [--action <name|prefix.*>] [--application <client id>] [--since <time>] [--until <time>] [--limit <n> | --all] [--json]',
  options: {
    tenant: { type: 'string' },
    actor: { type: 'string' },
    subject: { type: 'string' },
    action: { type: 'string' },
    application: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
  },
  async run(values, io) {
    const filter = filterOf(values);
    const all = values['all'] === true;
    if (all && values['limit'] !== undefined) throw new UsageError('give --limit or --all, not both');
    const limit = limitOf(values);
    await withTenant(io, values, async ({ stores }, tenant) => {
      const deps = { audit: stores.audit };
      if (values['json']) {
        // JSON lines, one entry each, written as they are read.
        if (all) for await (const event of exportAuditLog(deps, tenant.id, filter)) io.stdout.write(`${JSON.stringify(toAuditRecord(event))}\n`);
        else for (const event of (await queryAuditLog(deps, tenant.id, filter, { limit })).events) io.stdout.write(`${JSON.stringify(toAuditRecord(event))}\n`);
        return;
      }
      const events: AuditEvent[] = [];
      let more = false;
      if (all) for await (const event of exportAuditLog(deps, tenant.id, filter)) events.push(event);
      else {
        const page = await queryAuditLog(deps, tenant.id, filter, { limit });
        events.push(...page.events);
        more = page.next !== null;
      }
      if (events.length === 0) return void io.stdout.write('No audit entries match.\n');
      const rows = events.map((e) => [new Date(e.occurredAt).toISOString(), e.action, e.outcome, `${e.actor.type}${e.actor.id ? `:${e.actor.id}` : ''}`, e.target ? `${e.target.type}:${e.target.id}` : '-', e.context?.ip ?? '-']);
      printTable(io, ['TIME', 'ACTION', 'OUTCOME', 'ACTOR', 'SUBJECT', 'IP'], rows);
      if (more) io.stderr.write(`More entries match: narrow the filter (--until ${new Date(events.at(-1)!.occurredAt).toISOString()}), or give --all.\n`);
    });
  },
};

export const auditCommands: readonly Command[] = [auditListCommand];

const OPTION_OF: Readonly<Record<string, string>> = { actorId: 'actor', subjectId: 'subject', applicationId: 'application' };

/** The filter the options give, checked before anything is opened: a problem names its option. */
function filterOf(values: OptionValues): AuditFilter {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string).trim() : undefined);
  const filter = {
    actorId: text('actor'),
    subjectId: text('subject'),
    action: text('action'),
    applicationId: text('application'),
    since: timeOf(values, 'since'),
    until: timeOf(values, 'until'),
  };
  try {
    return validateAuditFilter(filter);
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.problems.map((p) => `--${OPTION_OF[p.field] ?? p.field}: ${p.message}`).join('; '));
    throw error;
  }
}

function timeOf(values: OptionValues, name: string): number | undefined {
  const given = values[name];
  if (typeof given !== 'string') return undefined;
  const time = Date.parse(given);
  if (Number.isNaN(time)) throw new UsageError(`--${name} must be a time, such as 2026-12-01 or 2026-12-01T09:30:00Z`);
  return time;
}

function limitOf(values: OptionValues): number {
  const given = values['limit'];
  if (given === undefined) return DEFAULT_LIMIT;
  const limit = Number(given);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_AUDIT_PAGE} (or give --all)`);
  return limit;
}
