import type { DomainEvent, OutboxEvent } from './event.ts';

export interface OutboxStore {
  /** Written by recordEvent only (record-event.ts): a catalogue name with its payload. */
  enqueue(event: DomainEvent & { id: string; occurredAt: number }): Promise<void>;
  /** Many at once, in few statements (recordEvents: a bulk import's). */
  enqueueMany(events: readonly (DomainEvent & { id: string; occurredAt: number })[]): Promise<void>;
  /**
   * Up to `limit` undelivered events due at `now`, oldest first, each leased until `now + leaseMs`
   * (no other claim returns it meanwhile) and its attempts counted. Two dispatchers claiming at
   * once never get the same event.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxEvent[]>;
  /** Delivered (or nobody is there to deliver it to): done, kept until the retention prunes it. */
  markPublished(ids: readonly string[], now: number): Promise<void>;
  /**
   * The attempt failed: try again at `retryAt`, or, when it is undefined, give up (the event is
   * done, with the error kept).
   */
  markFailed(id: string, error: string, retryAt: number | undefined, now: number): Promise<void>;
  /**
   * The aggregate was erased: the payloads of its earlier events (traits, addresses) are emptied to
   * `{ redacted: true }`, but for the event types in `except`, and so is the data of every delivery
   * to subscribers fanned out from them (none still to go leaves with personal data). Says how
   * many events.
   */
  redactAggregate(tenantId: string, aggregate: { readonly type: string; readonly id: string }, options: { readonly except: readonly string[] }): Promise<number>;
  /**
   * A tenant's events that occurred in `[from, to)`, oldest first, after `after` (the last of the
   * previous page): what a subscription's replay reads, as far back as the retention keeps them.
   */
  listOfTenant(tenantId: string, query: { readonly from: number; readonly to: number; readonly after?: { readonly occurredAt: number; readonly id: string } | undefined; readonly limit: number }): Promise<OutboxEvent[]>;
  /** Deletes up to `limit` events published before `before` (the retention); says how many. */
  prunePublished(before: number, limit: number): Promise<number>;
}
