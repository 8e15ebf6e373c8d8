// A customer's activity as operators read it: every audit entry about them or by them, newest
// first, with who acted (the customer, an operator, an application) and from where, a page at a
// time by an opaque cursor (the last entry's time and id).
import type { AuditStore } from '../audit/audit.port.ts';
import type { AuditEvent } from '../audit/audit.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import { getIdentity } from '../identity/identities.service.ts';
import { ValidationError } from '../errors.ts';
import { decodeCursor, encodeCursor, INVALID_CURSOR } from './cursor.ts';

type ActivityDeps = { readonly stores: { readonly identities: IdentityStore; readonly audit: AuditStore } };

type ActivityPage = { readonly items: readonly AuditEvent[]; readonly nextCursor: string | null };

const MAX_PAGE = 200;

/** DomainError `identity.not_found` for no such customer; ValidationError for a cursor this list did not give out. */
export async function customerActivity(deps: ActivityDeps, tenantId: string, identityId: string, page: { readonly limit: number; readonly cursor?: string | undefined }): Promise<ActivityPage> {
  const before = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  if (page.cursor !== undefined && !before) throw new ValidationError([{ ...INVALID_CURSOR }]);
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), MAX_PAGE);
  await getIdentity(deps.stores, tenantId, identityId);
  const events = await deps.stores.audit.listForIdentity(tenantId, identityId, { limit: limit + 1, before: before?.at, beforeId: before?.id });
  const items = events.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: events.length > limit && last ? encodeCursor({ at: last.occurredAt, id: last.id }) : null };
}
