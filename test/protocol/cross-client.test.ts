// Applications of one tenant cannot probe or revoke each other's tokens; only the code flow is
// offered; a tenant answers as soon as it exists.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

describeEachEngine('between applications', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
  });
  after(async () => {
    await server.stop();
  });

  async function machine(name: string) {
    const { application, clientSecret } = await createApplication({ transaction: server.transaction }, server.defaultTenant.id, { name, kind: 'machine' }, { type: 'system' });
    const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${application.id}:${clientSecret}`).toString('base64')}` };
    const post = (url: string, payload: string) => server.app.inject({ method: 'POST', url, headers, payload });
    return { post };
  }

  test('another application can neither introspect nor revoke a token', async () => {
    const owner = await machine('Owner');
    const stranger = await machine('Stranger');
    const token = (await owner.post('/token', 'grant_type=client_credentials')).json().access_token as string;
    assert.deepEqual((await stranger.post('/token/introspection', `token=${token}`)).json(), { active: false });
    await stranger.post('/token/revocation', `token=${token}`);
    assert.equal((await owner.post('/token/introspection', `token=${token}`)).json().active, true, 'the stranger did not revoke it');
    assert.equal((await owner.post('/token/revocation', `token=${token}`)).statusCode, 200);
    assert.deepEqual((await owner.post('/token/introspection', `token=${token}`)).json(), { active: false });
  });

  test('discovery offers the authorization code flow only', async () => {
    const discovery = (await server.app.inject('/.well-known/openid-configuration')).json();
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.equal(discovery.grant_types_supported.includes('implicit'), false);
  });

  test('a tenant created right after its slug was asked for answers at once', async () => {
    assert.equal((await server.app.inject('/t/brand-new/.well-known/openid-configuration')).statusCode, 404);
    const now = Date.now();
    await server.stores.tenants.create({ id: uuidv7(now), slug: 'brand-new', name: 'New', now });
    const found = await server.app.inject('/t/brand-new/.well-known/openid-configuration');
    assert.equal(found.statusCode, 200);
    assert.equal(found.json().issuer, 'http://localhost:3000/t/brand-new');
  });
});
