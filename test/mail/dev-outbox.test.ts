// Without SMTP_URL a whole server writes its mail to the development outbox; `foyer mail list|show`
// and /dev/mail read it back, with the code and the link; production has no /dev/mail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { runFoyer } from '../helpers/cli.ts';
import { queueMail } from '../../src/domain/mail/mail.ts';

const LINK = 'http://localhost:3000/verification?flow=0195a1b2-0000-7000-8000-0000000000aa&token=dGhpcy1pcy1hLWxvbmctdG9rZW4';

describeEachEngine('development outbox', (current) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'foyer-outbox-'));
  let server: TestServer;
  let id: string;
  before(async () => {
    server = await createTestServer(current().engine, { DATA_DIR: dataDir });
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const foyer = (...argv: string[]) => runFoyer(argv, { ...server.testDatabase.env, DATA_DIR: dataDir });

  test('a message queued in a transaction is written to DATA_DIR/mail and marked sent', async () => {
    await server.transaction((stores) =>
      queueMail(stores.mail, server.defaultTenant, { tenantId: server.defaultTenant.id, to: 'ada@example.com', kind: 'verify_email', locale: 'en', params: { code: '360215', link: LINK, expiresInMinutes: '15' } }, Date.now()),
    );
    await server.mailDispatcher.runOnce();
    const [message] = await server.stores.mail.list({ limit: 1 });
    assert.ok(message);
    id = message.id;
    assert.equal(message.status, 'sent');
    const written = JSON.parse(readFileSync(path.join(dataDir, 'mail', `${id}.json`), 'utf8'));
    assert.equal(written.to, 'ada@example.com');
    assert.equal(written.from, 'Foyer <no-reply@localhost>', 'MAIL_FROM by default');
    assert.match(written.text, /Your code: 360215/);
    assert.ok(existsSync(path.join(dataDir, 'mail', `${id}.eml`)));
    assert.ok(server.logs.some((line) => line['msg'] === 'mail sent' && line['mailId'] === id));
    assert.doesNotMatch(JSON.stringify(server.logs), /360215|dGhpcy1pcy1hLWxvbmctdG9rZW4/, 'no code or link in the logs');
  });

  test('foyer mail list shows it, for every tenant or one', async () => {
    const list = await foyer('mail', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+CREATED\s+TENANT\s+KIND\s+TO\s+STATUS\s+SUBJECT$/m);
    assert.match(list.stdout, new RegExp(`^${id}\\s.*\\sdefault\\s+verify_email\\s+ada@example\\.com\\s+sent\\s+Confirm your email address for Default$`, 'm'));
    const json = JSON.parse((await foyer('mail', 'list', '--tenant', 'default', '--json')).stdout);
    assert.equal(json[0].id, id);
    assert.equal(json[0].tenant, 'default');
    assert.equal(json[0].status, 'sent');
    assert.equal(json[0].text, undefined, 'the list carries no bodies');
    const other = await foyer('tenants', 'create', '--slug', 'quiet', '--name', 'Quiet');
    assert.equal(other.code, 0, other.stderr);
    assert.deepEqual(JSON.parse((await foyer('mail', 'list', '--tenant', 'quiet', '--json')).stdout), []);
    assert.equal((await foyer('mail', 'list', '--tenant', 'quiet')).stdout, 'No email yet.\n');
  });

  test('foyer mail show <id> prints it with the code and the link from the outbox', async () => {
    const shown = await foyer('mail', 'show', id);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Subject\s+Confirm your email address for Default$/m);
    assert.match(shown.stdout, /^To\s+ada@example\.com$/m);
    assert.match(shown.stdout, /^Status\s+sent$/m);
    assert.match(shown.stdout, /^Your code: 360215$/m);
    assert.ok(shown.stdout.includes(LINK));
    const json = JSON.parse((await foyer('mail', 'show', id, '--json')).stdout);
    assert.equal(json.subject, 'Confirm your email address for Default');
    assert.match(json.text, /360215/);
    assert.match(json.html, /<html lang="en" dir="ltr">/);
  });

  test('foyer mail show: an unknown id fails, a missing or extra argument is a usage error', async () => {
    const unknown = await foyer('mail', 'show', '0195a1b2-0000-7000-8000-000000000000');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'foyer mail show: No email has the id "0195a1b2-0000-7000-8000-000000000000".\n');
    const missing = await foyer('mail', 'show');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /give the id of the email/);
    const extra = await foyer('mail', 'show', id, 'more');
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument "more"/);
    const positional = await foyer('mail', 'list', 'everything');
    assert.equal(positional.code, 2, 'commands without positionals still refuse them');
  });

  test('/dev/mail lists it and /dev/mail/:id shows it, escaped, with the HTML version beside', async () => {
    const remote = await server.app.inject({ method: 'GET', url: '/dev/mail', remoteAddress: '203.0.113.9' });
    assert.equal(remote.statusCode, 404, 'only this machine reads the development outbox');
    const list = await server.app.inject({ method: 'GET', url: '/dev/mail' });
    assert.equal(list.statusCode, 200);
    assert.match(list.headers['content-type'] as string, /^text\/html/);
    assert.ok(list.body.includes(`<a href="/dev/mail/${id}">Confirm your email address for Default</a>`));
    const page = await server.app.inject({ method: 'GET', url: `/dev/mail/${id}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your code: 360215/);
    assert.ok(page.body.includes(LINK.replaceAll('&', '&amp;')), 'the link, escaped');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const rendered = await server.app.inject({ method: 'GET', url: `/dev/mail/${id}/html` });
    assert.equal(rendered.statusCode, 200);
    assert.match(rendered.body, /^<!doctype html>\n<html lang="en" dir="ltr">/);
    assert.match(rendered.headers['content-security-policy'] as string, /default-src 'none'/);
    const missing = await server.app.inject({ method: 'GET', url: '/dev/mail/0195a1b2-0000-7000-8000-000000000000' });
    assert.equal(missing.statusCode, 404);
  });
});

describeEachEngine('/dev/mail in production', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine, { NODE_ENV: 'production', PUBLIC_URL: 'https://id.example.com', SMTP_URL: 'smtp://foyer:hunter2@127.0.0.1:1' });
  });
  after(() => server.stop());

  test('does not exist; the SMTP password never reaches the log', async () => {
    for (const url of ['/dev/mail', '/dev/mail/0195a1b2-0000-7000-8000-000000000000', '/dev/mail/0195a1b2-0000-7000-8000-000000000000/html']) {
      const response = await server.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
    }
    assert.ok(server.logs.some((line) => line['msg'] === 'mail goes out over SMTP' && line['smtp'] === 'smtp://foyer:***@127.0.0.1:1'));
    assert.doesNotMatch(JSON.stringify(server.logs), /hunter2/);
  });
});

describeEachEngine('/dev/mail behind a proxy (TRUST_PROXY=1)', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine, { TRUST_PROXY: '1' });
  });
  after(() => server.stop());

  test('answers only when both the connection and the forwarded client are this machine', async () => {
    const read = (remoteAddress: string, forwardedFor?: string) =>
      server.app.inject({ method: 'GET', url: '/dev/mail', remoteAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
    // A remote client that writes a loopback address into X-Forwarded-For itself.
    assert.equal((await read('203.0.113.9', '127.0.0.1')).statusCode, 404);
    assert.equal((await read('203.0.113.9', '::1')).statusCode, 404);
    // A proxy on this machine forwarding a remote client.
    assert.equal((await read('127.0.0.1', '203.0.113.9')).statusCode, 404);
    // This machine, directly or through a local proxy.
    assert.equal((await read('127.0.0.1')).statusCode, 200);
    assert.equal((await read('127.0.0.1', '127.0.0.1')).statusCode, 200);
  });
});
