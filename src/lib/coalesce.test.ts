import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { coalesced } from './coalesce.ts';

test('calls made in one turn go to one run, each caller gets its own answer, in order', async () => {
  const runs: number[][] = [];
  const double = coalesced<number, number>(async (inputs) => {
    runs.push([...inputs]);
    return inputs.map((input) => input * 2);
  });
  const answers = await Promise.all([1, 2, 3].map(double));
  assert.deepEqual(answers, [2, 4, 6]);
  assert.deepEqual(runs, [[1, 2, 3]]);
  assert.equal(await double(5), 10);
  assert.deepEqual(runs, [[1, 2, 3], [5]], 'a later turn is a run of its own');
});

test('at most maxBatch inputs a run', async () => {
  const sizes: number[] = [];
  const echo = coalesced<number, number>(async (inputs) => (sizes.push(inputs.length), inputs), { maxBatch: 2 });
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map(echo)), [1, 2, 3, 4, 5]);
  assert.deepEqual(sizes, [2, 2, 1]);
});

test('a failed run rejects each of its calls; the next turn runs anew', async () => {
  let fail = true;
  const run = coalesced<string, string>(async (inputs) => {
    if (fail) throw new Error('the database is gone');
    return inputs;
  });
  const outcomes = await Promise.allSettled([run('a'), run('b')]);
  assert.deepEqual(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected']);
  assert.match(String((outcomes[0] as PromiseRejectedResult).reason), /the database is gone/);
  fail = false;
  await nextTurn();
  assert.equal(await run('c'), 'c');
});

test('a run answering the wrong number of outputs rejects its calls rather than mixing answers up', async () => {
  const broken = coalesced<number, number>(async () => [1]);
  await assert.rejects(Promise.all([broken(1), broken(2)]), /answered 1 outputs/);
});
