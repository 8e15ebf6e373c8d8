import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createOutboxStore } from '../../src/storage/outbox.store.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;

function enqueue(tenantId: string, occurredAt: number, type = 'identity.created') {
  const id = uuidv7(occurredAt);
  return { id, tenantId, occurredAt, type, aggregate: { type: 'identity', id: `i-${occurredAt}` }, payload: { email: 'a@example.com', n: occurredAt } };
}

describeEachEngine('OutboxStore', (current) => {
  const store = () => createOutboxStore(current().handle.db);

  test('pending events come oldest first with their payload, and only once due', async () => {
    const events = [enqueue('t1', T0 + 2), enqueue('t1', T0 + 1), enqueue('t1', T0 + 3)];
    for (const e of events) await store().enqueue(e);
    const pending = await store().listPending(T0 + 2, 10);
    assert.deepEqual(pending.map((e) => e.occurredAt), [T0 + 1, T0 + 2]);
    assert.deepEqual(pending[0]?.payload, { email: 'a@example.com', n: T0 + 1 });
    assert.deepEqual(pending[0]?.aggregate, { type: 'identity', id: `i-${T0 + 1}` });
    assert.equal(pending[0]?.attempts, 0);
    assert.equal(pending[0]?.publishedAt, null);
    await store().markPublished(pending.map((e) => e.id), T0 + 10);
    assert.deepEqual((await store().listPending(T0 + 100, 10)).map((e) => e.occurredAt), [T0 + 3]);
    await store().markPublished([], T0 + 10);
  });

  test('a failed delivery is retried later, counting attempts and keeping the error', async () => {
    const e = enqueue('t2', T0 + 50);
    await store().enqueue(e);
    const before = await store().listPending(T0 + 1_000, 100);
    assert.ok(before.some((p) => p.id === e.id));
    await store().markFailed(e.id, 'HTTP 503 from https://crm.example/hook', T0 + 5_000);
    assert.ok(!(await store().listPending(T0 + 1_000, 100)).some((p) => p.id === e.id));
    const retried = (await store().listPending(T0 + 5_000, 100)).find((p) => p.id === e.id);
    assert.equal(retried?.attempts, 1);
    assert.equal(retried?.lastError, 'HTTP 503 from https://crm.example/hook');
    await store().markFailed(e.id, 'again', T0 + 6_000);
    assert.equal((await store().listPending(T0 + 6_000, 100)).find((p) => p.id === e.id)?.attempts, 2);
  });

  test('respects the batch limit', async () => {
    for (let i = 0; i < 5; i++) await store().enqueue(enqueue('t3', T0 - 1_000 + i));
    assert.equal((await store().listPending(T0, 3)).length, 3);
  });

  test('redacting an erased aggregate empties the payloads of its events only, in its tenant only', async () => {
    const mine = enqueue('t3', T0 + 70);
    const other = { ...enqueue('t3', T0 + 71), aggregate: { type: 'identity', id: 'someone-else' } };
    const elsewhere = { ...enqueue('t4', T0 + 72), aggregate: mine.aggregate };
    for (const e of [mine, other, elsewhere]) await store().enqueue(e);
    assert.equal(await store().redactAggregate('t3', 'identity', mine.aggregate.id), 1);
    const pending = await store().listPending(T0 + 1_000, 100);
    assert.deepEqual(pending.find((e) => e.id === mine.id)?.payload, { redacted: true });
    assert.deepEqual(pending.find((e) => e.id === other.id)?.payload, other.payload);
    assert.deepEqual(pending.find((e) => e.id === elsewhere.id)?.payload, elsewhere.payload);
  });
});
