// The storage port of statistics (ADR 0022): daily counters added to (never overwritten, so
// every node adds its own), active-customer sketches merged into, and the sign-ups still waiting
// for their customer's return. Written only by a flush of the batches the nodes collect.
import type { DailyCount, Metric } from './stats.ts';

/** A day's sketch of the tenant's active customers (hyperloglog.ts registers). */
export type ActiveSketch = { readonly tenantId: string; readonly day: string; readonly registers: Uint8Array };

/** A sign-up whose first return, until `expiresAt`, counts for its application and day. */
export type ExpectedReturn = { readonly tenantId: string; readonly identityId: string; readonly application: string; readonly day: string; readonly expiresAt: number };

export interface StatsStore {
  /**
   * Marks the batch `id` as written: false when it was already (a flush whose commit succeeded but
   * whose answer was lost is tried again), and then nothing more of that batch may be written.
   */
  claimBatch(id: string, now: number): Promise<boolean>;
  /** Adds each count to its day's counter (created at 0 when missing). */
  addCounts(counts: readonly DailyCount[]): Promise<void>;
  /** Merges the sketch into the stored one of its tenant and day, safely beside other nodes doing the same. */
  mergeActive(sketch: ActiveSketch): Promise<void>;
  /** Records sign-ups to wait for; one already waiting is kept as it is. */
  expectReturns(expected: readonly ExpectedReturn[]): Promise<void>;
  /**
   * The returns of these customers of the tenant: each one still expected at `now` is removed and
   * answered (its application and sign-up day), so it is counted once, whichever node sees it.
   */
  claimReturns(tenantId: string, identityIds: readonly string[], now: number): Promise<readonly { readonly application: string; readonly day: string }[]>;
  /** The counters of these metrics of the tenant, from day `from` to day `to` included. */
  countsBetween(tenantId: string, metrics: readonly Metric[], from: string, to: string): Promise<readonly DailyCount[]>;
  /** The tenant's daily sketches from day `from` to day `to` included (days nobody signed in are absent). */
  activeBetween(tenantId: string, from: string, to: string): Promise<readonly ActiveSketch[]>;
  /** Deletes up to `limit` expectations past their window and batch marks past their use; says how many. */
  removeExpired(now: number, limit: number): Promise<number>;
}
