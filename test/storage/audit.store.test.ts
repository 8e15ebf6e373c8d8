import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createAuditStore } from '../../src/storage/audit.store.ts';
import type { AuditEvent } from '../../src/domain/audit/audit.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

function event(tenantId: string, occurredAt: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: uuidv7(occurredAt),
    tenantId,
    occurredAt,
    action: 'signin.succeeded',
    outcome: 'success',
    actor: { type: 'customer', id: 'identity-1' },
    target: { type: 'identity', id: 'identity-1' },
    context: { ip: '203.0.113.7', userAgent: 'Firefox', requestId: 'req-1' },
    details: { method: 'password' },
    ...extra,
  };
}

describeEachEngine('AuditStore', (current) => {
  const store = () => createAuditStore(current().handle.db);

  test('retention: pruneBefore deletes the entries of every tenant recorded before the time, oldest first, a batch at a time', async () => {
    // Long before every other test's entries, which share the database.
    const t0 = 1_000_000_000_000;
    for (const at of [0, 10, 20, 30, 40]) await store().append(event('tenant-retention-x', t0 + at));
    for (const at of [5, 100]) await store().append(event('tenant-retention-y', t0 + at));
    // Taken in with an old time but recorded now (an import): kept, retention counts from the recording.
    const imported = { ...event('tenant-retention-x', t0 + 1), id: uuidv7() };
    await store().append(imported);
    assert.equal(await store().pruneBefore(t0 + 25, 2), 2, 'a full batch: the two oldest');
    assert.deepEqual((await store().list('tenant-retention-y', { limit: 10 })).map((e) => e.occurredAt), [t0 + 100]);
    assert.equal(await store().pruneBefore(t0 + 25, 10), 2);
    assert.equal(await store().pruneBefore(t0 + 25, 10), 0, 'nothing left before the time');
    assert.deepEqual((await store().list('tenant-retention-x', { limit: 10 })).map((e) => e.occurredAt), [t0 + 40, t0 + 30, t0 + 1]);
    assert.ok((await store().list('tenant-a', { limit: 10 })).every((e) => e.occurredAt > t0 + 25));
  });

  test('appends and reads back every field', async () => {
    const written = event('tenant-a', 1_790_000_000_000);
    await store().append(written);
    assert.deepEqual(await store().list('tenant-a', { limit: 10 }), [written]);
  });

  test('keeps entries without actor id, target or context', async () => {
    const written = event('tenant-b', 1_790_000_000_000, { actor: { type: 'system' }, target: undefined, context: undefined, details: undefined });
    await store().append(written);
    const [read] = await store().list('tenant-b', { limit: 10 });
    assert.deepEqual(read?.actor, { type: 'system' });
    assert.equal(read?.target, undefined);
    assert.deepEqual(read?.context, {});
    assert.deepEqual(read?.details, {});
  });

  test('lists newest first, per tenant, by target, and pages with `before`', async () => {
    for (let i = 0; i < 4; i++) await store().append(event('tenant-c', 1_790_000_000_000 + i, { target: { type: 'identity', id: i % 2 ? 'odd' : 'even' } }));
    await store().append(event('tenant-other', 1_790_000_000_010));
    const all = await store().list('tenant-c', { limit: 10 });
    assert.deepEqual(all.map((e) => e.occurredAt - 1_790_000_000_000), [3, 2, 1, 0]);
    const odd = await store().list('tenant-c', { limit: 10, targetId: 'odd' });
    assert.deepEqual(odd.map((e) => e.occurredAt - 1_790_000_000_000), [3, 1]);
    const page = await store().list('tenant-c', { limit: 2, before: all[1]!.occurredAt });
    assert.deepEqual(page.map((e) => e.occurredAt - 1_790_000_000_000), [1, 0]);
  });

  test('forgetting a customer scrubs the address and user agent of their own entries only, keeping the entries', async () => {
    const T = 1_790_000_500_000;
    const asTarget = event('tenant-f', T, { actor: { type: 'customer', id: undefined }, target: { type: 'identity', id: 'gone' } });
    const byOperator = event('tenant-f', T + 3, { actor: { type: 'operator', id: 'op-1' }, target: { type: 'identity', id: 'gone' } });
    const asActor = event('tenant-f', T + 1, { actor: { type: 'customer', id: 'gone' }, target: { type: 'application', id: 'app-1' } });
    const someoneElse = event('tenant-f', T + 2, { actor: { type: 'customer', id: 'stays' }, target: { type: 'identity', id: 'stays' } });
    for (const e of [asTarget, asActor, someoneElse, byOperator]) await store().append(e);
    assert.equal(await store().forgetPersonalData('tenant-f', 'gone'), 2);
    const after = await store().list('tenant-f', { limit: 10 });
    assert.equal(after.length, 4);
    const contextOf = (id: string) => after.find((e) => e.id === id)?.context;
    assert.deepEqual(contextOf(asTarget.id), { requestId: 'req-1' });
    assert.deepEqual(contextOf(asActor.id), { requestId: 'req-1' });
    assert.deepEqual(contextOf(someoneElse.id), someoneElse.context);
    assert.deepEqual(contextOf(byOperator.id), byOperator.context, "an operator's own address stays");
  });
});
