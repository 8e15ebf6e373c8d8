// Someone who keeps guessing a customer's password as fast as the account-wide key lets them, for
// the next minute at least: their guesses recorded in the server's own throttle store (the store,
// key and policy a guess over HTTP is counted in) at the moments the throttle would allow them, so
// any sign-in on that key now waits a minute or more, however slowly a busy machine gets to the
// next step of a test. Guesses over HTTP would lock the key for a second or two only, and a test
// that checks a refusal after them passes or fails with the machine's speed.
import assert from 'node:assert/strict';
import { ACCOUNT_POLICY, signInThrottleKeys } from '../../src/domain/flows/throttle.ts';
import { createSqlThrottleStore } from '../../src/storage/throttle.store.ts';
import type { TestServer } from './test-server.ts';

const AT_LEAST_MS = 60_000;

export async function keepAccountThrottled(server: TestServer, tenantId: string, email: string): Promise<void> {
  const store = createSqlThrottleStore(server.database.db);
  const key = [{ key: signInThrottleKeys(tenantId, email, '').account, policy: ACCOUNT_POLICY }];
  for (let guesses = 0; guesses < 30; guesses += 1) {
    // A refused probe is counted nowhere: it only tells how long the key waits from now.
    const probe = await store.reserveAll(key, Date.now());
    if (!probe.allowed && probe.retryAfterMs >= AT_LEAST_MS) return;
    // The next guess the throttle allows: now, or when the current wait ends.
    if (!probe.allowed) assert.ok((await store.reserveAll(key, Date.now() + probe.retryAfterMs)).allowed);
  }
  assert.fail('the account-wide key never waited a minute');
}
