// /admin/api/v1/tenants through HTTP on each engine: create (settings validated, Idempotency-Key
// replayed), list by cursor, read with an ETag, change by JSON Merge Patch with If-Match (412 on a
// stale version), delete (refused for a tenant with customers or applications, the default and the
// admin tenant), scopes, and what a credential bound to one tenant sees of the others: 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, registerApplication } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';

type TenantJson = { id: string; slug: string; name: string; issuer: string; settings: Record<string, unknown>; created_at: string; updated_at: string };
type Problem = { code: string; errors?: { field: string }[] };

describeEachEngine('admin API: tenants', (current) => {
  let server: TestServer;
  let platform: string;
  let reader: string;
  let boundToAcme: string;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme');
    await createTenant(server, 'globex');
    platform = await machineToken(server, ['tenants:read', 'tenants:write', 'audit:read']);
    reader = await machineToken(server, ['tenants:read']);
    boundToAcme = await machineToken(server, ['tenants:read', 'tenants:write'], { tenant: 'acme' });
  });
  after(() => server.stop());

  test('create: settings are validated, each bad field named; the answer has an ETag and a Location', async () => {
    const refused = await callAdmin(server, platform, 'POST', '/tenants', { body: { slug: 'shop', name: 'Shop', settings: { branding: { primaryColor: 'red' }, defaultLocale: 'xx' } } });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json<Problem>().errors?.map((e) => e.field).sort(), ['settings.branding.primaryColor', 'settings.defaultLocale']);
    const created = await callAdmin(server, platform, 'POST', '/tenants', { body: { slug: 'shop', name: 'Shop', settings: { branding: { name: 'The Shop' } } } });
    assert.equal(created.statusCode, 201, created.body);
    const tenant = created.json<TenantJson>();
    assert.equal(tenant.slug, 'shop');
    assert.match(tenant.issuer, /\/t\/shop$/);
    assert.deepEqual(tenant.settings, { branding: { name: 'The Shop' } });
    assert.match(String(created.headers['location']), /\/admin\/api\/v1\/tenants\/shop$/);
    assert.ok(created.headers['etag']);
    const taken = await callAdmin(server, platform, 'POST', '/tenants', { body: { slug: 'shop', name: 'Again' } });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json<Problem>().code, 'tenant.slug_taken');
  });

  test('create honours Idempotency-Key: a repeat gets the first answer, no second tenant', async () => {
    const headers = { 'idempotency-key': 'create-outlet-1' };
    const first = await callAdmin(server, platform, 'POST', '/tenants', { body: { slug: 'outlet', name: 'Outlet' }, headers });
    const again = await callAdmin(server, platform, 'POST', '/tenants', { body: { slug: 'outlet', name: 'Outlet' }, headers });
    assert.equal(first.statusCode, 201);
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json<TenantJson>().id, first.json<TenantJson>().id);
  });

  test('list pages by cursor, oldest first, never showing the admin tenant', async () => {
    const slugs: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await callAdmin(server, reader, 'GET', `/tenants?limit=2${query}`);
      assert.equal(page.statusCode, 200);
      const body = page.json<{ items: TenantJson[]; next_cursor: string | null }>();
      assert.ok(body.items.length <= 2);
      slugs.push(...body.items.map((t) => t.slug));
      cursor = body.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(slugs, ['default', 'acme', 'globex', 'shop', 'outlet']);
    const forged = await callAdmin(server, reader, 'GET', '/tenants?cursor=bm90LWEtY3Vyc29y');
    assert.equal(forged.statusCode, 400);
  });

  test('read with an ETag; a merge patch with If-Match changes what it names; a stale If-Match is 412', async () => {
    const read = await callAdmin(server, reader, 'GET', '/tenants/shop');
    assert.equal(read.statusCode, 200);
    const etag = String(read.headers['etag']);
    const patch = { name: 'Shop & Co', settings: { branding: { primaryColor: '#112233' }, mail: { from: 'Shop <no-reply@shop.example>' } } };
    const changed = await callAdmin(server, platform, 'PATCH', '/tenants/shop', { body: patch, headers: { 'if-match': etag, 'content-type': 'application/merge-patch+json' } });
    assert.equal(changed.statusCode, 200, changed.body);
    const tenant = changed.json<TenantJson>();
    assert.equal(tenant.name, 'Shop & Co');
    assert.deepEqual(tenant.settings, { branding: { name: 'The Shop', primaryColor: '#112233' }, mail: { from: 'Shop <no-reply@shop.example>' } });
    assert.notEqual(changed.headers['etag'], etag);
    const stale = await callAdmin(server, platform, 'PATCH', '/tenants/shop', { body: { name: 'Lost' }, headers: { 'if-match': etag } });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.json<Problem>().code, 'request.precondition_failed');
    const removed = await callAdmin(server, platform, 'PATCH', '/tenants/shop', { body: { settings: { mail: null } } });
    assert.deepEqual(removed.json<TenantJson>().settings, { branding: { name: 'The Shop', primaryColor: '#112233' } });
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/shop')).headers['etag'], removed.headers['etag'], 'the ETag of a read is that of the change');
  });

  test('a patch that makes the settings invalid changes nothing and names each field', async () => {
    const before = await callAdmin(server, reader, 'GET', '/tenants/shop');
    const refused = await callAdmin(server, platform, 'PATCH', '/tenants/shop', { body: { settings: { identitySchema: { type: 'object', properties: {} }, apis: [{ identifier: 'nope' }] } } });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json<Problem>().errors?.map((e) => e.field).sort(), ['settings.apis.0.identifier', 'settings.identitySchema']);
    const unknown = await callAdmin(server, platform, 'PATCH', '/tenants/shop', { body: { slug: 'renamed' } });
    assert.equal(unknown.statusCode, 400, 'the slug never changes');
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/shop')).headers['etag'], before.headers['etag']);
  });

  test('changes are audited with the machine as the actor and the fields that changed', async () => {
    const shop = (await callAdmin(server, reader, 'GET', '/tenants/shop')).json<TenantJson>();
    const [entry] = await server.stores.audit.search(shop.id, { action: 'tenant.updated' }, { limit: 1 });
    assert.equal(entry?.actor.type, 'machine');
    assert.deepEqual(entry?.details, { changed: ['settings.mail'] });
  });

  test('delete: refused with customers or applications, for the default tenant; the admin tenant is not there', async () => {
    const acme = await server.stores.tenants.findBySlug('acme');
    await registerApplication(server, acme!.id, { name: 'App', kind: 'machine' });
    const busy = await callAdmin(server, platform, 'DELETE', '/tenants/acme');
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json<Problem>().code, 'tenant.not_empty');
    const protectedTenant = await callAdmin(server, platform, 'DELETE', '/tenants/default');
    assert.equal(protectedTenant.statusCode, 409);
    assert.equal(protectedTenant.json<Problem>().code, 'tenant.protected');
    for (const method of ['GET', 'DELETE', 'PATCH'] as const) {
      const admin = await callAdmin(server, platform, method, '/tenants/admin', method === 'PATCH' ? { body: { name: 'x' } } : {});
      assert.equal(admin.statusCode, 404, method);
    }
  });

  test('delete: an empty tenant goes, with If-Match; it is gone at once on this node', async () => {
    const read = await callAdmin(server, reader, 'GET', '/tenants/outlet');
    const stale = await callAdmin(server, platform, 'DELETE', '/tenants/outlet', { headers: { 'if-match': '"stale"' } });
    assert.equal(stale.statusCode, 412);
    const deleted = await callAdmin(server, platform, 'DELETE', '/tenants/outlet', { headers: { 'if-match': String(read.headers['etag']) } });
    assert.equal(deleted.statusCode, 204);
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/outlet')).statusCode, 404);
    assert.equal((await server.app.inject({ method: 'GET', url: '/t/outlet/.well-known/openid-configuration' })).statusCode, 404);
  });

  test('scopes: reading needs tenants:read, changing tenants:write', async () => {
    assert.equal((await callAdmin(server, reader, 'PATCH', '/tenants/shop', { body: { name: 'x' } })).statusCode, 403);
    assert.equal((await callAdmin(server, reader, 'POST', '/tenants', { body: { slug: 'nope', name: 'x' } })).statusCode, 403);
    assert.equal((await callAdmin(server, reader, 'DELETE', '/tenants/shop')).statusCode, 403);
    const noTenants = await machineToken(server, ['audit:read']);
    assert.equal((await callAdmin(server, noTenants, 'GET', '/tenants')).statusCode, 403);
    assert.equal((await callAdmin(server, undefined, 'GET', '/tenants')).statusCode, 401);
  });

  test('a credential bound to one tenant sees only it: another tenant is 404 for reads and changes, and it creates none', async () => {
    const list = await callAdmin(server, boundToAcme, 'GET', '/tenants');
    assert.deepEqual(list.json<{ items: TenantJson[] }>().items.map((t) => t.slug), ['acme']);
    assert.equal((await callAdmin(server, boundToAcme, 'GET', '/tenants/acme')).statusCode, 200);
    for (const [method, options] of [['GET', {}], ['PATCH', { body: { name: 'Taken over' } }], ['DELETE', {}]] as const) {
      const other = await callAdmin(server, boundToAcme, method, '/tenants/globex', options);
      assert.equal(other.statusCode, 404, method);
      assert.equal(other.json<Problem>().code, 'tenant.not_found');
    }
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/globex')).json<TenantJson>().name, 'globex', 'unchanged');
    assert.equal((await callAdmin(server, boundToAcme, 'POST', '/tenants', { body: { slug: 'sneaky', name: 'Sneaky' } })).statusCode, 403);
  });
});
