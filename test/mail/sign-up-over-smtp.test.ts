// The whole path over real SMTP: a customer signs up while the mail server is down, the sign-up
// answers at once anyway, and once the server is back the email arrives (the dispatcher retries on
// its own schedule); its code, read from the received message, completes the sign-up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import type { SmtpSink } from '../helpers/smtp-sink.ts';

const ARRIVAL_DEADLINE_MS = 30_000;

describeEachEngine('sign-up over SMTP', (current) => {
  let smtp: SmtpSink;
  let server: TestServer;

  before(async () => {
    smtp = await startSmtpSink();
    server = await createTestServer(current().engine, { SMTP_URL: smtp.url, MAIL_FROM: 'Shop <no-reply@shop.example>' });
  });
  after(async () => {
    await server?.stop();
    await smtp?.stop().catch(() => {});
  });

  const post = (url: string, payload?: object) => server.app.inject({ method: 'POST', url, payload });

  test('the mail server is down at sign-up; when it is back the code arrives and completes the sign-up', async () => {
    await smtp.stop();
    const flow = (await post('/flows/registration')).json() as { id: string };
    const submitted = await post(`/flows/registration/${flow.id}`, { traits: { email: 'ines@example.com' }, password: 'a long passphrase for smtp' });
    assert.equal(submitted.statusCode, 200, 'the request does not wait for SMTP');
    assert.equal(await server.mailDispatcher.runOnce().then((report) => report.failed), 1, 'the first attempt fails');
    const [queued] = await server.stores.mail.list({ limit: 1 });
    assert.equal(queued?.status, 'queued');

    await smtp.start();
    const mail = await Promise.race([
      smtp.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the email never arrived after SMTP came back')), ARRIVAL_DEADLINE_MS).unref()),
    ]);
    assert.deepEqual(mail.envelopeTo, ['ines@example.com']);
    assert.match(mail.headers['from'] ?? '', /no-reply@shop\.example/);
    const code = /(?:^|\s)(\d{6})$/m.exec(mail.text)?.[1];
    const link = /https?:\/\/\S+[?&]token=[\w-]+/.exec(mail.text)?.[0];
    assert.ok(code && link, mail.text);
    assert.ok(link.startsWith('http://localhost:3000/verify?flow='));
    const done = await post(`/flows/registration/${flow.id}/code`, { code });
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual(done.json().identity.addresses, [{ kind: 'email', value: 'ines@example.com', verified: true }]);
    await server.mailDispatcher.runOnce(); // the run that delivered it has recorded the outcome
    const [sent] = await server.stores.mail.list({ limit: 1 });
    assert.equal(sent?.status, 'sent');
    assert.equal(sent?.text, null, 'the body (with its code) is not kept once delivered');
  });
});
