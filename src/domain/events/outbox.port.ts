import type { DomainEvent, OutboxEvent } from './event.ts';

export interface OutboxStore {
  enqueue(event: DomainEvent & { id: string; occurredAt: number }): Promise<void>;
  /** Undelivered events due at `now`, oldest first. */
  listPending(now: number, limit: number): Promise<OutboxEvent[]>;
  markPublished(ids: readonly string[], now: number): Promise<void>;
  /** Records a failed delivery and when to try again. */
  markFailed(id: string, error: string, retryAt: number): Promise<void>;
  /** The aggregate was erased: the payloads of its earlier events (traits, addresses) are emptied to `{ redacted: true }`. */
  redactAggregate(tenantId: string, aggregateType: string, aggregateId: string): Promise<number>;
}
