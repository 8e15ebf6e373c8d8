// Staff sign in to the admin side through the company's workforce IdP (a real upstream
// oidc-provider): a connection of the admin tenant maps the IdP's `groups` claim to staff roles; a
// member of the support group gets a token for the admin API with support's rights and no more, and
// the role follows the IdP at each sign-in; someone without a mapped group is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { textOf } from '../helpers/browser-session.ts';
import { uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import type { UpstreamIdp } from '../helpers/upstream-idp.ts';
import { signedInUpstreamAs, startStaffConsole, startWorkforceIdp, WORKFORCE_CLIENT } from '../helpers/workforce-idp.ts';
import type { StaffConsole } from '../helpers/workforce-idp.ts';

describeEachEngine('staff sign-in through the workforce IdP', (current) => {
  let node: ListeningServer;
  let upstream: UpstreamIdp;
  let staffConsole: StaffConsole;

  before(async () => {
    node = await startListeningServer(current().engine);
    upstream = await startWorkforceIdp(node);
    // Made through the admin API, as an owner would: the admin tenant's connections are under
    // /admin-connections (staff:write); /tenants/admin/… reaches no tenant.
    const body = {
      id: 'workforce', kind: 'oidc', display_name: 'Company SSO', client_id: WORKFORCE_CLIENT.clientId, client_secret: WORKFORCE_CLIENT.clientSecret, issuer: upstream.issuer, trust_email_verified: true,
      role_mapping: { claim: 'groups', roles: { 'foyer-support': 'support', 'foyer-admins': 'admin' } },
    };
    const tenantsOnly = await machineToken(node.server, ['tenants:read', 'tenants:write']);
    assert.equal((await callAdmin(node.server, tenantsOnly, 'POST', '/admin-connections', { body })).statusCode, 403, 'tenants:write does not reach the workforce IdPs');
    assert.equal((await callAdmin(node.server, tenantsOnly, 'POST', '/tenants/admin/connections', { body })).statusCode, 404);
    const owner = await machineToken(node.server, ['staff:write']);
    const created = await callAdmin(node.server, owner, 'POST', '/admin-connections', { body });
    assert.equal(created.statusCode, 201, created.body);
    assert.match(String(created.headers['location']), /\/admin-connections\/workforce$/);
    const listed = (await callAdmin(node.server, owner, 'GET', '/admin-connections')).json<{ items: { id: string; redirect_uri: string }[] }>().items;
    assert.deepEqual(listed.map((connection) => connection.id), ['workforce']);
    assert.match(listed[0]!.redirect_uri, /\/t\/admin\/federation\/callback$/);
    staffConsole = await startStaffConsole(node);
  });
  after(async () => {
    await node?.stop();
    await upstream?.stop();
  });

  /** Signs in on the admin tenant's page with the workforce button as `subject`. */
  const signIn = (subject: string) => staffConsole.signIn('workforce', signedInUpstreamAs(upstream, subject));

  test('a member of the support group gets support’s rights and no more; the role follows the IdP', async () => {
    const email = uniqueEmail('sam');
    upstream.accounts.set('sam', { email, email_verified: true, name: 'Sam', groups: ['staff', 'foyer-support'] });
    const { tokens, claims } = await (await signIn('sam')).flow;
    assert.deepEqual(claims['amr'], ['fed']);
    const token = tokens.access_token;
    assert.equal((await callAdmin(node.server, token, 'GET', '/tenants')).statusCode, 200);
    assert.equal((await callAdmin(node.server, token, 'GET', '/tenants/default/customers')).statusCode, 200, 'customers:read');
    assert.equal((await callAdmin(node.server, token, 'GET', '/tenants/default/stats/sign-ups')).statusCode, 403, 'no stats:read');
    assert.equal((await callAdmin(node.server, token, 'POST', '/tenants/default/applications', { body: { name: 'X', kind: 'machine' } })).statusCode, 403, 'no apps:write');
    assert.equal((await callAdmin(node.server, token, 'POST', '/staff', { body: { email: uniqueEmail('x'), role: 'owner', password: 'a long enough password 1' } })).statusCode, 403, 'no staff:write');
    const staff = await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', email);
    assert.equal(staff?.metadataAdmin['role'], 'support');

    // Moved to the admins' group at the IdP: the next sign-in makes them admin.
    upstream.accounts.set('sam', { email, email_verified: true, groups: ['foyer-admins'] });
    const again = await (await signIn('sam')).flow;
    assert.equal(again.claims.sub, claims.sub);
    assert.equal((await node.server.stores.identities.findById(node.server.adminTenant.id, claims.sub))?.metadataAdmin['role'], 'admin');
    // The admin API reads a staff member's role at most five seconds old (http/admin/credentials.ts).
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    assert.equal((await callAdmin(node.server, again.tokens.access_token, 'POST', '/tenants/default/applications', { body: { name: 'X', kind: 'machine' } })).statusCode, 201);
  });

  test('someone without a mapped group is refused and no staff member is made', async () => {
    const email = uniqueEmail('eve');
    upstream.accounts.set('eve', { email, email_verified: true, groups: ['marketing'] });
    const attempt = await signIn('eve');
    await assert.rejects(attempt.flow, /refused: 403/);
    assert.match(textOf(attempt.ended()!.html), /created by the administrators/);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', email), undefined);
  });
});
