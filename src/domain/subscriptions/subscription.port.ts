// The storage the outbound events need: the tenants' subscriptions, and the deliveries fanned out
// to them (one per event and subscription), claimed under a lease as the outbox and the mail queue
// are, with order kept per customer and subscriber.
import type { Subscription } from './subscription.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** A new delivery: the data already scrubbed for its subscriber. */
export type NewDelivery = {
  readonly id: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly aggregate: { readonly type: string; readonly id: string };
  readonly occurredAt: number;
  /** `live` for a new event, the replay's id for a replay. */
  readonly origin: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly now: number;
};

export type Delivery = Omit<NewDelivery, 'now'> & {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly availableAt: number;
  /** When this round of attempts began (creation, or the retry of a dead letter). */
  readonly startedAt: number;
  readonly createdAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatusCode: number | null;
  readonly lastLatencyMs: number | null;
  readonly lastError: string | null;
  readonly finishedAt: number | null;
};

/** What one attempt came to: the receiver's status code (none when it was not reached), how long it took, and why it failed. */
export type AttemptOutcome = { readonly statusCode: number | null; readonly latencyMs: number; readonly error: string | null };

export interface SubscriptionStore {
  /** A tenant's subscriptions, by id. */
  list(tenantId: string): Promise<Subscription[]>;
  /** Every enabled subscription of every tenant, with its tenant's slug (the node's directory). */
  listEnabled(): Promise<(Subscription & { readonly tenantSlug: string })[]>;
  find(tenantId: string, id: string): Promise<Subscription | undefined>;
  /** Holds the row until the transaction ends (no-op on SQLite, which has one writer). */
  lock(tenantId: string, id: string): Promise<void>;
  create(subscription: Subscription): Promise<void>;
  update(subscription: Subscription): Promise<boolean>;
  delete(tenantId: string, id: string): Promise<boolean>;
}

export interface DeliveryStore {
  /** Adds the deliveries; one already there (same subscription, event and origin) is skipped. Answers the ids of those added. */
  add(deliveries: readonly NewDelivery[]): Promise<readonly string[]>;
  /**
   * Up to `limit` pending deliveries due at `now` to the subscriptions in `only` (the enabled ones
   * with room), each leased until `now + leaseMs` and its attempt counted. A delivery is due only when no earlier
   * event to the same subscription about the same customer (aggregate) is still pending: order is
   * kept per customer. Two claimers never get the same delivery.
   */
  claimDue(now: number, limit: number, leaseMs: number, only: readonly string[]): Promise<Delivery[]>;
  /** These deliveries arrived (each with its attempt's outcome), in one statement however many. */
  markDelivered(delivered: readonly { readonly id: string; readonly outcome: AttemptOutcome }[], now: number): Promise<void>;
  /** The attempt failed: try again at `retryAt`, or, when undefined, move it to the dead letters. */
  markFailed(id: string, outcome: AttemptOutcome, retryAt: number | undefined, now: number): Promise<void>;
  /** A subscription's deliveries, newest first, optionally of one status, after the cursor's id. */
  list(tenantId: string, subscriptionId: string, query: { readonly status?: DeliveryStatus | undefined; readonly before?: string | undefined; readonly limit: number }): Promise<Delivery[]>;
  /** Dead letters (all of the subscription's, or those named) go back to pending, due now, with a new round of attempts. */
  retryDead(tenantId: string, subscriptionId: string, ids: readonly string[] | undefined, now: number): Promise<number>;
  /** Deletes up to `limit` deliveries delivered or dead before `before`; says how many. */
  pruneFinished(before: number, limit: number): Promise<number>;
}
