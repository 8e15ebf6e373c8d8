// The SMS queue on both engines (ADR 0031): what is due is claimed once and leased, delivered with
// its body cleared, retried or given up (body cleared too), and old finished messages are swept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createSmsStore } from '../../src/storage/sms.store.ts';
import type { NewSmsMessage } from '../../src/domain/sms/sms.port.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const LEASE = 60_000;
const DAY = 24 * 60 * 60_000;

function message(tenantId: string, createdAt: number, to = '+447400123456'): NewSmsMessage {
  return { id: uuidv7(createdAt), tenantId, to, kind: 'second_factor', body: '123456 is your code', createdAt };
}

describeEachEngine('SmsStore', (current) => {
  const store = () => createSmsStore(current().handle.db);

  test('a queued message is claimed once it is due, oldest first, leased, and its body cleared when sent', async () => {
    const later = message('s1', T0 + 2);
    const earlier = message('s1', T0 + 1, '+4915123456789');
    await store().enqueue(later);
    await store().enqueue(earlier);
    assert.deepEqual(await store().claimDue(T0, 10, LEASE), []);
    const claimed = await store().claimDue(T0 + 2, 10, LEASE);
    assert.deepEqual(claimed.map((m) => m.id), [earlier.id, later.id]);
    assert.deepEqual(claimed[1], { id: later.id, tenantId: 's1', to: '+447400123456', kind: 'second_factor', body: '123456 is your code', status: 'queued', attempts: 1, availableAt: T0 + 2 + LEASE, lastError: undefined, createdAt: T0 + 2 });
    assert.deepEqual(await store().claimDue(T0 + 3, 10, LEASE), [], 'leased: nobody else takes them');
    await store().markSent(earlier.id, T0 + 4);
    await store().markFailed(later.id, 'the SMS gateway answered 503', T0 + 10);
    const retried = await store().claimDue(T0 + 2 + LEASE, 10, LEASE);
    assert.deepEqual(retried.map((m) => [m.id, m.attempts, m.lastError]), [[later.id, 2, 'the SMS gateway answered 503']]);
    await store().markFailed(later.id, `the SMS gateway answered 400 ${'x'.repeat(3_000)}`, undefined);
    assert.deepEqual(await store().claimDue(T0 + 10 * LEASE, 10, LEASE), [], 'given up');
    const row = await current().handle.db.selectFrom('sms_messages').select(['status', 'body', 'last_error']).where('id', '=', later.id).executeTakeFirst();
    assert.deepEqual({ ...row, last_error: row?.last_error?.length }, { status: 'failed', body: null, last_error: 2_000 }, 'the code goes with it, and a long error is cut');
  });

  test('two claims at once never take the same message', async () => {
    const messages = Array.from({ length: 6 }, (_, index) => message('s2', 3 * T0 + index));
    for (const m of messages) await store().enqueue(m);
    const [a, b] = await Promise.all([store().claimDue(3 * T0 + 10, 4, LEASE), store().claimDue(3 * T0 + 10, 4, LEASE)]);
    const ids = [...a, ...b].map((m) => m.id).filter((id) => messages.some((m) => m.id === id));
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids.length, 6);
  });

  test('finished messages are swept after a day; queued ones never', async () => {
    const sent = message('s3', 5 * T0);
    const queued = message('s3', 5 * T0 + 1);
    await store().enqueue(sent);
    await store().enqueue(queued);
    await store().claimDue(5 * T0, 1, LEASE);
    await store().markSent(sent.id, 5 * T0 + 5);
    const ids = async () => (await current().handle.db.selectFrom('sms_messages').select('id').where('tenant_id', '=', 's3').execute()).map((row) => row.id).sort();
    await store().removeExpired(5 * T0 + DAY - 1, 100);
    assert.deepEqual(await ids(), [sent.id, queued.id].sort(), 'kept for a day');
    await store().removeExpired(5 * T0 + 2 * DAY, 100);
    assert.deepEqual(await ids(), [queued.id], 'the sent one went; the queued one stays');
  });
});
