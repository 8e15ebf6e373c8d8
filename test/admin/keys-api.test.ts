// /admin/api/v1/tenants/{tenant}/keys through HTTP on each engine: the list shows no key material,
// a rotation adds keys and retires the previous ones, this node's provider publishes and signs with
// the new keys at once, and a credential of another tenant gets 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';

type KeyJson = { kid: string; algorithm: string; status: string; created_at: string; retired_at: string | null; unpublish_at: string | null };

describeEachEngine('admin API: signing keys', (current) => {
  let server: TestServer;
  let keys: string;
  let reader: string;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme');
    await createTenant(server, 'globex');
    keys = await machineToken(server, ['keys:read', 'keys:write']);
    reader = await machineToken(server, ['keys:read']);
  });
  after(() => server.stop());

  const jwks = async (slug: string) => (await server.app.inject({ method: 'GET', url: `/t/${slug}/jwks` })).json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid).sort();

  test('lists the published keys with status and times only, never key material', async () => {
    const published = await jwks('acme');
    const list = await callAdmin(server, reader, 'GET', '/tenants/acme/keys');
    assert.equal(list.statusCode, 200);
    const body = list.json<{ items: KeyJson[]; next_cursor: null }>();
    assert.deepEqual(body.items.map((k) => k.kid).sort(), published);
    for (const key of body.items) assert.deepEqual(Object.keys(key).sort(), ['algorithm', 'created_at', 'kid', 'retired_at', 'status', 'unpublish_at']);
    assert.deepEqual(body.items.map((k) => k.status), ['active', 'active']);
    assert.doesNotMatch(list.body, /"(d|p|q|n|x|y)"\s*:/);
    assert.equal(body.next_cursor, null);
  });

  test('a rotation retires the previous keys and the provider publishes the new ones at once, audited', async () => {
    const before = await jwks('acme');
    const globexBefore = await jwks('globex');
    const rotated = await callAdmin(server, keys, 'POST', '/tenants/acme/keys/rotate');
    assert.equal(rotated.statusCode, 200, rotated.body);
    const { added, retired } = rotated.json<{ added: KeyJson[]; retired: KeyJson[] }>();
    assert.deepEqual(added.map((k) => k.algorithm).sort(), ['ES256', 'RS256']);
    assert.deepEqual(retired.map((k) => k.kid).sort(), before);
    assert.ok(retired.every((k) => k.status === 'retired' && k.unpublish_at !== null));
    assert.deepEqual(await jwks('acme'), [...before, ...added.map((k) => k.kid)].sort(), 'no wait for the periodic key check');
    const list = (await callAdmin(server, reader, 'GET', '/tenants/acme/keys')).json<{ items: KeyJson[] }>();
    assert.deepEqual(list.items.map((k) => k.status), ['active', 'active', 'retired', 'retired']);
    const acme = await server.stores.tenants.findBySlug('acme');
    const [entry] = await server.stores.audit.search(acme!.id, { action: 'keys.rotated' }, { limit: 1 });
    assert.equal(entry?.actor.type, 'machine');
    assert.deepEqual(await jwks('globex'), globexBefore, 'another tenant untouched');
  });

  test('a rotation repeated with the same Idempotency-Key rotates once', async () => {
    const headers = { 'idempotency-key': 'rotate-globex-1' };
    const first = await callAdmin(server, keys, 'POST', '/tenants/globex/keys/rotate', { headers });
    const again = await callAdmin(server, keys, 'POST', '/tenants/globex/keys/rotate', { headers });
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/globex/keys')).json<{ items: KeyJson[] }>().items.length, 2 + first.json<{ retired: KeyJson[] }>().retired.length);
  });

  test('rotating needs keys:write; a credential of another tenant gets 404', async () => {
    assert.equal((await callAdmin(server, reader, 'POST', '/tenants/acme/keys/rotate')).statusCode, 403);
    const acmeOnly = await machineToken(server, ['keys:read', 'keys:write'], { tenant: 'acme' });
    assert.equal((await callAdmin(server, acmeOnly, 'GET', '/tenants/acme/keys')).statusCode, 200);
    const before = await jwks('globex');
    for (const [method, path] of [['GET', '/tenants/globex/keys'], ['POST', '/tenants/globex/keys/rotate'], ['GET', '/tenants/admin/keys']] as const) {
      const answer = await callAdmin(server, acmeOnly, method, path);
      assert.equal(answer.statusCode, 404, `${method} ${path}`);
    }
    assert.deepEqual(await jwks('globex'), before);
  });
});
