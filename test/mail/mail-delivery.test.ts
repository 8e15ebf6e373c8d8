// Delivery over real SMTP (smtp-server on loopback) from the real queue on both engines: the
// message arrives as composed, an SMTP outage leaves it queued for a retry with backoff, and it
// arrives once the server is back. The clock is injected, so retries are due without waiting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { BOUNCING_DOMAIN, startSmtpSink } from '../helpers/smtp-sink.ts';
import type { SmtpSink } from '../helpers/smtp-sink.ts';
import { createMailStore } from '../../src/storage/mail.store.ts';
import { queueMail } from '../../src/domain/mail/mail.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { startMailDispatcher } from '../../src/infra/mail/mail-dispatcher.job.ts';
import type { MailDispatcher } from '../../src/infra/mail/mail-dispatcher.job.ts';
import { createSmtpTransport } from '../../src/infra/mail/smtp.transport.ts';
import type { MailTransport } from '../../src/infra/mail/transport.ts';

const T0 = 1_790_000_000_000;
const LINK = 'https://id.acme.example/t/acme/verification?flow=0195a1b2-0000-7000-8000-000000000001&token=Zm9vYmFyYmF6cXV4cXV1eF9sb25nX3Rva2Vu';

const ACME: Tenant = {
  id: 'tenant-acme',
  slug: 'acme',
  name: 'Acme',
  settings: { branding: { name: 'Acme Shop' }, mail: { from: 'Acme Shop <no-reply@acme.example>', replyTo: 'help@acme.example' } },
  createdAt: T0,
  updatedAt: T0,
};
const PLAIN: Tenant = { id: 'tenant-plain', slug: 'plain', name: 'Plain', settings: {}, createdAt: T0, updatedAt: T0 };

type Logged = { level: string; fields: Record<string, unknown>; message: string };

describeEachEngine('mail delivery over SMTP', (current) => {
  let smtp: SmtpSink;
  let transport: MailTransport;
  let dispatcher: MailDispatcher;
  let clock = T0;
  const logs: Logged[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => logs.push({ level, fields, message });
  const store = () => createMailStore(current().handle.db);

  before(async () => {
    smtp = await startSmtpSink();
    transport = createSmtpTransport(smtp.url);
    dispatcher = startMailDispatcher({
      store: store(),
      transport,
      defaultFrom: 'Foyer <no-reply@foyer.test>',
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      pollIntervalMs: 3_600_000,
      batchSize: 10,
      leaseMs: 60_000,
      now: () => clock,
    });
    // Its first run (what was queued before it started) is done before the tests queue anything.
    await dispatcher.runOnce();
  });
  after(async () => {
    await dispatcher.stop();
    transport.close();
    await smtp.stop();
  });

  test('a queued message arrives with its subject, recipient, sender, reply-to, code and link', async () => {
    await queueMail(store(), ACME, { tenantId: ACME.id, to: 'ada@example.com', kind: 'verify_email', locale: 'en', params: { code: '804213', link: LINK, expiresInMinutes: '15' } }, clock);
    const arriving = smtp.next();
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, failed: 0 });
    const mail = await arriving;
    assert.deepEqual(mail.envelopeTo, ['ada@example.com']);
    assert.equal(mail.envelopeFrom, 'no-reply@acme.example');
    assert.equal(mail.headers['to'], 'ada@example.com');
    assert.equal(mail.headers['from'], 'Acme Shop <no-reply@acme.example>');
    assert.equal(mail.headers['reply-to'], 'help@acme.example');
    assert.equal(mail.headers['subject'], 'Confirm your email address for Acme Shop');
    assert.equal(mail.headers['auto-submitted'], 'auto-generated');
    // Account mail is transactional: no unsubscribe headers (docs/consent.md).
    assert.equal(mail.headers['list-unsubscribe'], undefined);
    assert.equal(mail.headers['list-unsubscribe-post'], undefined);
    // Read the code and the link as a customer would, from each body.
    assert.equal(/Your code: (\d{6})/.exec(mail.text)?.[1], '804213');
    assert.equal(/Confirm my email address: (\S+)/.exec(mail.text)?.[1], LINK);
    assert.match(mail.html, />804213</);
    const href = /<a href="([^"]+)"/.exec(mail.html)?.[1]?.replaceAll('&amp;', '&');
    assert.equal(href, LINK);

    const [stored] = await store().list({ tenantId: ACME.id, limit: 1 });
    assert.equal(stored?.status, 'sent');
    assert.equal(stored?.sentAt, clock);
    assert.equal(stored?.text, null, 'the code leaves the database once delivered');
    const sentLog = logs.find((l) => l.message === 'mail sent' && l.fields['mailId'] === stored?.id);
    assert.ok(sentLog, 'delivery is logged by id');
    assert.doesNotMatch(JSON.stringify(logs), /804213|token=|ada@example\.com/, 'logs carry no code, link or address');
  });

  test('without a tenant sender, MAIL_FROM sends it and there is no reply-to', async () => {
    await queueMail(store(), PLAIN, { tenantId: PLAIN.id, to: 'bo@example.com', kind: 'password_changed', locale: 'en', params: {} }, clock);
    const arriving = smtp.next();
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, failed: 0 });
    const mail = await arriving;
    assert.equal(mail.headers['from'], 'Foyer <no-reply@foyer.test>');
    assert.equal(mail.headers['reply-to'], undefined);
    assert.equal(mail.headers['subject'], 'Your Plain password was changed');
    assert.match(mail.text, /If this wasn't you/);
  });

  test('SMTP down: the attempt fails and the message stays queued; back up: it arrives at the retry', async () => {
    await smtp.stop();
    const before = smtp.received.length;
    await queueMail(store(), ACME, { tenantId: ACME.id, to: 'cy@example.com', kind: 'recover_password', locale: 'en', params: { code: '551902', link: LINK, expiresInMinutes: '15' } }, clock);
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, failed: 1 });
    const [waiting] = await store().list({ tenantId: ACME.id, limit: 1 });
    assert.equal(waiting?.status, 'queued');
    assert.equal(waiting?.attempts, 1);
    assert.match(waiting?.lastError ?? '', /ECONNREFUSED|ECONNRESET|closed/);
    assert.equal(waiting?.availableAt, clock + 5_000, 'the first retry comes 5 s later');
    assert.equal(waiting?.text?.includes('551902'), true, 'the body stays until delivered');
    const warned = logs.find((l) => l.message === 'mail delivery failed; will retry' && l.fields['mailId'] === waiting?.id);
    assert.equal(warned?.fields['retryInMs'], 5_000);
    assert.doesNotMatch(JSON.stringify(logs), /551902|cy@example\.com/);

    await smtp.start();
    clock += 4_999;
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, failed: 0 }, 'not before its retry time');
    clock += 1;
    const arriving = smtp.next();
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, failed: 0 });
    const mail = await arriving;
    assert.equal(smtp.received.length, before + 1, 'sent once');
    assert.deepEqual(mail.envelopeTo, ['cy@example.com']);
    assert.equal(/Your code: (\d{6})/.exec(mail.text)?.[1], '551902');
    const delivered = await store().find(waiting!.id);
    assert.equal(delivered?.status, 'sent');
    assert.equal(delivered?.attempts, 2);
  });

  test('a recipient the server refuses for good (550 at RCPT TO) is given up after that one attempt, and logged', async () => {
    await queueMail(store(), PLAIN, { tenantId: PLAIN.id, to: `nobody@${BOUNCING_DOMAIN}`, kind: 'account_deleted', locale: 'en', params: {} }, clock);
    const [message] = await store().list({ tenantId: PLAIN.id, limit: 1 });
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, failed: 1 });
    const failed = await store().find(message!.id);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.attempts, 1);
    assert.match(failed?.lastError ?? '', /550|No such user/);
    assert.ok(logs.some((l) => l.level === 'error' && l.message === 'mail delivery failed; giving up' && l.fields['mailId'] === message?.id && l.fields['responseCode'] === 550));
    // Nothing is left to retry: a later run does not try it again.
    clock += 3_600_000;
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, failed: 0 });
    // Other recipients are unaffected.
    await queueMail(store(), PLAIN, { tenantId: PLAIN.id, to: 'someone@example.com', kind: 'account_deleted', locale: 'en', params: {} }, clock);
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, failed: 0 });
  });

  test('a refusal by the server (bad credentials) is retried with growing delays, then given up', async () => {
    const refused = createSmtpTransport(smtp.url.replace('smtp-password-for-tests', 'wrong'));
    const stubborn = startMailDispatcher({
      store: store(),
      transport: refused,
      defaultFrom: 'Foyer <no-reply@foyer.test>',
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      pollIntervalMs: 3_600_000,
      batchSize: 10,
      leaseMs: 60_000,
      // The default policy's day of retries, shrunk to a minute (nextAttemptAt's own test covers the day).
      retry: { firstDelayMs: 5_000, maxDelayMs: 20_000, giveUpAfterMs: 60_000 },
      now: () => clock,
    });
    try {
      await stubborn.runOnce();
      await queueMail(store(), PLAIN, { tenantId: PLAIN.id, to: 'di@example.com', kind: 'account_deleted', locale: 'en', params: {} }, clock);
      const queuedAt = clock;
      assert.deepEqual(await stubborn.runOnce(), { sent: 0, failed: 1 });
      const [message] = await store().list({ tenantId: PLAIN.id, limit: 1 });
      assert.match(message?.lastError ?? '', /EAUTH|Invalid username or password/);
      // Jump to each retry until the policy gives up.
      const delays = [];
      for (;;) {
        const latest = await store().find(message!.id);
        if (latest?.status !== 'queued') break;
        delays.push(latest.availableAt - clock);
        clock = latest.availableAt;
        await stubborn.runOnce();
        assert.ok(delays.length < 10, 'gives up eventually');
      }
      assert.deepEqual(delays, [5_000, 10_000, 20_000, 20_000], 'doubling, capped');
      const failed = await store().find(message!.id);
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.attempts, 5);
      assert.equal(clock - queuedAt, 55_000, 'the next retry would have been past the minute');
      assert.ok(logs.some((l) => l.level === 'error' && l.message === 'mail delivery failed; giving up' && l.fields['mailId'] === message?.id));
    } finally {
      await stubborn.stop();
      refused.close();
    }
  });
});
