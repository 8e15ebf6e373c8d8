// The sign-in throttle's policy: first the pure decision every store takes (decideReservation),
// then the service under an injected clock over the real SQL counter store (SQLite): free attempts,
// doubling delays up to the cap, the per-address limit, reservations given back, what a success
// clears, and a parallel burst.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createSqlThrottleStore } from '../../src/storage/throttle.store.ts';
import { ACCOUNT_POLICY, ADDRESS_POLICY, createSignInThrottle, decideReservation, delayAfter, signInThrottleKeys } from '../../src/domain/flows/throttle.ts';
import type { ThrottleKeys, ThrottlePolicy, ThrottleWindow } from '../../src/domain/flows/throttle.ts';
import type { ThrottleStore } from '../../src/domain/flows/throttle.port.ts';

const T0 = 1_790_000_000_000;
const SECOND = 1_000;
const POLICY: ThrottlePolicy = { freeAttempts: 3, windowMs: 60 * SECOND, maxDelayMs: 10 * SECOND };

describe('decideReservation', () => {
  test('delays: none while attempts are free, then 1 s doubling up to the cap', () => {
    assert.deepEqual(
      Array.from({ length: 10 }, (_, count) => delayAfter(count, POLICY)),
      [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000],
    );
    assert.equal(delayAfter(10_000, POLICY), 10_000);
  });

  test('a first attempt opens a window and counts one', () => {
    assert.deepEqual(decideReservation(undefined, T0, POLICY), { allowed: true, next: { count: 1, windowStart: T0, lastAt: T0 } });
  });

  test('free attempts count on in their window; past them an attempt waits the delay after the last one, to the millisecond', () => {
    const stored: ThrottleWindow = { count: 2, windowStart: T0, lastAt: T0 + 10 };
    assert.deepEqual(decideReservation(stored, T0 + 11, POLICY), { allowed: true, next: { count: 3, windowStart: T0, lastAt: T0 + 11 } });
    const full: ThrottleWindow = { count: 4, windowStart: T0, lastAt: T0 + 10 };
    assert.deepEqual(decideReservation(full, T0 + 10, POLICY), { allowed: false, retryAfterMs: 2_000 });
    assert.deepEqual(decideReservation(full, T0 + 2_009, POLICY), { allowed: false, retryAfterMs: 1 });
    assert.deepEqual(decideReservation(full, T0 + 2_010, POLICY), { allowed: true, next: { count: 5, windowStart: T0, lastAt: T0 + 2_010 } });
  });

  test('a window is forgotten once older than windowMs (its last instant still counts), and the next attempt opens a new one', () => {
    const full: ThrottleWindow = { count: 9, windowStart: T0, lastAt: T0 + 59_000 };
    assert.deepEqual(decideReservation(full, T0 + POLICY.windowMs, POLICY), { allowed: false, retryAfterMs: 9_000 });
    assert.deepEqual(decideReservation(full, T0 + POLICY.windowMs + 1, POLICY), {
      allowed: true,
      next: { count: 1, windowStart: T0 + POLICY.windowMs + 1, lastAt: T0 + POLICY.windowMs + 1 },
    });
  });

  test('a counter given back is judged by its count: below the free attempts it allows at once, even right after its last time', () => {
    assert.equal(decideReservation({ count: 2, windowStart: T0, lastAt: T0 + 5 }, T0 + 5, POLICY).allowed, true);
    assert.deepEqual(decideReservation({ count: 3, windowStart: T0, lastAt: T0 + 5 }, T0 + 5, POLICY), { allowed: false, retryAfterMs: 1_000 });
  });
});

let database: TestDatabase | undefined;
let store: ThrottleStore;
let clock: number;
let tenantId: string;
const throttle = () => createSignInThrottle(store, () => clock);
// A tenant per test keeps every test's counters apart in the shared database.
const keysOf = (identifier: string, ip = '203.0.113.7'): ThrottleKeys => signInThrottleKeys(tenantId, identifier, ip);
const countOf = async (key: string, policy: ThrottlePolicy) => (await store.peek(key, clock, policy.windowMs)).count;

/** Attempts (and fails) `count` times, each as soon as the throttle allows it; returns the wait asked before each. */
async function failRepeatedly(keys: ThrottleKeys, count: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < count; i++) {
    const verdict = await throttle().attempt(keys);
    waits.push(verdict.allowed ? 0 : verdict.retryAfterSeconds);
    if (!verdict.allowed) {
      clock += verdict.retryAfterSeconds * SECOND;
      assert.deepEqual(await throttle().attempt(keys), { allowed: true });
    }
  }
  return waits;
}

describe('createSignInThrottle', () => {
  before(async () => {
    database = await createTestDatabase('sqlite');
    store = createSqlThrottleStore(database.handle.db);
  });

  after(async () => {
    await database?.dispose();
  });

  beforeEach(() => {
    clock = T0;
    tenantId = randomUUID();
  });

  test('the policies: 5 free attempts per account an hour, 30 per address in 15 minutes, waits capped at 15 minutes', () => {
    assert.deepEqual(ACCOUNT_POLICY, { freeAttempts: 5, windowMs: 60 * 60_000, maxDelayMs: 15 * 60_000 });
    assert.deepEqual(ADDRESS_POLICY, { freeAttempts: 30, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 });
  });

  test('5 free attempts, then waits of 1 s, 2 s, 4 s … doubling up to 15 minutes', async () => {
    const keys = keysOf('ann@example.com');
    const waits = await failRepeatedly(keys, 17);
    assert.deepEqual(waits, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    assert.deepEqual(await throttle().attempt(keys), { allowed: false, retryAfterSeconds: 900 });
  });

  test('the verdict counts down: retryAfterSeconds is what is left of the wait, rounded up', async () => {
    const keys = keysOf('ann@example.com');
    await failRepeatedly(keys, 7);
    // 7 attempts: the next one waits 4 s after the last one.
    assert.deepEqual(await throttle().attempt(keys), { allowed: false, retryAfterSeconds: 4 });
    clock += 2_500;
    assert.deepEqual(await throttle().attempt(keys), { allowed: false, retryAfterSeconds: 2 });
    clock += 1_499;
    assert.deepEqual(await throttle().attempt(keys), { allowed: false, retryAfterSeconds: 1 });
    clock += 1;
    assert.deepEqual(await throttle().attempt(keys), { allowed: true });
  });

  test('a refused attempt leaves the wait unchanged: retrying while throttled counts nowhere', async () => {
    const keys = keysOf('ann@example.com');
    await failRepeatedly(keys, 6);
    const before = { account: await store.peek(keys.account, clock, ACCOUNT_POLICY.windowMs), address: await countOf(keys.address, ADDRESS_POLICY) };
    // The 7th attempt may come 2 s after the 6th; every refusal meanwhile names that same moment.
    const allowedAt = before.account.lastAt + 2 * SECOND;
    for (let i = 0; i < 10; i++) {
      clock += 150;
      assert.deepEqual(await throttle().attempt(keys), { allowed: false, retryAfterSeconds: Math.ceil((allowedAt - clock) / SECOND) });
    }
    assert.deepEqual(await store.peek(keys.account, clock, ACCOUNT_POLICY.windowMs), before.account);
    assert.equal(await countOf(keys.address, ADDRESS_POLICY), before.address);
    clock = allowedAt;
    assert.deepEqual(await throttle().attempt(keys), { allowed: true });
  });

  test('the account limit holds whatever address the attempts come from', async () => {
    for (let i = 0; i < 5; i++) assert.deepEqual(await throttle().attempt(keysOf('ann@example.com', `198.51.100.${i}`)), { allowed: true });
    assert.deepEqual(await throttle().attempt(keysOf('ann@example.com', '192.0.2.99')), { allowed: false, retryAfterSeconds: 1 });
    assert.deepEqual(await throttle().attempt(keysOf('bob@example.com', '198.51.100.0')), { allowed: true });
  });

  test('the address limit holds across accounts, and an attempt the address refuses is given back to the account', async () => {
    for (let i = 0; i < 30; i++) assert.deepEqual(await throttle().attempt(keysOf(`guess${i}@example.com`)), { allowed: true });
    assert.deepEqual(await throttle().attempt(keysOf('new@example.com')), { allowed: false, retryAfterSeconds: 1 });
    assert.equal(await countOf(keysOf('new@example.com').account, ACCOUNT_POLICY), 0);
    assert.equal(await countOf(keysOf('new@example.com').address, ADDRESS_POLICY), 30);
    assert.deepEqual(await throttle().attempt(keysOf('new@example.com', '192.0.2.1')), { allowed: true });
    clock += SECOND;
    assert.deepEqual(await throttle().attempt(keysOf('another@example.com')), { allowed: true });
    assert.deepEqual(await throttle().attempt(keysOf('new@example.com')), { allowed: false, retryAfterSeconds: 2 });
  });

  test('a success clears the account counter and gives its attempt back to the address', async () => {
    const keys = keysOf('ann@example.com');
    await failRepeatedly(keys, 5);
    assert.equal((await throttle().attempt(keys)).allowed, false);
    clock += SECOND;
    assert.deepEqual(await throttle().attempt(keys), { allowed: true });
    assert.equal(await countOf(keys.address, ADDRESS_POLICY), 6);
    await throttle().succeeded(keys);
    assert.equal(await countOf(keys.account, ACCOUNT_POLICY), 0);
    assert.equal(await countOf(keys.address, ADDRESS_POLICY), 5);
    // The owner starts afresh: five more free attempts before any wait.
    assert.deepEqual(await failRepeatedly(keys, 6), [0, 0, 0, 0, 0, 1]);
  });

  test('customers signing in from one shared address never throttle each other', async () => {
    for (let i = 0; i < 40; i++) {
      const keys = keysOf(`colleague${i}@example.com`, '192.0.2.50');
      assert.deepEqual(await throttle().attempt(keys), { allowed: true });
      await throttle().succeeded(keys);
    }
    assert.equal(await countOf(keysOf('anyone@example.com', '192.0.2.50').address, ADDRESS_POLICY), 0);
  });

  test('attempts older than the window are forgotten', async () => {
    const keys = keysOf('ann@example.com');
    await failRepeatedly(keys, 6);
    assert.equal((await throttle().attempt(keys)).allowed, false);
    clock = T0 + ACCOUNT_POLICY.windowMs + 1;
    assert.deepEqual(await throttle().attempt(keys), { allowed: true });
    assert.equal(await countOf(keys.account, ACCOUNT_POLICY), 1);
  });

  test('20 parallel attempts on one account: exactly 5 pass, and only those count against the address', async () => {
    const keys = keysOf('ann@example.com');
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => throttle().attempt(keys)));
    assert.equal(verdicts.filter((verdict) => verdict.allowed).length, 5);
    assert.equal(await countOf(keys.account, ACCOUNT_POLICY), 5);
    assert.equal(await countOf(keys.address, ADDRESS_POLICY), 5);
  });

  test('keys name the tenant, the identifier and the address, so tenants never share counters', () => {
    const [a, b] = [signInThrottleKeys('tenant-a', 'ann@example.com', '203.0.113.7'), signInThrottleKeys('tenant-b', 'ann@example.com', '203.0.113.7')];
    assert.notEqual(a.account, b.account);
    assert.notEqual(a.address, b.address);
    assert.notEqual(a.account, a.address);
  });
});
