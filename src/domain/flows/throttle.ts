// Sign-in throttling (SECURITY.md 7): attempts are counted per account and per client address.
// Past a few free attempts each further one must wait twice as long as the last, up to a cap, so
// guessing becomes hopeless while the owner is never locked out for long (and can always recover
// by email). An attempt is reserved before the password is checked, in the same atomic step that
// decides it (ADR 0009): a burst of parallel guesses cannot all pass a check made before any of
// them is counted.
import type { Reservation, ThrottlePolicy, ThrottleStore } from './throttle.port.ts';

export type { ThrottlePolicy } from './throttle.port.ts';

export const ACCOUNT_POLICY: ThrottlePolicy = { freeAttempts: 5, windowMs: 60 * 60_000, maxDelayMs: 15 * 60_000 };
export const ADDRESS_POLICY: ThrottlePolicy = { freeAttempts: 30, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 };

export type ThrottleKeys = { readonly account: string; readonly address: string };
type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** What a store keeps under a key: the attempts of the window opened at `windowStart`. */
export type ThrottleWindow = { readonly count: number; readonly windowStart: number; readonly lastAt: number };

type ReservationDecision = { readonly allowed: true; readonly next: ThrottleWindow } | { readonly allowed: false; readonly retryAfterMs: number };

/** How long the attempt after `count` counted ones must wait after the last: 0 while free, then 1 s, 2 s, 4 s … up to the cap. */
export function delayAfter(count: number, policy: ThrottlePolicy): number {
  if (count < policy.freeAttempts) return 0;
  return Math.min(1000 * 2 ** (count - policy.freeAttempts), policy.maxDelayMs);
}

/**
 * The whole policy decision, pure so that every store takes the same one: the SQL store calls it
 * inside its transaction on SQLite; the Redis script (throttle.redis.ts) and PostgreSQL's
 * foyer_throttle_reserve (migration 0007) are line-for-line copies, in Lua and PL/pgSQL.
 * A window older than `policy.windowMs` (its last instant still counts) is forgotten. An allowed
 * attempt yields the window to store; a refused one leaves the stored window as it was.
 */
export function decideReservation(stored: ThrottleWindow | undefined, now: number, policy: ThrottlePolicy): ReservationDecision {
  const live = stored !== undefined && stored.windowStart >= now - policy.windowMs ? stored : undefined;
  const count = live ? live.count : 0;
  const lastAt = live ? live.lastAt : 0;
  const wait = lastAt + delayAfter(count, policy) - now;
  if (count >= policy.freeAttempts && wait > 0) return { allowed: false, retryAfterMs: wait };
  return { allowed: true, next: { count: count + 1, windowStart: live ? live.windowStart : now, lastAt: now } };
}

/**
 * The keys of a sign-in attempt. With `device` (the id of a valid device token for this account,
 * device-token.ts) the attempt is counted on that device's own key, under the same policy, instead
 * of the account-wide one: guesses made elsewhere then never hold back a browser or app the owner
 * signed in with before (SECURITY.md 7).
 */
export function signInThrottleKeys(tenantId: string, identifier: string, ip: string, device?: string): ThrottleKeys {
  const account = device ? `signin:device:${tenantId}:${device}` : `signin:account:${tenantId}:${identifier}`;
  return { account, address: `signin:ip:${tenantId}:${ip}` };
}

export function createSignInThrottle(store: ThrottleStore, now: () => number = Date.now) {
  const refused = (reservation: Extract<Reservation, { allowed: false }>): ThrottleVerdict => ({
    allowed: false,
    retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000),
  });

  return {
    /**
     * Reserves one attempt on the account and one on the address in one atomic step, or neither.
     * A refused attempt is counted nowhere, so retrying while throttled does not make the wait
     * longer. There is nothing to record after a failure: the reservation already counted it.
     */
    async attempt(keys: ThrottleKeys): Promise<ThrottleVerdict> {
      const reservation = await store.reserveAll(
        [
          { key: keys.account, policy: ACCOUNT_POLICY },
          { key: keys.address, policy: ADDRESS_POLICY },
        ],
        now(),
      );
      return reservation.allowed ? { allowed: true } : refused(reservation);
    },
    /**
     * The owner signed in: the account starts afresh, and the attempt is given back to the address,
     * so customers signing in from one shared office address never throttle each other.
     */
    async succeeded(keys: ThrottleKeys): Promise<void> {
      await store.resetAndRelease(keys.account, keys.address);
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
