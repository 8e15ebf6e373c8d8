// The dashboards' questions, answered from aggregates stored on each engine: dense daily series,
// breakdowns by method and application, failures, active customers over rolling windows, the
// sign-up funnel per application; and the period rules (defaults, at most MAX_PERIOD_DAYS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStatsStore } from '../../src/storage/stats.store.ts';
import { activeCustomers, failuresPerDay, MAX_PERIOD_DAYS, periodOf, signInsPerDay, signUpFunnel, signUpsPerDay } from '../../src/domain/stats/stats.service.ts';
import type { Period } from '../../src/domain/stats/stats.service.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { addHash, emptySketch, estimate } from '../../src/domain/stats/hyperloglog.ts';
import { addDays } from '../../src/domain/stats/stats.ts';
import type { DailyCount } from '../../src/domain/stats/stats.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');

test('a period defaults to the 30 days up to today, and is at most MAX_PERIOD_DAYS days, each field named when wrong', () => {
  assert.deepEqual(periodOf({}, NOW), { from: '2026-02-09', to: '2026-03-10' });
  assert.deepEqual(periodOf({ to: '2026-01-31' }, NOW), { from: '2026-01-02', to: '2026-01-31' });
  assert.deepEqual(periodOf({ from: '2026-03-01' }, NOW), { from: '2026-03-01', to: '2026-03-10' });
  assert.deepEqual(periodOf({ from: '2025-12-11', to: '2026-03-10' }, NOW), { from: '2025-12-11', to: '2026-03-10' }, 'exactly 90 days');
  const problemsOf = (input: { from?: string; to?: string }) => {
    try {
      periodOf(input, NOW);
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error.problems.map((p) => `${p.field} ${p.code}`);
    }
    return [];
  };
  assert.equal(MAX_PERIOD_DAYS, 90);
  assert.deepEqual(problemsOf({ from: '2025-12-10', to: '2026-03-10' }), ['from stats.period_too_long']);
  assert.deepEqual(problemsOf({ from: '2026-03-02', to: '2026-03-01' }), ['from stats.period_reversed']);
  assert.deepEqual(problemsOf({ from: '2026-02-30', to: 'yesterday' }), ['from stats.day_invalid', 'to stats.day_invalid']);
});

describeEachEngine('statistics queries', (current) => {
  const deps = () => ({ stats: createStatsStore(current().handle.db) });
  const period: Period = { from: '2026-03-01', to: '2026-03-03' };
  const row = (tenantId: string, day: string, metric: DailyCount['metric'], count: number, application = '', method = ''): DailyCount => ({ tenantId, day, metric, application, method, count });

  test('sign-ups, sign-ins (in all, by method, by application) and failures, for every day of the period', async () => {
    const tenant = uuidv7(NOW);
    await deps().stats.addCounts([
      row(tenant, '2026-03-01', 'signup.created', 2, 'shop'),
      row(tenant, '2026-03-01', 'signup.created', 1),
      row(tenant, '2026-03-03', 'signup.created', 4, 'shop'),
      row(tenant, '2026-03-01', 'signin.succeeded', 5, 'shop', 'password'),
      row(tenant, '2026-03-01', 'signin.succeeded', 1, '', 'password'),
      row(tenant, '2026-03-02', 'signin.succeeded', 2, 'blog', 'passkey'),
      row(tenant, '2026-03-02', 'signin.failed', 3, 'blog', 'password'),
      row(tenant, '2026-03-03', 'signin.throttled', 6, 'blog', 'password'),
      row(tenant, '2026-02-28', 'signin.succeeded', 99, 'shop', 'password'),
      row(uuidv7(NOW), '2026-03-01', 'signin.succeeded', 99, 'shop', 'password'),
    ]);
    assert.deepEqual(await signUpsPerDay(deps(), tenant, period), [
      { day: '2026-03-01', count: 3 },
      { day: '2026-03-02', count: 0 },
      { day: '2026-03-03', count: 4 },
    ]);
    assert.deepEqual(await signInsPerDay(deps(), tenant, period, undefined), [
      { day: '2026-03-01', count: 6 },
      { day: '2026-03-02', count: 2 },
      { day: '2026-03-03', count: 0 },
    ]);
    assert.deepEqual(await signInsPerDay(deps(), tenant, period, 'method'), [
      { day: '2026-03-01', count: 6, by: { password: 6 } },
      { day: '2026-03-02', count: 2, by: { passkey: 2 } },
      { day: '2026-03-03', count: 0, by: {} },
    ]);
    assert.deepEqual((await signInsPerDay(deps(), tenant, period, 'application'))[0], { day: '2026-03-01', count: 6, by: { shop: 5, '': 1 } });
    assert.deepEqual(await failuresPerDay(deps(), tenant, period), [
      { day: '2026-03-01', failed: 0, throttled: 0 },
      { day: '2026-03-02', failed: 3, throttled: 0 },
      { day: '2026-03-03', failed: 0, throttled: 6 },
    ]);
  });

  test('active customers per day, and over the week and month ending on each day, counting a customer once per window', async () => {
    const tenant = uuidv7(NOW);
    const sketchOf = (ids: readonly string[]) => {
      const sketch = emptySketch();
      for (const id of ids) addHash(sketch, createHash('sha256').update(id).digest());
      return sketch;
    };
    await deps().stats.mergeActive({ tenantId: tenant, day: '2026-01-30', registers: sketchOf(['old']) });
    await deps().stats.mergeActive({ tenantId: tenant, day: '2026-02-24', registers: sketchOf(['ann', 'bob', 'dan']) });
    await deps().stats.mergeActive({ tenantId: tenant, day: '2026-03-01', registers: sketchOf(['ann', 'bob']) });
    await deps().stats.mergeActive({ tenantId: tenant, day: '2026-03-02', registers: sketchOf(['bob', 'cat']) });
    const customers = async (window: 'day' | 'week' | 'month') => (await activeCustomers(deps(), tenant, period, window)).map((d) => d.customers);
    assert.deepEqual(await customers('day'), [2, 2, 0]);
    assert.deepEqual(await customers('week'), [3, 4, 3], 'dan (Feb 24) leaves the week on Mar 3');
    assert.deepEqual(await customers('month'), [3, 4, 4], 'old (Jan 30) is out of every window');
  });

  test('weekly and monthly figures over a long period equal the union of their days, gaps included', async () => {
    const tenant = uuidv7(NOW);
    const idsOf = (i: number) => [`c${i}`, `c${i + 1}`, `c${i % 5}`];
    const sketchOf = (ids: Iterable<string>) => {
      const sketch = emptySketch();
      for (const id of ids) addHash(sketch, createHash('sha256').update(id).digest());
      return sketch;
    };
    const days = Array.from({ length: 100 }, (_, i) => addDays('2026-01-01', i));
    for (const [i, day] of days.entries()) {
      if (i % 7 !== 3) await deps().stats.mergeActive({ tenantId: tenant, day, registers: sketchOf(idsOf(i)) });
    }
    const long: Period = { from: days[30]!, to: days[99]! };
    for (const [window, span] of [['week', 7], ['month', 30]] as const) {
      const expected = days.slice(30).map((day, k) => {
        const end = 30 + k;
        const ids = new Set<string>();
        for (let i = end - span + 1; i <= end; i += 1) if (i % 7 !== 3) for (const id of idsOf(i)) ids.add(id);
        return { day, customers: estimate(sketchOf(ids)) };
      });
      assert.deepEqual(await activeCustomers(deps(), tenant, long, window), expected, window);
    }
  });

  test('the funnel per day, of one application or of all', async () => {
    const tenant = uuidv7(NOW);
    await deps().stats.addCounts([
      row(tenant, '2026-03-01', 'signup.viewed', 10, 'shop'),
      row(tenant, '2026-03-01', 'signup.submitted', 6, 'shop'),
      row(tenant, '2026-03-01', 'signup.verified', 4, 'shop'),
      row(tenant, '2026-03-01', 'signup.returned', 2, 'shop'),
      row(tenant, '2026-03-01', 'signup.viewed', 5),
      row(tenant, '2026-03-02', 'signup.viewed', 1, 'blog'),
    ]);
    assert.deepEqual(await signUpFunnel(deps(), tenant, period, 'shop'), [
      { day: '2026-03-01', viewed: 10, submitted: 6, verified: 4, returned: 2 },
      { day: '2026-03-02', viewed: 0, submitted: 0, verified: 0, returned: 0 },
      { day: '2026-03-03', viewed: 0, submitted: 0, verified: 0, returned: 0 },
    ]);
    assert.deepEqual((await signUpFunnel(deps(), tenant, period, ''))[0], { day: '2026-03-01', viewed: 5, submitted: 0, verified: 0, returned: 0 });
    assert.deepEqual((await signUpFunnel(deps(), tenant, period, undefined)).map((d) => d.viewed), [15, 1, 0]);
  });
});
