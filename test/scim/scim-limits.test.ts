// Each SCIM credential has its own rate limit (ADMIN_API_RATE_LIMIT a minute), counted apart from
// the admin API's: past it, a SCIM error with status 429 and Retry-After; another credential, and
// the same credential on the admin API, are unaffected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { callScim, scimToken } from '../helpers/scim.ts';

describeEachEngine('SCIM: rate limit per credential', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine, { ADMIN_API_RATE_LIMIT: '3' });
  });
  after(() => server.close());

  test('the fourth request in a minute is a 429 SCIM error; others are unaffected', async () => {
    const token = await machineToken(server, ['scim', 'tenants:read']);
    for (let request = 0; request < 3; request++) assert.equal((await callScim(server, token, 'GET', '/ServiceProviderConfig')).statusCode, 200);
    const refused = await callScim(server, token, 'GET', '/Users');
    assert.equal(refused.statusCode, 429, refused.body);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.deepEqual(refused.json<{ schemas: string[]; status: string }>().schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(refused.json<{ status: string }>().status, '429');
    assert.equal((await callScim(server, await scimToken(server), 'GET', '/Users')).statusCode, 200, 'another credential');
    assert.equal((await callAdmin(server, token, 'GET', '/tenants/default')).statusCode, 200, 'the admin API counts apart');
  });
});
