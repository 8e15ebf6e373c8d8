// What the use cases tell statistics as things happen (ADR 0022). Every call is an in-memory
// update on this node (a counter, a sketch register), flushed in batches later: recording adds no
// statement to a request, and a use case never waits for it.
import type { Dimensions, Metric } from './stats.ts';

export type StatsRecorder = {
  /** One more `metric` today for the tenant. */
  count(tenantId: string, metric: Metric, dimensions?: Dimensions): void;
  /**
   * The customer signed in: one of today's active customers (kept as a keyed hash in a sketch,
   * never as their id). `returning` when this may be their first sign-in since the one that
   * completed their sign-up: the first such within RETURN_WINDOW_MS counts their sign-up as returned.
   */
  signedIn(tenantId: string, identityId: string, returning: boolean): void;
  /** A new account, signed up through `application`: its first return is counted for that application and today. */
  signedUp(tenantId: string, identityId: string, application: string): void;
};
