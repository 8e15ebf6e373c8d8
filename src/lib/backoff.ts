// Retry with exponential backoff, for everything a dispatcher delivers (mail, outbox events): the
// first retry after `firstDelayMs`, each next one twice as late up to `maxDelayMs`, and none once
// the next would come more than `giveUpAfterMs` after the first attempt.

export type RetryPolicy = { readonly firstDelayMs: number; readonly maxDelayMs: number; readonly giveUpAfterMs: number };

/** When to try again after the `attempts`-th attempt failed at `now` (the first made at `firstAt`), or undefined to give up. */
export function retryAt(attempts: number, firstAt: number, now: number, policy: RetryPolicy): number | undefined {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const delay = Math.min(policy.firstDelayMs * 2 ** exponent, policy.maxDelayMs);
  return now + delay - firstAt > policy.giveUpAfterMs ? undefined : now + delay;
}
