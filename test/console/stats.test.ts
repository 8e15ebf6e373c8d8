// The dashboard's arithmetic (console/src/lib/stats.ts): periods, change against the previous
// period, splits and the funnel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeOf, funnelOf, last, periodsOf, splitRows, splitTotals, total } from '../../console/src/lib/stats.ts';

test('a period of n days ends today (UTC); the previous one is the n days before it', () => {
  const now = Date.parse('2026-03-10T23:59:00Z');
  assert.deepEqual(periodsOf(7, now), { current: { from: '2026-03-04', to: '2026-03-10' }, previous: { from: '2026-02-25', to: '2026-03-03' } });
  assert.deepEqual(periodsOf(1, now), { current: { from: '2026-03-10', to: '2026-03-10' }, previous: { from: '2026-03-09', to: '2026-03-09' } });
});

test('the change against the previous period: a rounded percentage, "new" from zero, "same" when equal', () => {
  assert.deepEqual(changeOf(150, 100), { direction: 'up', percent: 50 });
  assert.deepEqual(changeOf(1, 3), { direction: 'down', percent: -67 });
  assert.deepEqual(changeOf(5, 0), { direction: 'new', percent: null });
  assert.deepEqual(changeOf(0, 0), { direction: 'same', percent: 0 });
});

test('totals add up a field; active customers take the last day', () => {
  const days = [{ day: 'a', count: 2, customers: 10 }, { day: 'b', count: 3, customers: 7 }];
  assert.equal(total(days, 'count'), 5);
  assert.equal(last(days, 'customers'), 7);
  assert.equal(last([], 'customers'), 0);
});

test('a split is summed over the period, largest first, and laid out per day with zeros', () => {
  const days = [{ day: 'd1', count: 3, by: { password: 2, passkey: 1 } }, { day: 'd2', count: 4, by: { passkey: 4 } }, { day: 'd3', count: 0, by: {} }];
  assert.deepEqual(splitTotals(days), [{ key: 'passkey', count: 5 }, { key: 'password', count: 2 }]);
  assert.deepEqual(splitRows(days, ['passkey', 'password']), [{ day: 'd1', passkey: 1, password: 2 }, { day: 'd2', passkey: 4, password: 0 }, { day: 'd3', passkey: 0, password: 0 }]);
});

test('the funnel: each step against the first and against the one before, none when that is zero', () => {
  const days = [{ day: 'd1', viewed: 8, submitted: 4, verified: 2, returned: 0 }, { day: 'd2', viewed: 2, submitted: 1, verified: 1, returned: 1 }];
  assert.deepEqual(funnelOf(days), [
    { step: 'viewed', count: 10, ofFirst: 1, ofPrevious: 1 },
    { step: 'submitted', count: 5, ofFirst: 0.5, ofPrevious: 0.5 },
    { step: 'verified', count: 3, ofFirst: 0.3, ofPrevious: 0.6 },
    { step: 'returned', count: 1, ofFirst: 0.1, ofPrevious: 1 / 3 },
  ]);
  assert.deepEqual(funnelOf([{ day: 'd', viewed: 0, submitted: 0, verified: 0, returned: 0 }]).map((step) => step.ofFirst), [null, null, null, null]);
});
