// The mail queue on both engines: what is due is claimed once, leased, retried, delivered with its
// bodies cleared, or given up; and two dispatchers claiming at once never take the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createMailStore } from '../../src/storage/mail.store.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import type { NewMailMessage } from '../../src/domain/mail/mail.port.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;
const LEASE = 60_000;

function message(tenantId: string, createdAt: number, overrides: Partial<NewMailMessage> = {}): NewMailMessage {
  return {
    id: uuidv7(createdAt),
    tenantId,
    to: 'ada@example.com',
    kind: 'verify_email',
    locale: 'en',
    from: undefined,
    replyTo: undefined,
    subject: 'Confirm your email address',
    text: 'Your code: 123456',
    html: '<p>123456</p>',
    createdAt,
    ...overrides,
  };
}

describeEachEngine('MailStore', (current) => {
  const store = () => createMailStore(current().handle.db);

  test('forgetting an erased customer deletes every message to their address in the tenant, and nothing else', async () => {
    // Queued far in the future, so no other test's claim takes them meanwhile.
    const FAR = 2 * T0;
    const theirs = [message('t-forget', FAR + 1, { to: 'gone@example.com' }), message('t-forget', FAR + 2, { to: 'gone@example.com', kind: 'recover_password' })];
    const kept = [message('t-forget', FAR + 3, { to: 'stays@example.com' }), message('t-other', FAR + 4, { to: 'gone@example.com' })];
    for (const m of [...theirs, ...kept]) await store().enqueue(m);
    assert.equal(await store().forget('t-forget', 'gone@example.com'), 2);
    assert.deepEqual((await store().list({ tenantId: 't-forget', limit: 10 })).map((m) => m.to), ['stays@example.com']);
    assert.equal((await store().list({ tenantId: 't-other', limit: 10 })).length, 1);
  });

  test('a queued message is claimed once it is due, oldest first, with everything it was given', async () => {
    const later = message('t1', T0 + 2, { from: 'Acme <no-reply@acme.example>', replyTo: 'help@acme.example', locale: 'ar' });
    const earlier = message('t1', T0 + 1);
    await store().enqueue(later);
    await store().enqueue(earlier);
    assert.deepEqual(await store().claimDue(T0, 10, LEASE), [], 'nothing is due before it was queued');
    const claimed = await store().claimDue(T0 + 2, 10, LEASE);
    assert.deepEqual(claimed.map((m) => m.id), [earlier.id, later.id]);
    assert.deepEqual(claimed[1], {
      id: later.id,
      tenantId: 't1',
      to: 'ada@example.com',
      kind: 'verify_email',
      locale: 'ar',
      from: 'Acme <no-reply@acme.example>',
      replyTo: 'help@acme.example',
      subject: 'Confirm your email address',
      text: 'Your code: 123456',
      html: '<p>123456</p>',
      status: 'queued',
      attempts: 1,
      availableAt: T0 + 2 + LEASE,
      lastError: undefined,
      createdAt: T0 + 2,
      sentAt: undefined,
    });
    assert.deepEqual(await store().claimDue(T0 + 2 + LEASE - 1, 10, LEASE), [], 'leased messages are not claimed again');
    const again = await store().claimDue(T0 + 2 + LEASE, 10, LEASE);
    assert.deepEqual(again.map((m) => [m.id, m.attempts]), [[earlier.id, 2], [later.id, 2]], 'a lapsed lease (a dispatcher died) frees the message');
    for (const m of again) await store().markSent(m.id, T0 + 3);
  });

  test('delivered: status sent, bodies cleared, subject and recipient kept', async () => {
    const m = message('t2', T0 + 10);
    await store().enqueue(m);
    await store().claimDue(T0 + 10, 10, LEASE);
    await store().markSent(m.id, T0 + 11);
    const sent = await store().find(m.id);
    assert.equal(sent?.status, 'sent');
    assert.equal(sent?.sentAt, T0 + 11);
    assert.equal(sent?.text, null);
    assert.equal(sent?.html, null);
    assert.equal(sent?.subject, 'Confirm your email address');
    assert.equal(sent?.to, 'ada@example.com');
    assert.deepEqual(await store().claimDue(T0 + 10 * LEASE, 10, LEASE), [], 'a sent message is never claimed');
  });

  test('a failed attempt is retried at the time given, keeping the error; giving up marks it failed', async () => {
    const m = message('t3', T0 + 20);
    await store().enqueue(m);
    await store().claimDue(T0 + 20, 10, LEASE);
    await store().markFailed(m.id, 'connect ECONNREFUSED 127.0.0.1:2525', T0 + 5_000);
    const waiting = await store().find(m.id);
    assert.equal(waiting?.status, 'queued');
    assert.equal(waiting?.lastError, 'connect ECONNREFUSED 127.0.0.1:2525');
    assert.equal(waiting?.availableAt, T0 + 5_000);
    assert.equal(waiting?.text, 'Your code: 123456');
    assert.deepEqual(await store().claimDue(T0 + 4_999, 10, LEASE), []);
    const [retried] = await store().claimDue(T0 + 5_000, 10, LEASE);
    assert.equal(retried?.attempts, 2);
    await store().markFailed(m.id, 'x'.repeat(5_000), undefined);
    const failed = await store().find(m.id);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.lastError?.length, 2_000, 'long errors are cut');
    assert.equal(failed?.text, null, 'a message given up keeps no code either');
    assert.deepEqual(await store().claimDue(T0 + 10 * LEASE, 10, LEASE), []);
  });

  test('respects the batch limit', async () => {
    for (let i = 0; i < 5; i++) await store().enqueue(message('t4', T0 + 30 + i));
    const first = await store().claimDue(T0 + 100, 3, LEASE);
    assert.equal(first.length, 3);
    const rest = await store().claimDue(T0 + 100, 3, LEASE);
    assert.equal(rest.length, 2);
    for (const m of [...first, ...rest]) await store().markSent(m.id, T0 + 101);
  });

  test('dispatchers claiming at the same moment never take the same message', async () => {
    const ids = [];
    for (let i = 0; i < 40; i++) {
      const m = message('t5', T0 + 200 + i);
      ids.push(m.id);
      await store().enqueue(m);
    }
    const claims = await Promise.all(Array.from({ length: 8 }, () => store().claimDue(T0 + 1_000, 10, LEASE)));
    const claimed = claims.flat().map((m) => m.id);
    assert.equal(new Set(claimed).size, claimed.length, 'no message claimed twice');
    assert.deepEqual(new Set(claimed), new Set(ids), 'every due message claimed');
  });

  test('lists newest first, per tenant or all, and finds by id', async () => {
    const a = message('list-a', T0 + 300, { subject: 'A' });
    const b = message('list-b', T0 + 301, { subject: 'B' });
    await store().enqueue(a);
    await store().enqueue(b);
    assert.deepEqual((await store().list({ tenantId: 'list-a', limit: 10 })).map((m) => m.subject), ['A']);
    const all = await store().list({ limit: 100 });
    assert.ok(all.findIndex((m) => m.id === b.id) < all.findIndex((m) => m.id === a.id));
    assert.equal((await store().find(a.id))?.subject, 'A');
    assert.equal(await store().find(uuidv7(T0)), undefined);
  });

  test('is bound in Stores: a transaction tells the node after commit, a rollback not at all', async () => {
    const { db } = current().handle;
    let told = 0;
    const transaction = createTransaction(db, { mailQueued: () => (told += 1) });
    const committed = message('bound', T0 + 400);
    await transaction(async (stores) => {
      await stores.mail.enqueue(committed);
      assert.equal(told, 0, 'not before commit');
    });
    assert.equal(told, 1);
    const rolledBack = message('bound', T0 + 401);
    await assert.rejects(
      transaction(async (stores) => {
        await stores.mail.enqueue(rolledBack);
        throw new Error('the cause failed');
      }),
      /the cause failed/,
    );
    assert.equal(told, 1);
    assert.equal(await store().find(rolledBack.id), undefined, 'the message went with its cause');
    await createStores(db, { mailQueued: () => (told += 1) }).mail.enqueue(message('bound', T0 + 402));
    assert.equal(told, 2, 'outside a transaction, told at once');
  });
});
