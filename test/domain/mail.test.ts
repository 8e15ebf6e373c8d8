// Composing email: queueMail renders in the customer's language with the tenant's branding and
// sender, stores it for the dispatcher (SQLite), and the retry policy spaces attempts out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createMailStore } from '../../src/storage/mail.store.ts';
import { MAIL_RETRY, nextAttemptAt, queueMail } from '../../src/domain/mail/mail.ts';
import type { MailRequest, MailStore } from '../../src/domain/mail/mail.port.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { en } from '../../src/i18n/en.ts';

const T0 = 1_790_000_000_000;

function tenant(settings: Record<string, unknown> = {}, name = 'Acme'): Tenant {
  return { id: 'tenant-1', slug: 'acme', name, settings, createdAt: T0, updatedAt: T0 };
}

function verifyRequest(overrides: Partial<MailRequest> = {}): MailRequest {
  return {
    tenantId: 'tenant-1',
    to: 'ada@example.com',
    kind: 'verify_email',
    locale: 'en',
    params: { code: '493817', link: 'https://id.acme.example/verify?flow=f1&token=abc', expiresInMinutes: '15' },
    ...overrides,
  };
}

describe('queueMail', () => {
  let database: TestDatabase;
  let mail: MailStore;
  before(async () => {
    database = await createTestDatabase('sqlite');
    mail = createMailStore(database.handle.db);
  });
  after(() => database.dispose());

  async function queued(at: number) {
    const [message] = await mail.claimDue(at, 1, 60_000);
    assert.ok(message, 'a message was queued');
    await mail.markSent(message.id, at);
    return message;
  }

  test('renders the subject, a text body and an HTML body with the code and the link, queued now', async () => {
    await queueMail(mail, tenant(), verifyRequest(), T0);
    const message = await queued(T0);
    assert.equal(message.subject, 'Confirm your email address for Acme');
    assert.equal(message.to, 'ada@example.com');
    assert.equal(message.kind, 'verify_email');
    assert.equal(message.createdAt, T0);
    assert.equal(message.from, undefined, 'MAIL_FROM is chosen at delivery');
    assert.match(message.text ?? '', /Your code: 493817/);
    assert.match(message.text ?? '', /https:\/\/id\.acme\.example\/verify\?flow=f1&token=abc/);
    assert.match(message.text ?? '', /only for the next 15 minutes/);
    assert.match(message.text ?? '', /If this wasn't you/);
    assert.match(message.html ?? '', /<html lang="en" dir="ltr">/);
    assert.match(message.html ?? '', />493817</);
    assert.match(message.html ?? '', /href="https:\/\/id\.acme\.example\/verify\?flow=f1&amp;token=abc"/);
    assert.match(message.html ?? '', /Please do not reply/);
  });

  test('the tenant’s sender, reply-to and branding, with everything escaped', async () => {
    const branded = tenant({
      branding: { name: 'Acme <b>Shop</b>', logoUrl: 'https://cdn.acme.example/logo.png', primaryColor: '#c2410c' },
      mail: { from: 'Acme <no-reply@acme.example>', replyTo: 'help@acme.example' },
    });
    await queueMail(mail, branded, verifyRequest({ kind: 'recover_password' }), T0 + 1);
    const message = await queued(T0 + 1);
    assert.equal(message.from, 'Acme <no-reply@acme.example>');
    assert.equal(message.replyTo, 'help@acme.example');
    assert.equal(message.subject, 'Reset your Acme <b>Shop</b> password', 'the subject is plain text');
    assert.ok(!message.html?.includes('<b>Shop</b>'), 'a tenant name never becomes markup');
    assert.match(message.html ?? '', /Acme &lt;b&gt;Shop&lt;\/b&gt;/);
    assert.match(message.html ?? '', /<img src="https:\/\/cdn\.acme\.example\/logo\.png"/);
    assert.match(message.html ?? '', /background:#c2410c/);
    assert.doesNotMatch(message.html ?? '', /Please do not reply/, 'replies reach someone');
  });

  test('speaks the requested language: Arabic is right to left', async () => {
    await queueMail(mail, tenant(), verifyRequest({ locale: 'ar' }), T0 + 2);
    const message = await queued(T0 + 2);
    assert.equal(message.locale, 'ar');
    assert.match(message.html ?? '', /<html lang="ar" dir="rtl">/);
  });

  test('every kind has its texts, and the notices carry no code', async () => {
    for (const kind of ['password_changed', 'email_changed', 'account_deleted'] as const) {
      const params: Record<string, string> = kind === 'email_changed' ? { newEmail: 'ada@new.example' } : {};
      await queueMail(mail, tenant(), verifyRequest({ kind, params }), T0 + 3);
      const message = await queued(T0 + 3);
      assert.equal(message.subject, en[`mail.${kind}.subject`].replace('{tenant}', 'Acme'));
      assert.doesNotMatch(message.text ?? '', /Your code/);
      assert.doesNotMatch(message.text ?? '', /\{\w+\}/, 'every placeholder filled');
      if (kind === 'email_changed') assert.match(message.text ?? '', /ada@new\.example/);
    }
  });

  test('refuses a request of another tenant, a missing parameter, and a link that is not http(s)', async () => {
    await assert.rejects(queueMail(mail, tenant(), verifyRequest({ tenantId: 'tenant-2' }), T0), /another tenant/);
    await assert.rejects(queueMail(mail, tenant(), verifyRequest({ params: { code: '1', expiresInMinutes: '15' } }), T0), /needs link/);
    await assert.rejects(queueMail(mail, tenant(), verifyRequest({ params: { code: '1', link: 'javascript:alert(1)', expiresInMinutes: '15' } }), T0), /http\(s\) URL/);
    assert.deepEqual(await mail.claimDue(T0 + 10, 10, 60_000), [], 'nothing queued');
  });
});

describe('nextAttemptAt', () => {
  test('5 s after the first failure, doubling, at most 10 minutes apart, then gives up after a day', () => {
    const at = (attempts: number, now = T0) => nextAttemptAt({ attempts, createdAt: T0 }, now);
    assert.equal(at(1), T0 + 5_000);
    assert.equal(at(2), T0 + 10_000);
    assert.equal(at(3), T0 + 20_000);
    assert.equal(at(8), T0 + 600_000);
    assert.equal(at(100), T0 + MAIL_RETRY.maxDelayMs);
    assert.equal(at(200, T0 + MAIL_RETRY.giveUpAfterMs - MAIL_RETRY.maxDelayMs), T0 + MAIL_RETRY.giveUpAfterMs);
    assert.equal(at(200, T0 + MAIL_RETRY.giveUpAfterMs - MAIL_RETRY.maxDelayMs + 1), undefined);
  });
});
