// Conformance suite of the StatsStore port on each engine: counters are added to (also by
// concurrent writers), sketches merged without losing a concurrent merge, an expected return is
// claimed once, a batch is written once, and the sweep removes what is past its use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStatsStore } from '../../src/storage/stats.store.ts';
import { addHash, emptySketch, estimate } from '../../src/domain/stats/hyperloglog.ts';
import type { DailyCount } from '../../src/domain/stats/stats.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;

function sketchOf(from: number, to: number): Uint8Array {
  const sketch = emptySketch();
  for (let i = from; i < to; i += 1) addHash(sketch, createHash('sha256').update(`customer-${i}`).digest());
  return sketch;
}

describeEachEngine('StatsStore', (current) => {
  const db = () => current().handle.db;
  const store = () => createStatsStore(db());
  const count = (tenantId: string, day: string, metric: DailyCount['metric'], count: number, dimensions: { application?: string; method?: string } = {}): DailyCount => ({
    tenantId,
    day,
    metric,
    application: dimensions.application ?? '',
    method: dimensions.method ?? '',
    count,
  });

  test('counts are added to their day and dimensions, by concurrent writers too, and read back per tenant, metric and period', async () => {
    const [tenant, other] = [uuidv7(T0), uuidv7(T0)];
    await store().addCounts([count(tenant, '2026-03-01', 'signin.succeeded', 2, { application: 'shop', method: 'password' }), count(tenant, '2026-03-01', 'signup.created', 1)]);
    // Two nodes flushing at once, each in its own transaction.
    await Promise.all(
      [3, 4].map((n) => db().transaction().execute((tx) => createStatsStore(tx).addCounts([count(tenant, '2026-03-01', 'signin.succeeded', n, { application: 'shop', method: 'password' })]))),
    );
    await store().addCounts([
      count(tenant, '2026-03-02', 'signin.succeeded', 1, { application: 'blog', method: 'password' }),
      count(tenant, '2026-03-05', 'signin.succeeded', 7, { application: 'shop', method: 'password' }),
      count(other, '2026-03-01', 'signin.succeeded', 100, { application: 'shop', method: 'password' }),
    ]);
    const rows = await store().countsBetween(tenant, ['signin.succeeded'], '2026-03-01', '2026-03-02');
    const sorted = [...rows].sort((a, b) => a.day.localeCompare(b.day));
    assert.deepEqual(sorted, [
      count(tenant, '2026-03-01', 'signin.succeeded', 9, { application: 'shop', method: 'password' }),
      count(tenant, '2026-03-02', 'signin.succeeded', 1, { application: 'blog', method: 'password' }),
    ]);
    assert.deepEqual(await store().countsBetween(tenant, ['signup.created'], '2026-03-01', '2026-03-31'), [count(tenant, '2026-03-01', 'signup.created', 1)]);
    assert.deepEqual(await store().countsBetween(tenant, [], '2026-03-01', '2026-03-31'), []);
  });

  test('sketches merge into the day of their tenant, and concurrent merges lose nothing', async () => {
    const tenant = uuidv7(T0);
    await store().mergeActive({ tenantId: tenant, day: '2026-03-01', registers: sketchOf(0, 100) });
    await Promise.all(
      [sketchOf(50, 200), sketchOf(200, 300), sketchOf(300, 400)].map((registers) =>
        db().transaction().execute((tx) => createStatsStore(tx).mergeActive({ tenantId: tenant, day: '2026-03-01', registers })),
      ),
    );
    await store().mergeActive({ tenantId: tenant, day: '2026-03-03', registers: sketchOf(0, 10) });
    await store().mergeActive({ tenantId: uuidv7(T0), day: '2026-03-01', registers: sketchOf(1000, 2000) });
    const sketches = [...(await store().activeBetween(tenant, '2026-03-01', '2026-03-02'))];
    assert.deepEqual(sketches.map((s) => s.day), ['2026-03-01']);
    assert.deepEqual(sketches[0]!.registers, sketchOf(0, 400), 'the registers of the union of all four');
    assert.ok(Math.abs(estimate(sketches[0]!.registers) - 400) <= 4);
    assert.deepEqual((await store().activeBetween(tenant, '2026-03-01', '2026-03-31')).map((s) => s.day).sort(), ['2026-03-01', '2026-03-03']);
  });

  test('an expected return is claimed once, within its window, by its tenant only; the first expectation stays', async () => {
    const [tenant, other] = [uuidv7(T0), uuidv7(T0)];
    const [ann, bob, cat] = [uuidv7(T0), uuidv7(T0), uuidv7(T0)];
    await store().expectReturns([
      { tenantId: tenant, identityId: ann, application: 'shop', day: '2026-03-01', expiresAt: T0 + 1000 },
      { tenantId: tenant, identityId: bob, application: '', day: '2026-03-02', expiresAt: T0 + 1000 },
      { tenantId: tenant, identityId: cat, application: 'blog', day: '2026-03-02', expiresAt: T0 + 10 },
    ]);
    await store().expectReturns([{ tenantId: tenant, identityId: ann, application: 'blog', day: '2026-03-09', expiresAt: T0 + 5000 }]);
    assert.deepEqual(await store().claimReturns(other, [ann, bob], T0), []);
    const claimed = await Promise.all([ann, ann].map((id) => db().transaction().execute((tx) => createStatsStore(tx).claimReturns(tenant, [id], T0))));
    assert.deepEqual(claimed.flat(), [{ application: 'shop', day: '2026-03-01' }], 'claimed once, as first expected');
    assert.deepEqual(await store().claimReturns(tenant, [bob, cat], T0 + 100), [{ application: '', day: '2026-03-02' }], 'cat came back too late');
    assert.deepEqual(await store().claimReturns(tenant, [], T0), []);
  });

  test('a batch is claimed once', async () => {
    const id = uuidv7(T0);
    assert.equal(await store().claimBatch(id, T0), true);
    assert.equal(await store().claimBatch(id, T0 + 1), false);
  });

  test('the sweep removes expectations past their window and old batch marks, in batches, and keeps the rest', async () => {
    const tenant = uuidv7(T0);
    const live = uuidv7(T0);
    await store().expectReturns([
      ...[0, 1, 2].map((i) => ({ tenantId: tenant, identityId: `old-${i}`, application: '', day: '2026-03-01', expiresAt: T0 + i })),
      { tenantId: tenant, identityId: live, application: '', day: '2026-03-01', expiresAt: T0 + 60_000 },
    ]);
    const [oldBatch, newBatch] = [uuidv7(T0), uuidv7(T0)];
    await store().claimBatch(oldBatch, T0 - 8 * 24 * 60 * 60_000);
    await store().claimBatch(newBatch, T0);
    let removed = 0;
    let batch: number;
    do {
      batch = await store().removeExpired(T0 + 10, 2);
      assert.ok(batch <= 2);
      removed += batch;
    } while (batch === 2);
    assert.ok(removed >= 4);
    assert.equal(await store().claimBatch(oldBatch, T0), true, 'its mark was swept');
    assert.equal(await store().claimBatch(newBatch, T0), false, 'kept');
    assert.deepEqual(await store().claimReturns(tenant, ['old-0', live], T0 + 10), [{ application: '', day: '2026-03-01' }]);
  });
});
