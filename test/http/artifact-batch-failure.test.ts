// When the database refuses what oidc-provider wrote while answering a request, the answer it
// prepared is withheld: no token, no redirect with a code, no session cookie for something that
// was never stored. The request gets a server_error (JSON, or a page for a browser) and the failure
// is logged. Over HTTP, with the database made to refuse those rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { pkcePair } from '../helpers/oidc-clients.ts';

const REFUSED_MODELS = ['ClientCredentials', 'Interaction'];

describeEachEngine('a protocol request whose writes cannot be saved', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current().engine);
  });
  after(async () => {
    await server.stop();
  });

  async function refuseWrites(): Promise<void> {
    const db = server.database.db;
    const list = REFUSED_MODELS.map((model) => `'${model}'`).join(', ');
    if (current().engine === 'postgres') {
      await sql.raw(`alter table oidc_artifacts add constraint refused_by_the_test check (model not in (${list})) not valid`).execute(db);
    } else {
      await sql.raw(`create trigger refused_by_the_test before insert on oidc_artifacts when new.model in (${list}) begin select raise(abort, 'refused by the test'); end`).execute(db);
    }
  }

  test('hands out nothing that was not stored, answers server_error, and logs it', async () => {
    const actor = { type: 'operator' as const, id: 'test' };
    const machine = await createApplication({ transaction: server.transaction }, server.defaultTenant.id, { name: 'Reports', kind: 'machine' }, actor);
    const web = await createApplication({ transaction: server.transaction }, server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: ['https://web.example.test/cb'] }, actor);
    const basic = `Basic ${Buffer.from(`${machine.application.id}:${machine.clientSecret}`).toString('base64')}`;
    const tokenRequest = () =>
      server.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, payload: 'grant_type=client_credentials' });
    const { challenge } = await pkcePair();
    const authorizationRequest = () =>
      server.app.inject({
        method: 'GET',
        url: `/auth?${new URLSearchParams({ client_id: web.application.id, response_type: 'code', scope: 'openid', redirect_uri: 'https://web.example.test/cb', code_challenge: challenge, code_challenge_method: 'S256' })}`,
        headers: { accept: 'text/html' },
      });
    assert.equal((await tokenRequest()).statusCode, 200);
    assert.equal((await authorizationRequest()).statusCode, 303);

    await refuseWrites();
    const token = await tokenRequest();
    assert.equal(token.statusCode, 500);
    assert.deepEqual(Object.keys(token.json()).sort(), ['error', 'error_description']);
    assert.equal(token.json().error, 'server_error');

    const page = await authorizationRequest();
    assert.equal(page.statusCode, 500);
    assert.equal(page.headers['location'], undefined, 'no redirect to an interaction that does not exist');
    assert.equal(page.headers['set-cookie'], undefined, 'no cookie naming it');
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /server_error/);

    const logged = server.logs.filter((line) => line['msg'] === 'saving the artifacts of a protocol request failed; its answer was withheld');
    assert.equal(logged.length, 2);
  });
});
