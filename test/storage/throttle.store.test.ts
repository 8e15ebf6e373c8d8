// One conformance suite for the ThrottleStore port, run against the SQL store on each engine and
// against the Redis store: reservations decided and counted in one step (bursts included),
// release, peek, reset and windows. Redis is TEST_REDIS_URL (default redis://127.0.0.1:6379);
// without it the Redis half is skipped with a message, except under CI=true, where it must run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeEachEngine } from '../helpers/engines.ts';
import { createSqlThrottleStore } from '../../src/storage/throttle.store.ts';
import { createRedisThrottleStore } from '../../src/infra/redis/throttle.redis.ts';
import type { ThrottlePolicy, ThrottleStore } from '../../src/domain/flows/throttle.port.ts';
import { ACCOUNT_POLICY } from '../../src/domain/flows/throttle.ts';
import { ENTRY_ADDRESS_KEY_PREFIX, ENTRY_ADDRESS_POLICY } from '../../src/domain/self-service/code-steps.ts';

const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const REQUIRED = process.env['CI'] === 'true';

const T0 = 1_790_000_000_000;
// Long in real time too: Redis expires a counter one window after its last counted attempt, by its own clock.
const WINDOW = 10 * 60_000;
/** 3 free attempts, then 1 s, 2 s, 4 s, capped at 4 s. */
const POLICY: ThrottlePolicy = { freeAttempts: 3, windowMs: WINDOW, maxDelayMs: 4_000 };
/** Never refuses within a test: for tests about counting and windows. */
const GENEROUS: ThrottlePolicy = { freeAttempts: 1_000, windowMs: WINDOW, maxDelayMs: 4_000 };

/** Each test's keys are its own, so tests sharing a database or a Redis never see each other's counters. */
const freshKey = () => `test:${randomUUID()}`;
const ALLOWED = { allowed: true } as const;
const refused = (retryAfterMs: number) => ({ allowed: false, retryAfterMs }) as const;

function throttleStoreConformance(store: () => ThrottleStore): void {
  test('reservations count up within a window while the free attempts last', async () => {
    const key = freshKey();
    assert.deepEqual(await store().reserve(key, T0, POLICY), ALLOWED);
    assert.deepEqual(await store().peek(key, T0, WINDOW), { count: 1, lastAt: T0 });
    assert.deepEqual(await store().reserve(key, T0 + 1, POLICY), ALLOWED);
    assert.deepEqual(await store().reserve(key, T0 + 2, POLICY), ALLOWED);
    assert.deepEqual(await store().peek(key, T0 + 2, WINDOW), { count: 3, lastAt: T0 + 2 });
  });

  test('past the free attempts a reservation waits the delay after the last one, to the millisecond, and a refusal changes nothing', async () => {
    const key = freshKey();
    for (let i = 0; i < 3; i++) await store().reserve(key, T0, POLICY);
    assert.deepEqual(await store().reserve(key, T0 + 1, POLICY), refused(999));
    assert.deepEqual(await store().reserve(key, T0 + 999, POLICY), refused(1));
    assert.deepEqual(await store().peek(key, T0 + 999, WINDOW), { count: 3, lastAt: T0 });
    assert.deepEqual(await store().reserve(key, T0 + 1_000, POLICY), ALLOWED);
    assert.deepEqual(await store().reserve(key, T0 + 1_000, POLICY), refused(2_000));
    assert.deepEqual(await store().reserve(key, T0 + 3_000, POLICY), ALLOWED);
    // Then 4 s, and the cap keeps it at 4 s.
    assert.deepEqual(await store().reserve(key, T0 + 3_000, POLICY), refused(4_000));
    assert.deepEqual(await store().reserve(key, T0 + 7_000, POLICY), ALLOWED);
    assert.deepEqual(await store().reserve(key, T0 + 7_000, POLICY), refused(4_000));
    assert.deepEqual(await store().peek(key, T0 + 7_000, WINDOW), { count: 6, lastAt: T0 + 7_000 });
  });

  test('a window is fixed from its first attempt: later ones do not extend it, and a stale one restarts at 1, throttled or not', async () => {
    const key = freshKey();
    await store().reserve(key, T0, GENEROUS);
    await store().reserve(key, T0 + WINDOW - 1, GENEROUS);
    // The window's last instant still belongs to it.
    assert.deepEqual(await store().peek(key, T0 + WINDOW, WINDOW), { count: 2, lastAt: T0 + WINDOW - 1 });
    assert.deepEqual(await store().reserve(key, T0 + WINDOW + 1, GENEROUS), ALLOWED);
    assert.deepEqual(await store().peek(key, T0 + WINDOW + 1, WINDOW), { count: 1, lastAt: T0 + WINDOW + 1 });
    // The new window runs from its own first attempt.
    assert.deepEqual(await store().peek(key, T0 + 2 * WINDOW + 1, WINDOW), { count: 1, lastAt: T0 + WINDOW + 1 });
    assert.deepEqual(await store().peek(key, T0 + 2 * WINDOW + 2, WINDOW), { count: 0, lastAt: 0 });

    const throttled = freshKey();
    for (let i = 0; i < 3; i++) await store().reserve(throttled, T0, POLICY);
    assert.deepEqual(await store().reserve(throttled, T0 + WINDOW - 1, POLICY), ALLOWED);
    assert.deepEqual(await store().reserve(throttled, T0 + WINDOW, POLICY), refused(1_999));
    assert.deepEqual(await store().reserve(throttled, T0 + WINDOW + 1, POLICY), ALLOWED);
    assert.deepEqual(await store().peek(throttled, T0 + WINDOW + 1, WINDOW), { count: 1, lastAt: T0 + WINDOW + 1 });
  });

  test('peek reads without counting, and an unknown or expired key is zero', async () => {
    const key = freshKey();
    assert.deepEqual(await store().peek(key, T0, WINDOW), { count: 0, lastAt: 0 });
    await store().reserve(key, T0, GENEROUS);
    await store().reserve(key, T0 + 5, GENEROUS);
    assert.deepEqual(await store().peek(key, T0 + 10, WINDOW), { count: 2, lastAt: T0 + 5 });
    assert.deepEqual(await store().peek(key, T0 + 10, WINDOW), { count: 2, lastAt: T0 + 5 });
    assert.deepEqual(await store().peek(key, T0 + WINDOW + 1, WINDOW), { count: 0, lastAt: 0 });
    // A shorter window asked of the same counter judges it by that window.
    assert.deepEqual(await store().peek(key, T0 + 100, 50), { count: 0, lastAt: 0 });
  });

  test('release gives one attempt back, keeps the time of the last one, and never goes below zero', async () => {
    const key = freshKey();
    for (let i = 0; i < 4; i++) await store().reserve(key, T0 + 1_000 * i, POLICY);
    await store().release(key);
    assert.deepEqual(await store().peek(key, T0 + 3_000, WINDOW), { count: 3, lastAt: T0 + 3_000 });
    // Three counted: the next waits 1 s after the last time, not 2 s.
    assert.deepEqual(await store().reserve(key, T0 + 3_000, POLICY), refused(1_000));
    assert.deepEqual(await store().reserve(key, T0 + 4_000, POLICY), ALLOWED);
    for (let i = 0; i < 6; i++) await store().release(key);
    assert.deepEqual(await store().peek(key, T0 + 4_000, WINDOW), { count: 0, lastAt: T0 + 4_000 });
    assert.deepEqual(await store().reserve(key, T0 + 4_000, POLICY), ALLOWED);
    assert.equal((await store().peek(key, T0 + 4_000, WINDOW)).count, 1);
    // Releasing a key never reserved is harmless and creates nothing.
    const unknown = freshKey();
    await store().release(unknown);
    assert.deepEqual(await store().peek(unknown, T0, WINDOW), { count: 0, lastAt: 0 });
  });

  test('keys count independently', async () => {
    const [first, second] = [freshKey(), freshKey()];
    for (let i = 0; i < 4; i++) await store().reserve(first, T0, POLICY);
    assert.deepEqual(await store().reserve(second, T0, POLICY), ALLOWED);
    assert.deepEqual(await store().peek(first, T0, WINDOW), { count: 3, lastAt: T0 });
    assert.deepEqual(await store().peek(second, T0, WINDOW), { count: 1, lastAt: T0 });
  });

  test('reset forgets one key, and counting starts again at 1', async () => {
    const [key, other] = [freshKey(), freshKey()];
    for (let i = 0; i < 4; i++) await store().reserve(key, T0, POLICY);
    await store().reserve(other, T0, POLICY);
    await store().reset(key);
    assert.deepEqual(await store().peek(key, T0 + 2, WINDOW), { count: 0, lastAt: 0 });
    assert.deepEqual(await store().peek(other, T0 + 2, WINDOW), { count: 1, lastAt: T0 });
    assert.deepEqual(await store().reserve(key, T0 + 3, POLICY), ALLOWED);
    assert.deepEqual(await store().peek(key, T0 + 3, WINDOW), { count: 1, lastAt: T0 + 3 });
    await store().reset(freshKey());
  });

  test('resetAndRelease forgets one key and gives one attempt back to the other, in one step', async () => {
    const [account, address, bystander] = [freshKey(), freshKey(), freshKey()];
    for (let i = 0; i < 3; i++) await store().reserveAll([{ key: account, policy: POLICY }, { key: address, policy: GENEROUS }], T0 + i);
    await store().reserve(bystander, T0, POLICY);
    await store().resetAndRelease(account, address);
    assert.deepEqual(await store().peek(account, T0 + 10, WINDOW), { count: 0, lastAt: 0 });
    assert.deepEqual(await store().peek(address, T0 + 10, WINDOW), { count: 2, lastAt: T0 + 2 });
    assert.deepEqual(await store().peek(bystander, T0 + 10, WINDOW), { count: 1, lastAt: T0 });
    assert.deepEqual(await store().reserve(account, T0 + 10, POLICY), ALLOWED);
    assert.deepEqual(await store().peek(account, T0 + 10, WINDOW), { count: 1, lastAt: T0 + 10 });
    // Never below zero, harmless on unknown keys, and a key named twice is simply forgotten.
    for (let i = 0; i < 5; i++) await store().resetAndRelease(freshKey(), address);
    assert.deepEqual(await store().peek(address, T0 + 10, WINDOW), { count: 0, lastAt: T0 + 2 });
    await store().resetAndRelease(freshKey(), freshKey());
    await store().resetAndRelease(bystander, bystander);
    assert.deepEqual(await store().peek(bystander, T0 + 10, WINDOW), { count: 0, lastAt: 0 });
  });

  test('a long run of attempts keeps waiting the capped delay: the doubling never overflows', async () => {
    const key = freshKey();
    // 3 free, then every attempt 4 s (the cap) after the last: 60 attempts, 2^57 s uncapped by the end.
    for (let i = 0; i < 60; i++) assert.deepEqual(await store().reserve(key, T0 + 4_000 * i, POLICY), ALLOWED, `attempt ${i + 1}`);
    assert.deepEqual(await store().reserve(key, T0 + 4_000 * 59 + 1, POLICY), refused(3_999));
    assert.deepEqual(await store().peek(key, T0 + 4_000 * 59, WINDOW), { count: 60, lastAt: T0 + 4_000 * 59 });
  });

  test('reserveAll naming one key twice counts it once, under the later of its decisions', async () => {
    const key = freshKey();
    assert.deepEqual(await store().reserveAll([{ key, policy: POLICY }, { key, policy: GENEROUS }], T0), ALLOWED);
    assert.equal((await store().peek(key, T0, WINDOW)).count, 1);
  });

  test('20 concurrent reservations on one account key: exactly the 5 free ones are allowed, the rest change nothing', async () => {
    const key = freshKey();
    const reservations = await Promise.all(Array.from({ length: 20 }, (_, i) => store().reserve(key, T0 + i, ACCOUNT_POLICY)));
    assert.equal(reservations.filter((reservation) => reservation.allowed).length, 5);
    assert.ok(reservations.every((reservation) => reservation.allowed || reservation.retryAfterMs > 900), JSON.stringify(reservations));
    assert.equal((await store().peek(key, T0 + 20, ACCOUNT_POLICY.windowMs)).count, 5);
  });

  test('reserveAll counts every key or none: one refusing key leaves the others untouched, with the longest wait', async () => {
    const [open, spent] = [freshKey(), freshKey()];
    for (let i = 0; i < 3; i++) await store().reserve(spent, T0, POLICY);
    const reservation = await store().reserveAll([{ key: open, policy: GENEROUS }, { key: spent, policy: POLICY }], T0 + 10);
    assert.deepEqual(reservation, refused(990));
    assert.equal((await store().peek(open, T0 + 10, WINDOW)).count, 0, 'the open key was not counted');
    assert.deepEqual(await store().reserveAll([{ key: open, policy: GENEROUS }, { key: spent, policy: POLICY }], T0 + 1_000), ALLOWED);
    assert.equal((await store().peek(open, T0 + 1_000, WINDOW)).count, 1);
    assert.equal((await store().peek(spent, T0 + 1_000, WINDOW)).count, 4);
  });

  test('20 concurrent reserveAll on an account and an address: exactly 5 allowed, both counted 5', async () => {
    const [account, address] = [freshKey(), freshKey()];
    const requests = [{ key: account, policy: ACCOUNT_POLICY }, { key: address, policy: GENEROUS }];
    const reservations = await Promise.all(Array.from({ length: 20 }, (_, i) => store().reserveAll(requests, T0 + i)));
    assert.equal(reservations.filter((reservation) => reservation.allowed).length, 5);
    assert.equal((await store().peek(account, T0 + 20, ACCOUNT_POLICY.windowMs)).count, 5);
    assert.equal((await store().peek(address, T0 + 20, WINDOW)).count, 5);
  });

  test('50 concurrent reservations under a generous policy are all counted', async () => {
    const key = freshKey();
    const reservations = await Promise.all(Array.from({ length: 50 }, (_, i) => store().reserve(key, T0 + i, GENEROUS)));
    assert.ok(reservations.every((reservation) => reservation.allowed));
    assert.equal((await store().peek(key, T0 + 50, WINDOW)).count, 50);
  });
}

describeEachEngine('ThrottleStore (SQL)', (current) => {
  throttleStoreConformance(() => createSqlThrottleStore(current().handle.db));

  test('the sweep removes counters older than any window, and keeps the others', async () => {
    const store = createSqlThrottleStore(current().handle.db);
    const [stale, fresh] = [freshKey(), freshKey()];
    await store.reserve(stale, T0, POLICY);
    await store.reserve(fresh, T0 + 2 * 3600_000, POLICY);
    while ((await store.removeExpired(T0 + 2 * 3600_000 + 1, 100)) === 100);
    assert.equal((await store.peek(fresh, T0 + 2 * 3600_000 + 1, WINDOW)).count, 1);
    assert.equal((await store.peek(stale, T0, WINDOW)).count, 0, 'the stale counter is gone');
  });

  test('the sweep keeps the per-address code counters for their day-long window', async () => {
    const store = createSqlThrottleStore(current().handle.db);
    const key = `${ENTRY_ADDRESS_KEY_PREFIX}${freshKey()}`;
    await store.reserve(key, T0, ENTRY_ADDRESS_POLICY);
    while ((await store.removeExpired(T0 + 2 * 3600_000, 100)) === 100);
    assert.equal((await store.peek(key, T0 + 2 * 3600_000, ENTRY_ADDRESS_POLICY.windowMs)).count, 1, 'kept after two hours');
    while ((await store.removeExpired(T0 + ENTRY_ADDRESS_POLICY.windowMs + 1, 100)) === 100);
    assert.equal((await store.peek(key, T0, ENTRY_ADDRESS_POLICY.windowMs)).count, 0, 'gone after its window');
  });
});

// Probed once, before any suite is declared: node:test only collects what `describe` declares
// synchronously.
async function probeRedis(): Promise<string | undefined> {
  const probe = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let lastError: Error | undefined;
  probe.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return (lastError ?? (error as Error)).message;
  } finally {
    probe.disconnect();
  }
}

const redisUnavailable = await probeRedis();
if (redisUnavailable && REQUIRED) {
  throw new Error(`Redis is required under CI=true but unreachable at ${TEST_REDIS_URL}: ${redisUnavailable}`);
}

if (redisUnavailable) {
  describe('ThrottleStore [redis]', { skip: `Redis unreachable at ${TEST_REDIS_URL} (${redisUnavailable}); set TEST_REDIS_URL to run it` }, () => {});
} else {
  describe('ThrottleStore [redis]', () => {
    // A prefix of this run's own: parallel runs never meet, and cleanup deletes exactly our keys.
    const prefix = `foyer-test:${process.pid}:${randomUUID()}:`;
    let redis: Redis | undefined;
    const client = () => {
      if (!redis) throw new Error('Redis is not connected');
      return redis;
    };

    before(() => {
      redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    });

    after(async () => {
      if (!redis) return;
      const keys = await scanKeys(redis, `${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      assert.deepEqual(await scanKeys(redis, `${prefix}*`), []);
      await redis.quit();
    });

    throttleStoreConformance(() => createRedisThrottleStore(client(), prefix));

    test('a counter lives in Redis under the prefix and expires one window after its last counted attempt', async () => {
      const key = freshKey();
      await createRedisThrottleStore(client(), prefix).reserve(key, T0, POLICY);
      const ttl = await client().pttl(prefix + key);
      assert.ok(ttl > WINDOW - 60_000 && ttl <= WINDOW, `ttl ${ttl}`);
    });
  });
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
