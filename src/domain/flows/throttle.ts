// Sign-in throttling (SECURITY.md 7): failures are counted per account and per client address.
// Past a few free attempts each further one must wait twice as long as the last, up to a cap, so
// guessing becomes hopeless while the owner is never locked out for long (and can always recover
// by email). A success clears the account's counter.
import type { ThrottleStore } from './throttle.port.ts';

export type ThrottlePolicy = {
  /** Failures allowed before delays start. */
  readonly freeAttempts: number;
  readonly windowMs: number;
  readonly maxDelayMs: number;
};

export const ACCOUNT_POLICY: ThrottlePolicy = { freeAttempts: 5, windowMs: 60 * 60_000, maxDelayMs: 15 * 60_000 };
export const ADDRESS_POLICY: ThrottlePolicy = { freeAttempts: 30, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 };

export type ThrottleKeys = { readonly account: string; readonly address: string };
export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export function signInThrottleKeys(tenantId: string, identifier: string, ip: string): ThrottleKeys {
  return { account: `signin:account:${tenantId}:${identifier}`, address: `signin:ip:${tenantId}:${ip}` };
}

export function createSignInThrottle(store: ThrottleStore, now: () => number = Date.now) {
  async function waitOf(key: string, policy: ThrottlePolicy, at: number): Promise<number> {
    const { count, lastAt } = await store.peek(key, at, policy.windowMs);
    if (count < policy.freeAttempts) return 0;
    const delay = Math.min(1000 * 2 ** (count - policy.freeAttempts), policy.maxDelayMs);
    return Math.max(0, lastAt + delay - at);
  }

  return {
    async check(keys: ThrottleKeys): Promise<ThrottleVerdict> {
      const at = now();
      const wait = Math.max(await waitOf(keys.account, ACCOUNT_POLICY, at), await waitOf(keys.address, ADDRESS_POLICY, at));
      return wait === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.ceil(wait / 1000) };
    },
    async recordFailure(keys: ThrottleKeys): Promise<void> {
      const at = now();
      await store.hit(keys.account, at, ACCOUNT_POLICY.windowMs);
      await store.hit(keys.address, at, ADDRESS_POLICY.windowMs);
    },
    async recordSuccess(keys: ThrottleKeys): Promise<void> {
      await store.reset(keys.account);
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
