// Staff sign in to the admin side through a SAML workforce IdP (a real IdP on loopback,
// test/helpers/saml-idp.ts): a SAML connection of the admin tenant maps the assertion's `groups`
// attribute to staff roles, as the OpenID Connect workforce IdP maps its claim. A member of the
// support group gets an admin API token with support's rights and no more; someone without a
// mapped group is refused and no staff member is made.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { textOf } from '../helpers/browser-session.ts';
import { SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin } from '../helpers/admin.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { startStaffConsole } from '../helpers/workforce-idp.ts';
import type { StaffConsole } from '../helpers/workforce-idp.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { createSamlSetup } from '../../src/infra/federation/saml-service-provider.ts';
import { postAnswer, startSamlIdp } from '../helpers/saml-idp.ts';
import type { SamlAccount, SamlIdp } from '../helpers/saml-idp.ts';

const GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups';

describeEachEngine('staff sign-in through a SAML workforce IdP', (current) => {
  let node: ListeningServer;
  let idp: SamlIdp;
  let staffConsole: StaffConsole;

  before(async () => {
    node = await startListeningServer(current().engine);
    idp = await startSamlIdp();
    // The admin API serves customer tenants only: the admin tenant's connection is made by the use case the CLI calls (`foyer connections create --tenant admin`).
    const deps = { transaction: node.server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false, saml: createSamlSetup(globalThis.fetch) };
    const connection = await createConnection(deps, node.server.adminTenant, {
      id: 'workforce-saml', kind: 'saml', displayName: 'Company SAML', saml: { metadataXml: idp.metadataXml }, trustEmailVerified: true,
      roleMapping: { claim: GROUPS, roles: { 'foyer-support': 'support', 'foyer-admins': 'admin' } },
    }, SYSTEM_ACTOR);
    assert.equal(connection.saml?.entityId, idp.entityId);
    staffConsole = await startStaffConsole(node);
  });
  after(async () => {
    await node?.stop();
    await idp?.stop();
  });

  /** Signs in on the admin tenant's page with the SAML button, answered by the IdP for `account`. */
  const signIn = (account: SamlAccount) => staffConsole.signIn('workforce-saml', async (idpUrl, browser) => postAnswer(browser, await idp.answer(idpUrl, account)));

  test('a member of the support group gets support’s rights and no more', async () => {
    const email = uniqueEmail('saml-sam');
    const { tokens, claims } = await (await signIn({ nameId: 'sam-00u1', attributes: { email, [GROUPS]: ['staff', 'foyer-support'] } })).flow;
    assert.deepEqual(claims['amr'], ['fed']);
    const token = tokens.access_token;
    assert.equal((await callAdmin(node.server, token, 'GET', '/tenants')).statusCode, 200);
    assert.equal((await callAdmin(node.server, token, 'GET', '/tenants/default/customers')).statusCode, 200, 'customers:read');
    assert.equal((await callAdmin(node.server, token, 'GET', '/tenants/default/stats/sign-ups')).statusCode, 403, 'no stats:read');
    assert.equal((await callAdmin(node.server, token, 'POST', '/tenants/default/applications', { body: { name: 'X', kind: 'machine' } })).statusCode, 403, 'no apps:write');
    assert.equal((await callAdmin(node.server, token, 'POST', '/staff', { body: { email: uniqueEmail('x'), role: 'owner', password: 'a long enough password 1' } })).statusCode, 403, 'no staff:write');
    const staff = await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', email);
    assert.equal(staff?.metadataAdmin['role'], 'support');
  });

  test('someone without a mapped group is refused and no staff member is made', async () => {
    const email = uniqueEmail('saml-eve');
    const attempt = await signIn({ nameId: 'eve-00u2', attributes: { email, [GROUPS]: 'marketing' } });
    await assert.rejects(attempt.flow, /refused: 403/);
    assert.match(textOf(attempt.ended()!.html), /created by the administrators/);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', email), undefined);
  });
});
