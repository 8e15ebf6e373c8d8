import type { AuditEvent, AuditFilter, AuditPosition, AuditQuery } from './audit.ts';

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  /** Many entries in few statements (a bulk import's). */
  appendMany(events: readonly AuditEvent[]): Promise<void>;
  list(tenantId: string, query: AuditQuery): Promise<AuditEvent[]>;
  /**
   * Up to `limit` entries of the tenant that match every field of the filter, newest first (by
   * occurredAt, then id), strictly after `after` in that order when it is given.
   */
  search(tenantId: string, filter: AuditFilter, page: { readonly limit: number; readonly after?: AuditPosition | undefined }): Promise<AuditEvent[]>;
  /**
   * Events about the identity or done by it (as target or actor), newest first (time, then id).
   * `before` pages by time; with `beforeId` too, by the (time, id) of the last event seen, which
   * stays exact when several events share a millisecond.
   */
  listForIdentity(tenantId: string, identityId: string, query: { readonly limit: number; readonly before?: number | undefined; readonly beforeId?: string | undefined }): Promise<AuditEvent[]>;
  /** When `action` last happened to each of the targets (those it never happened to are absent). */
  lastOccurrences(tenantId: string, action: string, targetIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * The customer was erased: the entries of what they did (or what was tried on their account) stay
   * (what happened, when, to which id) but lose the client address and user agent. An operator's
   * entries about them keep the operator's. Says how many were scrubbed.
   */
  forgetPersonalData(tenantId: string, identityId: string): Promise<number>;
  /**
   * Retention: deletes up to `limit` entries, of every tenant, recorded before `before` (their id's
   * time and their `occurredAt` both earlier), oldest first; says how many.
   */
  pruneBefore(before: number, limit: number): Promise<number>;
}
