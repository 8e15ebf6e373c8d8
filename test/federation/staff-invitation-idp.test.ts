// An invited staff member who signs in through the workforce IdP instead of choosing a password
// (issue 19): on a connection of the admin tenant without a role mapping (roles stay in Foyer), the
// IdP's verified email matching an open invitation makes them staff with the invitation's role and
// spends the invitation; they keep the role at later sign-ins; the invitation page names the
// connection; someone uninvited, or whose address the IdP does not vouch for, is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, textOf } from '../helpers/browser-session.ts';
import { SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, staffToken } from '../helpers/admin.ts';
import { linkIn } from '../helpers/mailbox.ts';
import type { UpstreamIdp } from '../helpers/upstream-idp.ts';
import { signedInUpstreamAs, startStaffConsole, startWorkforceIdp, WORKFORCE_CLIENT } from '../helpers/workforce-idp.ts';
import type { StaffConsole } from '../helpers/workforce-idp.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

describeEachEngine('staff invitations accepted through the workforce IdP', (current) => {
  let node: ListeningServer;
  let upstream: UpstreamIdp;
  let staffConsole: StaffConsole;
  let owner: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    upstream = await startWorkforceIdp(node);
    const deps = { transaction: node.server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false };
    await createConnection(deps, node.server.adminTenant, { id: 'workforce', kind: 'oidc', displayName: 'Company SSO', ...WORKFORCE_CLIENT, issuer: upstream.issuer, trustEmailVerified: true }, SYSTEM_ACTOR);
    staffConsole = await startStaffConsole(node);
    ({ token: owner } = await staffToken(node, 'owner'));
  });
  after(async () => {
    await node?.stop();
    await upstream?.stop();
  });

  const signIn = (subject: string) => staffConsole.signIn('workforce', signedInUpstreamAs(upstream, subject));

  const invite = async (email: string, role: string) => {
    const response = await callAdmin(node.server, owner, 'POST', '/staff-invitations', { body: { email, role } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ id: string }>().id;
  };

  test('the invited address, vouched for by the IdP, becomes staff with the invitation’s role, and keeps it', async () => {
    const email = uniqueEmail('invited-by-idp');
    const id = await invite(email, 'analyst');
    const page = await createBrowserSession().open(linkIn(await node.server.mailbox.next(email, 'staff_invitation')));
    assert.match(textOf(page.html), /sign in to the console with Company SSO/, 'the page names the connection');

    upstream.accounts.set('ivy', { email, email_verified: true, name: 'Ivy' });
    const { tokens } = await (await signIn('ivy')).flow;
    const me = await callAdmin(node.server, tokens.access_token, 'GET', '/me');
    assert.equal(me.json<{ role: string }>().role, 'analyst');
    assert.equal((await callAdmin(node.server, tokens.access_token, 'GET', '/tenants/default/stats/sign-ups')).statusCode, 200, 'stats:read');
    assert.equal((await callAdmin(node.server, tokens.access_token, 'GET', '/tenants/default/applications')).statusCode, 403, 'no apps:read');
    assert.equal((await callAdmin(node.server, owner, 'GET', `/staff-invitations/${id}`)).statusCode, 404, 'the invitation is spent');
    assert.equal((await createBrowserSession().open(linkIn(await node.server.mailbox.next(email, 'staff_invitation')))).status, 404, 'its link too');
    const audit = await node.server.stores.audit.list(node.server.adminTenant.id, { limit: 10, targetId: id });
    assert.deepEqual(audit.map((event) => [event.action, event.details?.['connection'] ?? null]).reverse(), [['staff.invited', null], ['staff.invitation_accepted', 'workforce']]);

    // Roles stay in Foyer on this connection: the next sign-in keeps the role.
    const again = await (await signIn('ivy')).flow;
    assert.equal((await callAdmin(node.server, again.tokens.access_token, 'GET', '/me')).json<{ role: string }>().role, 'analyst');
  });

  test('someone not invited, or whose address the IdP does not vouch for, is refused and nothing is made', async () => {
    const stranger = uniqueEmail('stranger');
    upstream.accounts.set('stranger', { email: stranger, email_verified: true });
    const refused = await signIn('stranger');
    await assert.rejects(refused.flow, /refused: 403/);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', stranger), undefined);

    const invited = uniqueEmail('unverified');
    const id = await invite(invited, 'owner');
    upstream.accounts.set('mallory', { email: invited, email_verified: false });
    await assert.rejects((await signIn('mallory')).flow, /refused: 403/);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.adminTenant.id, 'email', invited), undefined);
    assert.equal((await callAdmin(node.server, owner, 'GET', `/staff-invitations/${id}`)).statusCode, 200, 'still open');
  });
});
