// The mail queue as operators see it, over the real store on both engines: metadata only with
// masked addresses, pages by status, and retries of failed messages (only those without a one-time
// code, whose bodies the store keeps when it gives up), audited, and claimed again by a dispatcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { listMailQueue, retryFailedMail, retryMail } from '../../src/domain/mail/mail-queue.ts';
import { maskEmail } from '../../src/domain/customers/masking.ts';
import type { NewMailMessage } from '../../src/domain/mail/mail.port.ts';
import type { Actor } from '../../src/domain/tenants/tenants.service.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T = 1_797_000_000_000;
const OPERATOR: Actor = { type: 'operator', id: 'op-9' };
const coded = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

function message(tenantId: string, createdAt: number, fields: Partial<NewMailMessage> = {}): NewMailMessage {
  return { id: uuidv7(createdAt), tenantId, to: 'ada@example.com', kind: 'password_changed', locale: 'en', from: undefined, replyTo: undefined, subject: 'Your password changed', text: 'Body 123456', html: '<p>Body</p>', createdAt, ...fields };
}

describeEachEngine('mail queue use cases', (current) => {
  const deps = () => {
    const { db } = current().handle;
    return { stores: createStores(db), transaction: createTransaction(db), now: () => T + 10_000 };
  };
  /** Enqueues, claims and gives up the message, as the dispatcher would after its last attempt. */
  async function failed(m: NewMailMessage, error = 'RCPT TO <ada@example.com> refused: 550 no such user'): Promise<NewMailMessage> {
    const { mail } = deps().stores;
    await mail.enqueue(m);
    await mail.markFailed(m.id, error, undefined);
    return m;
  }

  test('masks addresses', () => {
    assert.equal(maskEmail('ada@example.com'), 'a•••@example.com');
    assert.equal(maskEmail('not-an-address'), '•••');
  });

  test('giving up clears the bodies of messages with a one-time code only', async () => {
    const { mail } = deps().stores;
    const code = await failed(message('t-keep', T, { kind: 'verify_email' }));
    const notice = await failed(message('t-keep', T + 1));
    assert.equal((await mail.find(code.id))?.text, null);
    assert.equal((await mail.find(code.id))?.html, null);
    assert.equal((await mail.find(notice.id))?.text, 'Body 123456');
  });

  test('lists queued and failed messages of the tenant, newest first, metadata only, by page and by status', async () => {
    const { mail } = deps().stores;
    const queued = message('t-list', T + 1, { to: 'bob@example.org' });
    await mail.enqueue(queued);
    const gaveUp = await failed(message('t-list', T + 2, { kind: 'recover_password' }));
    const sent = message('t-list', T + 3);
    await mail.enqueue(sent);
    await mail.markSent(sent.id, T + 4);
    await mail.enqueue(message('t-other', T + 5));

    const all = await listMailQueue(deps().stores, 't-list', undefined, { limit: 10 });
    assert.deepEqual(all.messages.map((m) => m.id), [gaveUp.id, queued.id]);
    assert.equal(all.next, null);
    assert.deepEqual(all.messages[0], {
      id: gaveUp.id, kind: 'recover_password', to: 'a•••@example.com', locale: 'en', status: 'failed', attempts: 0,
      lastError: 'RCPT TO <a•••@example.com> refused: 550 no such user', createdAt: T + 2, nextAttemptAt: null, retriable: false,
    });
    assert.equal(all.messages[1]?.nextAttemptAt, T + 1);
    assert.ok(!JSON.stringify(all).includes('123456') && !JSON.stringify(all).includes('Your password'), 'no body, no subject');

    const first = await listMailQueue(deps().stores, 't-list', undefined, { limit: 1 });
    assert.deepEqual(first.messages.map((m) => m.id), [gaveUp.id]);
    const second = await listMailQueue(deps().stores, 't-list', undefined, { limit: 1, after: first.next! });
    assert.deepEqual(second.messages.map((m) => m.id), [queued.id]);
    assert.deepEqual((await listMailQueue(deps().stores, 't-list', 'queued', { limit: 10 })).messages.map((m) => m.id), [queued.id]);
  });

  test('retrying a failed message queues it again at once, audited, and a dispatcher claims it', async () => {
    const m = await failed(message('t-retry', T));
    const retried = await retryMail(deps(), 't-retry', m.id, OPERATOR);
    assert.equal(retried.status, 'queued');
    const stored = await deps().stores.mail.find(m.id);
    assert.equal(stored?.status, 'queued');
    assert.equal(stored?.attempts, 0);
    const [entry] = await deps().stores.audit.search('t-retry', { action: 'mail.retried' }, { limit: 1 });
    assert.deepEqual(entry?.target, { type: 'mail', id: m.id });
    assert.deepEqual(entry?.actor, { type: 'operator', id: 'op-9' });
    const claimed = await deps().stores.mail.claimDue(T + 10_000, 100, 60_000);
    assert.ok(claimed.some((c) => c.id === m.id && c.text === 'Body 123456'));
  });

  test('a message with a code, a queued one, or one of another tenant is not retried', async () => {
    const code = await failed(message('t-no', T, { kind: 'verify_email' }));
    await assert.rejects(retryMail(deps(), 't-no', code.id, OPERATOR), coded('mail.not_retriable'));
    const waiting = message('t-no', T + 1);
    await deps().stores.mail.enqueue(waiting);
    await assert.rejects(retryMail(deps(), 't-no', waiting.id, OPERATOR), coded('mail.not_retriable'));
    const other = await failed(message('t-elsewhere', T + 2));
    await assert.rejects(retryMail(deps(), 't-no', other.id, OPERATOR), coded('mail.not_found'));
    assert.equal((await deps().stores.mail.find(other.id))?.status, 'failed');
    await assert.rejects(retryMail(deps(), 't-no', 'no-such-id', OPERATOR), coded('mail.not_found'));
  });

  test('retrying all failed messages takes the retriable ones of the tenant only', async () => {
    const a = await failed(message('t-all', T));
    const b = await failed(message('t-all', T + 1, { kind: 'email_changed' }));
    const code = await failed(message('t-all', T + 2, { kind: 'recover_password' }));
    const other = await failed(message('t-all-other', T + 3));
    assert.equal(await retryFailedMail(deps(), 't-all', OPERATOR), 2);
    const status = async (id: string) => (await deps().stores.mail.find(id))?.status;
    assert.deepEqual([await status(a.id), await status(b.id), await status(code.id), await status(other.id)], ['queued', 'queued', 'failed', 'failed']);
    assert.equal(await retryFailedMail(deps(), 't-all', OPERATOR), 0);
    const entries = await deps().stores.audit.search('t-all', { action: 'mail.retried' }, { limit: 5 });
    assert.deepEqual(entries.map((e) => e.details), [{ count: 2 }], 'one entry for the bulk retry, none when nothing was retried');
  });
});
