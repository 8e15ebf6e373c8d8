// The in-memory batching of statistics, against a real database: a flush merges what was
// recorded into one write per counter, a failed flush keeps every count for the next one (and
// what was recorded meanwhile), a batch whose commit succeeded but whose answer was lost is
// not counted twice, and the last flush (at shutdown) writes everything recorded before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { activeKeyOf, createStatsCollector } from '../../src/domain/stats/stats-collector.ts';
import type { StatsStore } from '../../src/domain/stats/stats.port.ts';
import type { UnitOfWork } from '../../src/domain/unit-of-work.ts';
import { estimate } from '../../src/domain/stats/hyperloglog.ts';
import { RETURN_WINDOW_MS } from '../../src/domain/stats/stats.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const DAY = '2026-03-01';

describeEachEngine('stats collector', (current) => {
  /** A collector on the test database whose next transaction can be made to fail: before anything is written, halfway, or after its commit. */
  function setUp() {
    const db = current().handle.db;
    const tenantId = uuidv7(T0);
    const clock = { now: T0 };
    const failNext = { at: undefined as undefined | 'halfway' | 'after_commit' };
    const real = createTransaction(db);
    const transaction: UnitOfWork<{ stats: StatsStore }> = async (work) => {
      const failure = failNext.at;
      failNext.at = undefined;
      const result = await real((stores) =>
        work({ stats: failure === 'halfway' ? { ...stores.stats, mergeActive: () => Promise.reject(new Error('connection reset')) } : stores.stats }),
      );
      if (failure === 'after_commit') throw new Error('connection lost before the answer');
      return result;
    };
    const collector = createStatsCollector({ transaction, activeKey: activeKeyOf('test-master-secret-0123456789-abcdefghijklmnop'), now: () => clock.now });
    const stats = createStores(db).stats;
    const countOf = async (metric: Parameters<StatsStore['countsBetween']>[1][number], day = DAY) =>
      (await stats.countsBetween(tenantId, [metric], day, day)).reduce((sum, row) => sum + row.count, 0);
    const activeOf = async (day = DAY) => {
      const [sketch] = await stats.activeBetween(tenantId, day, day);
      return sketch ? estimate(sketch.registers) : 0;
    };
    return { tenantId, clock, failNext, collector, stats, countOf, activeOf };
  }

  test('a flush writes each counter once with everything recorded for it, by day and dimensions', async () => {
    const { tenantId, clock, collector, stats } = setUp();
    for (let i = 0; i < 3; i += 1) collector.count(tenantId, 'signin.succeeded', { application: 'shop', method: 'password' });
    collector.count(tenantId, 'signin.succeeded', { application: 'blog', method: 'password' });
    clock.now = T0 + 24 * 60 * 60_000;
    collector.count(tenantId, 'signin.succeeded', { application: 'shop', method: 'password' });
    await collector.flush();
    const rows = await stats.countsBetween(tenantId, ['signin.succeeded'], DAY, '2026-03-02');
    assert.deepEqual(
      rows.map((r) => `${r.day} ${r.application} ${r.method} ${r.count}`).sort(),
      ['2026-03-01 blog password 1', '2026-03-01 shop password 3', '2026-03-02 shop password 1'],
    );
    await collector.flush();
    assert.equal((await stats.countsBetween(tenantId, ['signin.succeeded'], DAY, '2026-03-02')).reduce((sum, row) => sum + row.count, 0), 5, 'nothing written twice');
  });

  test('active customers are counted once a day however often they sign in, and never stored by id', async () => {
    const { tenantId, collector, activeOf, stats } = setUp();
    const [ann, bob] = [uuidv7(T0), uuidv7(T0)];
    collector.signedIn(tenantId, ann, false);
    collector.signedIn(tenantId, ann, false);
    collector.signedIn(tenantId, bob, false);
    await collector.flush();
    collector.signedIn(tenantId, ann, false);
    await collector.flush();
    assert.equal(await activeOf(), 2);
    const [sketch] = await stats.activeBetween(tenantId, DAY, DAY);
    assert.ok(!Buffer.from(sketch!.registers).includes(Buffer.from(ann)), 'the sketch holds registers, not ids');
  });

  test('a sign-up returns once, counted for its application and day, only within the window and not by its own sign-in', async () => {
    const { tenantId, clock, collector, countOf } = setUp();
    const [ann, bob, cat] = [uuidv7(T0), uuidv7(T0), uuidv7(T0)];
    collector.signedUp(tenantId, ann, 'shop');
    collector.signedUp(tenantId, bob, 'shop');
    collector.signedUp(tenantId, cat, 'blog');
    collector.signedIn(tenantId, ann, false); // the sign-in that completed the sign-up
    await collector.flush();
    assert.equal(await countOf('signup.returned'), 0);
    clock.now = T0 + 2 * 24 * 60 * 60_000;
    collector.signedIn(tenantId, ann, true);
    collector.signedIn(tenantId, ann, true);
    await collector.flush();
    collector.signedIn(tenantId, ann, true);
    await collector.flush();
    clock.now = T0 + RETURN_WINDOW_MS + 1;
    collector.signedIn(tenantId, bob, true);
    await collector.flush();
    const rows = await setUp().stats.countsBetween(tenantId, ['signup.returned'], DAY, DAY);
    assert.deepEqual(rows.map((r) => [r.application, r.count]), [['shop', 1]], 'ann once, on her sign-up day, for her application; bob too late; cat never');
  });

  test('a flush that fails keeps its counts for the next one, with what was recorded meanwhile, and writes them once', async () => {
    const { tenantId, failNext, collector, countOf, activeOf } = setUp();
    collector.count(tenantId, 'signup.viewed', { application: 'shop' });
    collector.signedIn(tenantId, uuidv7(T0), false);
    failNext.at = 'halfway';
    await assert.rejects(collector.flush(), /connection reset/);
    assert.equal(await countOf('signup.viewed'), 0, 'rolled back: nothing half-written');
    collector.count(tenantId, 'signup.viewed', { application: 'shop' });
    collector.signedIn(tenantId, uuidv7(T0), false);
    await collector.flush();
    assert.equal(await countOf('signup.viewed'), 2);
    assert.equal(await activeOf(), 2);
    await collector.flush();
    assert.equal(await countOf('signup.viewed'), 2);
  });

  test('a batch whose commit succeeded but whose answer was lost is not counted twice', async () => {
    const { tenantId, failNext, collector, countOf } = setUp();
    collector.count(tenantId, 'signin.failed', { method: 'password' });
    failNext.at = 'after_commit';
    await assert.rejects(collector.flush(), /connection lost/);
    assert.equal(await countOf('signin.failed'), 1);
    collector.count(tenantId, 'signin.failed', { method: 'password' });
    await collector.flush();
    assert.equal(await countOf('signin.failed'), 2, 'the retried batch was skipped, the new count written');
  });

  test('flushes run one after the other, and the last writes everything recorded before it', async () => {
    const { tenantId, collector, countOf } = setUp();
    collector.count(tenantId, 'signup.submitted');
    const first = collector.flush();
    collector.count(tenantId, 'signup.submitted');
    const last = collector.flush();
    await Promise.all([first, last]);
    assert.equal(await countOf('signup.submitted'), 2);
  });
});
