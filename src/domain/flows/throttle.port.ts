// Counters behind throttling, and the one atomic step that decides an attempt: each store reserves
// a slot under a key (counting the attempt) or refuses it, with nothing in between for a concurrent
// request to slip through.

/** When attempts under one key must start waiting, and for how long at most. */
export type ThrottlePolicy = {
  /** Attempts allowed before delays start. */
  readonly freeAttempts: number;
  /** A counter is fixed from its first attempt; one older than this starts afresh. */
  readonly windowMs: number;
  readonly maxDelayMs: number;
};

/** How many attempts a key has used in its window, and when the last one was. */
type Counter = { readonly count: number; readonly lastAt: number };

export type Reservation = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

export type ReservationRequest = { readonly key: string; readonly policy: ThrottlePolicy };

export interface ThrottleStore {
  /**
   * In one atomic step: when `policy` allows an attempt under `key` at `now`, counts it and answers
   * allowed; otherwise changes nothing and answers how long is left to wait. The decision is
   * `decideReservation` (throttle.ts).
   */
  reserve(key: string, now: number, policy: ThrottlePolicy): Promise<Reservation>;
  /**
   * The same for several keys at once, all or nothing: when every key allows an attempt, each is
   * counted; when any refuses, none is, and the answer is the longest wait.
   */
  reserveAll(requests: readonly ReservationRequest[], now: number): Promise<Reservation>;
  /** Gives one reserved attempt back (the count drops by one, never below zero; the time stays). */
  release(key: string): Promise<void>;
  /** The current counter, or a zero one when none is live. */
  peek(key: string, now: number, windowMs: number): Promise<Counter>;
  reset(key: string): Promise<void>;
  /**
   * `reset(resetKey)` and `release(releaseKey)` in one step: what a success does (the account or
   * flow starts afresh, the address gets its attempt back), in one write instead of two.
   */
  resetAndRelease(resetKey: string, releaseKey: string): Promise<void>;
}

/**
 * Counters in the database, which nothing expires on its own (Redis expires its keys itself): the
 * expired-rows sweep removes stale ones, as it does expired flows and sessions.
 */
export interface SweptThrottleStore extends ThrottleStore {
  /** Deletes up to `limit` counters no policy can count on any more at `now`, and says how many. */
  removeExpired(now: number, limit: number): Promise<number>;
}
