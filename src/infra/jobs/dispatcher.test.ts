// The rolling loop (maxInFlight): ended deliveries after a short claim don't each cost a claim; a
// queue that held items back for room gets its claim as soon as a delivery ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { startDispatcher } from './dispatcher.ts';

const quiet = { info() {}, warn() {}, error() {} };

async function turns(count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await nextTurn();
}

/** A queue of numbered items whose deliveries end when the test says so. */
function fakeQueue(items: number[], room = Infinity) {
  const pending = [...items];
  const ending = new Map<number, () => void>();
  const delivered: number[] = [];
  let claims = 0;
  let inFlight = 0;
  let heldBack = false;
  return {
    delivered,
    claims: () => claims,
    end(item: number) {
      ending.get(item)!();
      ending.set(item, () => {});
    },
    /** Ends whatever is still out (so that stop() returns when a test failed halfway). */
    endAll() {
      for (const end of ending.values()) end();
      ending.forEach((_end, item) => ending.set(item, () => {}));
    },
    started: () => [...ending.keys()],
    queue: {
      async claimDue(_now: number, limit: number) {
        claims += 1;
        const take = Math.min(limit, room - inFlight, pending.length);
        const batch = pending.splice(0, Math.max(take, 0));
        inFlight += batch.length;
        heldBack = pending.length > 0 && inFlight >= room;
        return batch;
      },
      deliver: (item: number) =>
        new Promise<void>((resolve) => {
          ending.set(item, () => {
            inFlight -= 1;
            resolve();
          });
        }),
      async markDone(item: number) {
        delivered.push(item);
      },
      async markFailed() {},
      retryAt: () => undefined,
      logFields: () => undefined,
      heldBack: () => heldBack,
    },
  };
}

test('after a short claim, deliveries that end one by one cost no claim each; the last one ends the run', async () => {
  const fake = fakeQueue([1, 2, 3, 4, 5]);
  const dispatcher = startDispatcher({ name: 'test', queue: fake.queue, logger: quiet, pollIntervalMs: 60_000, batchSize: 100, leaseMs: 60_000, maxInFlight: 256 });
  try {
    await turns(5);
    assert.deepEqual(fake.started(), [1, 2, 3, 4, 5]);
    const afterFirst = fake.claims();
    for (const item of [1, 2, 3, 4]) {
      fake.end(item);
      await turns(3);
    }
    assert.equal(fake.claims(), afterFirst, 'four ended deliveries, no claim');
    fake.end(5);
    await turns(5);
    assert.deepEqual(fake.delivered, [1, 2, 3, 4, 5]);
    assert.equal(fake.claims(), afterFirst + 1, 'once nothing is in flight, one claim to see whether the queue is drained');
  } finally {
    const stopped = dispatcher.stop();
    fake.endAll();
    await stopped;
  }
});

test('items held back for room are claimed as soon as a delivery ends', async () => {
  const fake = fakeQueue([1, 2, 3], 2);
  const dispatcher = startDispatcher({ name: 'test', queue: fake.queue, logger: quiet, pollIntervalMs: 60_000, batchSize: 100, leaseMs: 60_000, maxInFlight: 256 });
  try {
    await turns(5);
    assert.deepEqual(fake.started(), [1, 2]);
    fake.end(1);
    await turns(5);
    assert.deepEqual(fake.started(), [1, 2, 3], 'the third went without waiting for the recheck');
    fake.end(2);
    fake.end(3);
    await turns(5);
    assert.deepEqual(fake.delivered, [1, 2, 3]);
  } finally {
    const stopped = dispatcher.stop();
    fake.endAll();
    await stopped;
  }
});
