// The outbox store on both engines: a claim leases due events oldest first and counts the attempt;
// a lease hides the event from other claims until it runs out; a failure is retried at its time or
// given up; two dispatchers claiming at once never get the same event; erasure redacts payloads
// but spares the types it is told to; published events are pruned after the retention only.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createOutboxStore } from '../../src/storage/outbox.store.ts';
import { createTransaction } from '../../src/storage/stores.ts';
import { uuidv7 } from '../../src/lib/ids.ts';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const CLAIMER = fileURLToPath(new URL('../fixtures/outbox-claimer.ts', import.meta.url));

const T0 = 1_790_000_000_000;
const LEASE = 60_000;
const FAR_FUTURE = 9_000_000_000_000;

function event(tenantId: string, occurredAt: number, type = 'identity.created') {
  const id = uuidv7(occurredAt);
  return { id, tenantId, occurredAt, type, aggregate: { type: 'identity', id: `i-${occurredAt}` }, payload: { email: 'a@example.com', n: occurredAt } };
}

describeEachEngine('OutboxStore', (current) => {
  const store = () => createOutboxStore(current().handle.db);

  // Claims see every tenant's events: each test starts from an outbox with nothing pending.
  beforeEach(async () => {
    for (let batch = await store().claimDue(FAR_FUTURE, 1_000, LEASE); batch.length > 0; batch = await store().claimDue(FAR_FUTURE, 1_000, LEASE)) {
      await store().markPublished(batch.map((e) => e.id), FAR_FUTURE);
    }
  });

  test('a claim takes due events oldest first with their payload, leases them and counts the attempt', async () => {
    const events = [event('t1', T0 + 2), event('t1', T0 + 1), event('t1', T0 + 3)];
    for (const e of events) await store().enqueue(e);
    const claimed = await store().claimDue(T0 + 2, 10, LEASE);
    assert.deepEqual(claimed.map((e) => e.occurredAt), [T0 + 1, T0 + 2]);
    assert.deepEqual(claimed[0]?.payload, { email: 'a@example.com', n: T0 + 1 });
    assert.deepEqual(claimed[0]?.aggregate, { type: 'identity', id: `i-${T0 + 1}` });
    assert.equal(claimed[0]?.attempts, 1);
    assert.equal(claimed[0]?.availableAt, T0 + 2 + LEASE);
    assert.equal(claimed[0]?.publishedAt, null);
    // Leased: another claim before the lease runs out gets only what was not claimed.
    assert.deepEqual((await store().claimDue(T0 + 100, 10, LEASE)).map((e) => e.occurredAt), [T0 + 3]);
    await store().markPublished([claimed[0]!.id], T0 + 10);
    await store().markPublished([], T0 + 10);
    // The lease of the unpublished one ran out: it is claimed again, its second attempt.
    const again = await store().claimDue(T0 + 2 + LEASE, 10, LEASE);
    assert.deepEqual(again.map((e) => [e.occurredAt, e.attempts]), [[T0 + 2, 2]]);
    await store().markPublished([...again, ...claimed].map((e) => e.id), T0 + LEASE + 3);
    assert.deepEqual(await store().claimDue(FAR_FUTURE - LEASE, 10, LEASE).then((rest) => rest.filter((e) => e.tenantId === 't1').map((e) => e.occurredAt)), [T0 + 3]);
  });

  test('a failed delivery is retried at its time, keeping the error; given up, it is done with its error', async () => {
    const e = event('t2', T0 + 50);
    await store().enqueue(e);
    const [claimed] = await store().claimDue(T0 + 1_000, 100, LEASE);
    assert.equal(claimed?.id, e.id);
    await store().markFailed(e.id, 'HTTP 503 from https://rp.example/logout', T0 + 5_000, T0 + 1_001);
    assert.deepEqual(await store().claimDue(T0 + 4_999, 100, LEASE), [], 'not before its retry time');
    const [retried] = await store().claimDue(T0 + 5_000, 100, LEASE);
    assert.equal(retried?.id, e.id);
    assert.equal(retried?.attempts, 2);
    assert.equal(retried?.lastError, 'HTTP 503 from https://rp.example/logout');
    await store().markFailed(e.id, 'x'.repeat(5_000), undefined, T0 + 5_001);
    assert.deepEqual(await store().claimDue(FAR_FUTURE, 100, LEASE), [], 'given up: never claimed again');
    const row = await current().handle.db.selectFrom('outbox_events').select(['published_at', 'last_error']).where('id', '=', e.id).executeTakeFirstOrThrow();
    assert.equal(row.published_at, T0 + 5_001);
    assert.equal(row.last_error?.length, 2_000, 'long errors are cut');
  });

  test('respects the batch limit', async () => {
    for (let i = 0; i < 5; i++) await store().enqueue(event('t3', T0 - 1_000 + i));
    assert.equal((await store().claimDue(T0, 3, LEASE)).length, 3);
    assert.equal((await store().claimDue(T0, 3, LEASE)).length, 2);
  });

  test('dispatchers claiming at the same moment never get the same event', async () => {
    const ids = [];
    for (let i = 0; i < 40; i++) {
      const e = event('t5', T0 + 200 + i);
      ids.push(e.id);
      await store().enqueue(e);
    }
    // Two worker threads: two nodes, each with its own connection and event loop.
    const claimer = () =>
      new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(CLAIMER, { workerData: { config: current().config, now: T0 + 1_000, limit: 5, leaseMs: LEASE, rounds: 6 } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const claims = await Promise.all([claimer(), claimer(), claimer()]);
    const claimed = claims.flat();
    assert.equal(new Set(claimed).size, claimed.length, 'no event claimed twice');
    assert.deepEqual(new Set(claimed), new Set(ids), 'every due event claimed');
  });

  test('redacting an erased aggregate empties the payloads of its events only, in its tenant only, but for the types spared', async () => {
    const mine = event('t6', T0 + 70);
    const spared = { ...event('t6', T0 + 73, 'browser_sessions.ended'), aggregate: mine.aggregate, payload: { applications: [{ clientId: 'c', sid: 's' }] } };
    const other = { ...event('t6', T0 + 71), aggregate: { type: 'identity', id: 'someone-else' } };
    const elsewhere = { ...event('t7', T0 + 72), aggregate: mine.aggregate };
    for (const e of [mine, spared, other, elsewhere]) await store().enqueue(e);
    assert.equal(await store().redactAggregate('t6', mine.aggregate, { except: ['browser_sessions.ended'] }), 1);
    const pending = await store().claimDue(T0 + 1_000, 100, LEASE);
    assert.deepEqual(pending.find((e) => e.id === mine.id)?.payload, { redacted: true });
    assert.deepEqual(pending.find((e) => e.id === spared.id)?.payload, spared.payload);
    assert.deepEqual(pending.find((e) => e.id === other.id)?.payload, other.payload);
    assert.deepEqual(pending.find((e) => e.id === elsewhere.id)?.payload, elsewhere.payload);
    assert.equal(await store().redactAggregate('t6', mine.aggregate, { except: [] }), 2);
  });

  test('pruning deletes events published before the cutoff, in batches, and never a pending one', async () => {
    const { db } = current().handle;
    // What earlier tests published goes first: the batches below count this test's events only.
    while ((await store().prunePublished(T0 + 200, 1_000)) > 0);
    const old = [event('t8', T0 + 1), event('t8', T0 + 2), event('t8', T0 + 3)];
    const recent = event('t8', T0 + 4);
    const pending = event('t8', T0 + 5);
    for (const e of [...old, recent, pending]) await store().enqueue(e);
    const claimed = await store().claimDue(T0 + 10, 10, LEASE);
    await store().markPublished(old.map((e) => e.id), T0 + 100);
    await store().markPublished([recent.id], T0 + 300);
    assert.equal(await store().prunePublished(T0 + 200, 2), 2, 'a full batch');
    assert.equal(await store().prunePublished(T0 + 200, 2), 1, 'the rest');
    assert.equal(await store().prunePublished(T0 + 200, 2), 0);
    const left = await db.selectFrom('outbox_events').select('id').where('tenant_id', '=', 't8').execute();
    assert.deepEqual(new Set(left.map((row) => row.id)), new Set([recent.id, pending.id]));
    assert.equal(claimed.length, 5);
  });

  test('is bound in Stores: a transaction tells the node the types it recorded after commit, a rollback not at all', async () => {
    const { db } = current().handle;
    const told: string[] = [];
    const transaction = createTransaction(db, { eventRecorded: (type) => told.push(type) });
    await transaction(async (stores) => {
      await stores.outbox.enqueue(event('t9', T0 + 1, 'browser_sessions.ended'));
      await stores.outbox.enqueue(event('t9', T0 + 2, 'browser_sessions.ended'));
      assert.deepEqual(told, [], 'not before commit');
    });
    assert.deepEqual(told, ['browser_sessions.ended'], 'once per type');
    await assert.rejects(
      transaction(async (stores) => {
        await stores.outbox.enqueue(event('t9', T0 + 3, 'identity.created'));
        throw new Error('rolled back');
      }),
    );
    assert.deepEqual(told, ['browser_sessions.ended']);
  });
});
