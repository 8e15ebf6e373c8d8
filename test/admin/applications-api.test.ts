// The applications resource of the admin API through HTTP, on both engines: create (the secret
// once), list by cursor, read with an ETag, update as a JSON Merge Patch with If-Match, rotate the
// secret, delete; every change audited with the calling credential; another tenant's applications
// answer 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callAdmin, createAdminClient, machineToken, requestMachineToken } from '../helpers/admin.ts';

describeEachEngine('admin API: applications', (current) => {
  let server: TestServer;
  let token: string;
  let reader: string;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme');
    await createTenant(server, 'globex');
    token = await machineToken(server, ['apps:read', 'apps:write']);
    reader = await machineToken(server, ['apps:read']);
  });
  after(() => server.stop());

  test('create answers 201 with the secret once, a Location and an ETag; read shows no secret', async () => {
    const created = await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'Shop', kind: 'web', redirect_uris: ['https://shop.example.com/cb'] } });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json<Record<string, unknown>>();
    assert.equal(typeof body['client_secret'], 'string');
    assert.equal(body['kind'], 'web');
    assert.equal(body['confidential'], true);
    assert.match(String(created.headers['location']), new RegExp(`/admin/api/v1/tenants/acme/applications/${String(body['client_id'])}$`));
    assert.ok(created.headers['etag']);
    const read = await callAdmin(server, reader, 'GET', `/tenants/acme/applications/${String(body['client_id'])}`);
    assert.equal(read.statusCode, 200);
    assert.equal(read.json<Record<string, unknown>>()['client_secret'], undefined);
    assert.equal(read.headers['etag'], created.headers['etag']);
    assert.doesNotMatch(read.body, new RegExp(String(body['client_secret'])));
  });

  test('a refusal names each field in the API’s own names', async () => {
    const refused = await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'Bad', kind: 'spa', redirect_uris: ['http://evil.example/cb'], token_lifetimes: { access_token: 5 } } });
    assert.equal(refused.statusCode, 400);
    assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
    const fields = refused.json<{ errors: { field: string }[] }>().errors.map((problem) => problem.field).sort();
    assert.deepEqual(fields, ['redirect_uris', 'token_lifetimes.access_token']);
    const unknown = await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'Bad', kind: 'web', colour: 'red' } });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json<{ errors: { field: string }[] }>().errors[0]?.field, 'colour');
  });

  test('lists page by an opaque cursor, oldest first, and end with a null cursor', async () => {
    for (const name of ['P1', 'P2', 'P3']) {
      assert.equal((await callAdmin(server, token, 'POST', '/tenants/globex/applications', { body: { name, kind: 'machine' } })).statusCode, 201);
    }
    const first = await callAdmin(server, reader, 'GET', '/tenants/globex/applications?limit=2');
    assert.equal(first.statusCode, 200);
    const page1 = first.json<{ items: { name: string }[]; next_cursor: string | null }>();
    assert.deepEqual(page1.items.map((item) => item.name), ['P1', 'P2']);
    assert.ok(page1.next_cursor);
    const second = await callAdmin(server, reader, 'GET', `/tenants/globex/applications?limit=2&cursor=${page1.next_cursor}`);
    const page2 = second.json<{ items: { name: string }[]; next_cursor: string | null }>();
    assert.deepEqual(page2.items.map((item) => item.name), ['P3']);
    assert.equal(page2.next_cursor, null);
    // 1e309 is Infinity once coerced, which the schema's maximum does not catch on its own.
    const infinite = await callAdmin(server, reader, 'GET', '/tenants/globex/applications?limit=1e309');
    assert.equal(infinite.statusCode, 400);
    assert.equal(infinite.json<{ errors: { field: string }[] }>().errors[0]?.field, 'limit');
    const forged = await callAdmin(server, reader, 'GET', '/tenants/globex/applications?cursor=bm90LWEtY3Vyc29y');
    assert.equal(forged.statusCode, 400);
    assert.equal(forged.json<{ errors: { field: string }[] }>().errors[0]?.field, 'cursor');
  });

  test('update is a merge patch honouring If-Match: a stale ETag gets 412 and changes nothing', async () => {
    const created = (await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'CRM', kind: 'web', redirect_uris: ['https://crm.example.com/cb'], logo_uri: 'https://crm.example.com/logo.png' } })).json<{ client_id: string }>();
    const path = `/tenants/acme/applications/${created.client_id}`;
    const etag = String((await callAdmin(server, reader, 'GET', path)).headers['etag']);
    const patched = await callAdmin(server, token, 'PATCH', path, { body: { name: 'CRM 2', logo_uri: null }, headers: { 'content-type': 'application/merge-patch+json', 'if-match': etag } });
    assert.equal(patched.statusCode, 200, patched.body);
    const view = patched.json<Record<string, unknown>>();
    assert.equal(view['name'], 'CRM 2');
    assert.equal(view['logo_uri'], null);
    assert.deepEqual(view['redirect_uris'], ['https://crm.example.com/cb']);
    assert.notEqual(patched.headers['etag'], etag);
    const stale = await callAdmin(server, token, 'PATCH', path, { body: { name: 'Clobbered' }, headers: { 'if-match': etag } });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.json<{ code: string }>().code, 'request.precondition_failed');
    assert.equal((await callAdmin(server, reader, 'GET', path)).json<{ name: string }>().name, 'CRM 2');
    const staleDelete = await callAdmin(server, token, 'DELETE', path, { headers: { 'if-match': etag } });
    assert.equal(staleDelete.statusCode, 412);
  });

  test('two updates sent at once with the same If-Match: one is applied, the other gets 412 (the check is inside the change)', async () => {
    const created = (await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'Race', kind: 'web', redirect_uris: ['https://race.example.com/cb'] } })).json<{ client_id: string }>();
    const path = `/tenants/acme/applications/${created.client_id}`;
    const etag = String((await callAdmin(server, reader, 'GET', path)).headers['etag']);
    const answers = await Promise.all(['Race A', 'Race B'].map((name) => callAdmin(server, token, 'PATCH', path, { body: { name }, headers: { 'if-match': etag } })));
    assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 412]);
    const winner = answers.find((answer) => answer.statusCode === 200)!.json<{ name: string }>().name;
    assert.equal((await callAdmin(server, reader, 'GET', path)).json<{ name: string }>().name, winner);
  });

  test('rotating the secret answers a new one; the old one stops working at the token endpoint', async () => {
    const created = (await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'Batch', kind: 'machine' } })).json<{ client_id: string; client_secret: string }>();
    const rotated = await callAdmin(server, token, 'POST', `/tenants/acme/applications/${created.client_id}/secret`);
    assert.equal(rotated.statusCode, 200, rotated.body);
    const { client_secret: fresh } = rotated.json<{ client_secret: string }>();
    assert.notEqual(fresh, created.client_secret);
    const tokenWith = (secret: string) =>
      server.app.inject({ method: 'POST', url: '/t/acme/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${created.client_id}:${secret}`).toString('base64')}` }, payload: 'grant_type=client_credentials' });
    assert.equal((await tokenWith(created.client_secret)).statusCode, 401);
    assert.equal((await tokenWith(fresh)).statusCode, 200);
  });

  test('delete answers 204, then the application is gone (404)', async () => {
    const created = (await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'Gone', kind: 'machine' } })).json<{ client_id: string }>();
    const path = `/tenants/acme/applications/${created.client_id}`;
    assert.equal((await callAdmin(server, token, 'DELETE', path)).statusCode, 204);
    const gone = await callAdmin(server, reader, 'GET', path);
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json<{ code: string }>().code, 'application.not_found');
  });

  test('every change is audited with the machine as actor, field names only, and the request context', async () => {
    const created = (await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { name: 'Audited', kind: 'machine' }, headers: { 'user-agent': 'crm-sync/1.0' } })).json<{ client_id: string }>();
    await callAdmin(server, token, 'PATCH', `/tenants/acme/applications/${created.client_id}`, { body: { name: 'Audited 2' } });
    await callAdmin(server, token, 'POST', `/tenants/acme/applications/${created.client_id}/secret`);
    const acme = (await server.stores.tenants.findBySlug('acme'))!;
    const events = (await server.stores.audit.list(acme.id, { limit: 50, targetId: created.client_id })).reverse();
    assert.deepEqual(events.map((event) => event.action), ['application.created', 'application.updated', 'application.secret_rotated']);
    for (const event of events) {
      assert.equal(event.actor.type, 'machine');
      assert.ok(event.actor.id);
      assert.ok(event.context?.requestId);
    }
    assert.equal(events[0]?.context?.userAgent, 'crm-sync/1.0');
    assert.deepEqual(events[1]?.details, { changed: ['name'] });
    assert.doesNotMatch(JSON.stringify(events), /secret_hash|sha256:|client_secret"/);
  });

  test('a credential bound to one tenant gets 404 for another tenant’s applications, even ones that exist', async () => {
    const bound = await machineToken(server, ['apps:read', 'apps:write'], { tenant: 'acme' });
    const globexApp = (await callAdmin(server, token, 'POST', '/tenants/globex/applications', { body: { name: 'Theirs', kind: 'machine' } })).json<{ client_id: string }>();
    assert.equal((await callAdmin(server, bound, 'GET', '/tenants/acme/applications')).statusCode, 200);
    for (const [method, path] of [['GET', '/tenants/globex/applications'], ['GET', `/tenants/globex/applications/${globexApp.client_id}`], ['DELETE', `/tenants/globex/applications/${globexApp.client_id}`], ['GET', '/tenants/nowhere/applications'], ['GET', '/tenants/admin/applications']] as const) {
      const answer = await callAdmin(server, bound, method, path);
      assert.equal(answer.statusCode, 404, `${method} ${path}`);
      assert.equal(answer.json<{ code: string }>().code, 'tenant.not_found');
    }
    // The admin tenant is never a resource, whoever asks.
    assert.equal((await callAdmin(server, token, 'GET', '/tenants/admin/applications')).statusCode, 404);
    // An application of another tenant named under this one: 404 too.
    assert.equal((await callAdmin(server, token, 'GET', `/tenants/acme/applications/${globexApp.client_id}`)).statusCode, 404);
  });

  test('no token: 401; a token without the scope: 403; a client may not ask for scopes it does not hold', async () => {
    const none = await callAdmin(server, undefined, 'GET', '/tenants/acme/applications');
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await callAdmin(server, 'not.a.token', 'GET', '/tenants/acme/applications')).statusCode, 401);
    const denied = await callAdmin(server, reader, 'POST', '/tenants/acme/applications', { body: { name: 'No', kind: 'machine' } });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json<{ code: string }>().code, 'token.insufficient_scope');
    const client = await createAdminClient(server, ['apps:read']);
    const greedy = await requestMachineToken(server, client, 'apps:read apps:write');
    assert.equal(greedy.statusCode, 400);
    assert.equal(greedy.json<{ error: string }>().error, 'invalid_scope');
  });

  test('a create repeated with the same Idempotency-Key answers the first answer again, secret included; another body is refused', async () => {
    const headers = { 'idempotency-key': `create-${Date.now()}` };
    const body = { name: 'Idempotent', kind: 'machine' };
    const first = await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body, headers });
    assert.equal(first.statusCode, 201, first.body);
    const again = await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body, headers });
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assert.equal(again.headers['location'], first.headers['location']);
    const acme = (await server.stores.tenants.findBySlug('acme'))!;
    assert.equal((await server.stores.applications.list(acme.id)).filter((application) => application.name === 'Idempotent').length, 1);
    const other = await callAdmin(server, token, 'POST', '/tenants/acme/applications', { body: { ...body, name: 'Another' }, headers });
    assert.equal(other.statusCode, 422);
    assert.equal(other.json<{ code: string }>().code, 'idempotency.key_reused');
    // Keys are per credential: another caller's same key is a new request.
    const someoneElse = await machineToken(server, ['apps:write']);
    assert.equal((await callAdmin(server, someoneElse, 'POST', '/tenants/acme/applications', { body, headers })).headers['idempotent-replayed'], undefined);
    // The stored answer holds the client secret sealed, never in the clear.
    const secret = first.json<{ client_secret: string }>().client_secret;
    const rows = await server.database.db.selectFrom('idempotency_keys').select(['response']).execute();
    assert.ok(rows.length > 0);
    for (const row of rows) assert.ok(!String(row.response).includes(secret));
  });
});
