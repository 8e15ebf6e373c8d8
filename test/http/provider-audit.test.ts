// Protocol events land in the audit log: a token revocation at the revocation endpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';

describeEachEngine('protocol audit', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
  });
  after(async () => {
    await server.stop();
  });

  test('revoking a token is audited with the client that did it', async () => {
    const { application, clientSecret } = await createApplication({ transaction: server.transaction }, server.defaultTenant.id, { name: 'Reports', kind: 'machine' }, { type: 'operator', id: 'test' });
    const basic = `Basic ${Buffer.from(`${application.id}:${clientSecret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
    const issued = await server.app.inject({ method: 'POST', url: '/token', headers: form, payload: 'grant_type=client_credentials' });
    assert.equal(issued.statusCode, 200, issued.body);
    const token = issued.json().access_token as string;
    const revoked = await server.app.inject({ method: 'POST', url: '/token/revocation', headers: form, payload: `token=${token}` });
    assert.equal(revoked.statusCode, 200, revoked.body);
    const introspected = await server.app.inject({ method: 'POST', url: '/token/introspection', headers: form, payload: `token=${token}` });
    assert.deepEqual(introspected.json(), { active: false });

    // The audit write does not hold up the response: wait for it briefly.
    let entry;
    for (let i = 0; i < 50 && !entry; i++) {
      entry = (await server.stores.audit.list(server.defaultTenant.id, { limit: 20 })).find((e) => e.action === 'token.revoked');
      if (!entry) await delay(10);
    }
    assert.deepEqual(entry?.actor, { type: 'client', id: application.id });
    assert.equal(JSON.stringify(entry).includes(token), false, 'the token itself is never audited');
  });
});
