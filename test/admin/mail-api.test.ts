// /admin/api/v1/tenants/{tenant}/mail through HTTP on each engine: the queue as metadata only
// (masked recipients, no subject, body, code or link), retries of failed messages without a code,
// delivered by the dispatcher, the conflicts, scopes, and 404 for another tenant's message or a credential of another tenant.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import type { NewMailMessage } from '../../src/domain/mail/mail.port.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

type MailJson = { id: string; kind: string; to: string; status: string; attempts: number; last_error: string | null; retriable: boolean; next_attempt_at: string | null };

// Far in the future: the server's own dispatcher never finds these due, so the test decides what happens.
const LATER = Date.now() + 365 * 86_400_000;

describeEachEngine('admin API: mail queue', (current) => {
  let server: TestServer;
  let mail: string;
  let reader: string;
  let acme: Tenant;
  let globex: Tenant;

  function message(tenant: Tenant, at: number, fields: Partial<NewMailMessage> = {}): NewMailMessage {
    return { id: uuidv7(at), tenantId: tenant.id, to: 'ada@example.com', kind: 'password_changed', locale: 'en', from: undefined, replyTo: undefined, subject: 'Your password was changed', text: 'code 424242 https://x.example/link', html: '<p>x</p>', createdAt: at, ...fields };
  }
  async function failed(m: NewMailMessage): Promise<NewMailMessage> {
    await server.stores.mail.enqueue(m);
    await server.stores.mail.markFailed(m.id, '550 5.1.1 <ada@example.com>: Recipient address rejected', undefined);
    return m;
  }

  before(async () => {
    server = await createTestServer(current().engine);
    acme = await createTenant(server, 'acme');
    globex = await createTenant(server, 'globex');
    mail = await machineToken(server, ['mail:read', 'mail:write']);
    reader = await machineToken(server, ['mail:read']);
  });
  after(() => server.stop());

  const list = async (query = '') => {
    const answer = await callAdmin(server, reader, 'GET', `/tenants/acme/mail${query}`);
    assert.equal(answer.statusCode, 200, answer.body);
    return answer.json<{ items: MailJson[]; next_cursor: string | null }>();
  };

  test('lists queued and failed messages as metadata only, recipients masked, by status and page', async () => {
    const queued = message(acme, LATER, { to: 'bob@example.org' });
    await server.stores.mail.enqueue(queued);
    const gaveUp = await failed(message(acme, LATER + 1, { kind: 'verify_email' }));
    await server.stores.mail.enqueue(message(globex, LATER + 2));
    const all = await list();
    assert.deepEqual(all.items.map((m) => m.id), [gaveUp.id, queued.id]);
    assert.deepEqual(all.items.map((m) => m.to), ['a•••@example.com', 'b•••@example.org']);
    assert.equal(all.items[0]?.last_error, '550 5.1.1 <a•••@example.com>: Recipient address rejected');
    assert.equal(all.items[0]?.retriable, false, 'a message with a code is not retried');
    assert.doesNotMatch(JSON.stringify(all), /424242|x\.example|password was changed|ada@|bob@/);
    assert.deepEqual((await list('?status=queued')).items.map((m) => m.id), [queued.id]);
    const first = await list('?limit=1');
    assert.deepEqual(first.items.map((m) => m.id), [gaveUp.id]);
    assert.deepEqual((await list(`?limit=1&cursor=${encodeURIComponent(first.next_cursor!)}`)).items.map((m) => m.id), [queued.id]);
  });

  test('retries a failed message without a code, audited; the conflicts are 409', async () => {
    const notice = await failed(message(acme, LATER + 10));
    const retried = await callAdmin(server, mail, 'POST', `/tenants/acme/mail/${notice.id}/retry`);
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal(retried.json<MailJson>().status, 'queued');
    // Due at once: the server's dispatcher, woken by the retry, delivers it.
    const deadline = Date.now() + 15_000;
    while ((await server.stores.mail.find(notice.id))?.status !== 'sent' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await server.stores.mail.find(notice.id))?.status, 'sent');
    const [entry] = await server.stores.audit.search(acme.id, { action: 'mail.retried' }, { limit: 1 });
    assert.deepEqual(entry?.target, { type: 'mail', id: notice.id });
    assert.equal(entry?.actor.type, 'machine');
    const waiting = message(acme, LATER + 12);
    await server.stores.mail.enqueue(waiting);
    const notFailed = await callAdmin(server, mail, 'POST', `/tenants/acme/mail/${waiting.id}/retry`);
    assert.equal(notFailed.statusCode, 409);
    assert.equal(notFailed.json<{ code: string }>().code, 'mail.not_retriable');
    const code = await failed(message(acme, LATER + 11, { kind: 'recover_password' }));
    assert.equal((await callAdmin(server, mail, 'POST', `/tenants/acme/mail/${code.id}/retry`)).statusCode, 409);
  });

  test('retries every failed message without a code at once', async () => {
    const a = await failed(message(acme, LATER + 20));
    const b = await failed(message(acme, LATER + 21, { kind: 'email_changed' }));
    const answer = await callAdmin(server, mail, 'POST', '/tenants/acme/mail/retry-failed');
    assert.equal(answer.statusCode, 200);
    assert.deepEqual(answer.json(), { retried: 2 });
    for (const m of [a, b]) assert.notEqual((await server.stores.mail.find(m.id))?.status, 'failed', 'queued again (or sent already)');
  });

  test('another tenant’s message is 404 through this tenant; a credential of another tenant is 404; retrying needs mail:write', async () => {
    const theirs = await failed(message(globex, LATER + 30));
    const viaAcme = await callAdmin(server, mail, 'POST', `/tenants/acme/mail/${theirs.id}/retry`);
    assert.equal(viaAcme.statusCode, 404);
    assert.equal(viaAcme.json<{ code: string }>().code, 'mail.not_found');
    assert.equal((await server.stores.mail.find(theirs.id))?.status, 'failed');
    const globexOnly = await machineToken(server, ['mail:read', 'mail:write'], { tenant: 'globex' });
    assert.equal((await callAdmin(server, globexOnly, 'GET', '/tenants/acme/mail')).statusCode, 404);
    assert.equal((await callAdmin(server, globexOnly, 'POST', '/tenants/acme/mail/retry-failed')).statusCode, 404);
    assert.equal((await callAdmin(server, globexOnly, 'GET', '/tenants/globex/mail')).statusCode, 200);
    assert.equal((await callAdmin(server, reader, 'POST', `/tenants/globex/mail/${theirs.id}/retry`)).statusCode, 403);
  });
});
