import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditEntriesOf, sweepTogether } from './expired-rows.job.ts';
import type { Sweepable } from './expired-rows.job.ts';

function table(rows: number): Sweepable & { left: () => number } {
  let remaining = rows;
  return {
    left: () => remaining,
    async removeExpired(_now, limit) {
      const removed = Math.min(limit, remaining);
      remaining -= removed;
      return removed;
    },
  };
}

test('sweepTogether takes each batch from the first tables that still have expired rows', async () => {
  const [a, b, c] = [table(3), table(0), table(4)];
  const all = sweepTogether([a, b, c]);
  assert.equal(await all.removeExpired(0, 5), 5, 'a full batch: more may be waiting');
  assert.deepEqual([a.left(), b.left(), c.left()], [0, 0, 2]);
  assert.equal(await all.removeExpired(0, 5), 2, 'a short batch: the backlog is gone');
  assert.equal(await all.removeExpired(0, 5), 0);
});

test('audit entries are swept once they are older than the retention', async () => {
  const calls: [number, number][] = [];
  const swept = auditEntriesOf({ pruneBefore: async (before, limit) => (calls.push([before, limit]), 3) }, 1_000);
  assert.equal(await swept.removeExpired(5_000, 50), 3);
  assert.deepEqual(calls, [[4_000, 50]]);
});
