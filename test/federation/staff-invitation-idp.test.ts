// An invited staff member who signs in through the workforce IdP instead of choosing a password
// (issue 19): on a connection of the admin tenant without a role mapping (roles stay in Foyer), the
// IdP's verified email matching an open invitation makes them staff with the invitation's role and
// spends the invitation; they keep the role at later sign-ins; the invitation page names the
// connection; someone uninvited, or whose address the IdP does not vouch for, is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, staffToken } from '../helpers/admin.ts';
import { linkIn } from '../helpers/mailbox.ts';
import { startUpstreamIdp } from '../helpers/upstream-idp.ts';
import type { UpstreamIdp } from '../helpers/upstream-idp.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { ADMIN_API_PATH } from '../../src/http/admin/admin-resource.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

const CONSOLE_CALLBACK = 'https://console.example.test/callback';
const SECRET = 'workforce-client-secret-0123456789';

describeEachEngine('staff invitations accepted through the workforce IdP', (current) => {
  let node: ListeningServer;
  let upstream: UpstreamIdp;
  let rp: client.Configuration;
  let owner: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    upstream = await startUpstreamIdp({ clientId: 'foyer-admin', clientSecret: SECRET, redirectUris: [`${node.url}/t/admin/federation/callback`] });
    const deps = { transaction: node.server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false };
    await createConnection(deps, node.server.adminTenant, { id: 'workforce', kind: 'oidc', displayName: 'Company SSO', clientId: 'foyer-admin', clientSecret: SECRET, issuer: upstream.issuer, trustEmailVerified: true }, SYSTEM_ACTOR);
    const consoleApp = await createApplication({ transaction: node.server.transaction }, node.server.adminTenant.id, { name: 'Console', kind: 'web', redirectUris: [CONSOLE_CALLBACK] }, SYSTEM_ACTOR);
    rp = await relyingParty(`${node.url}/t/admin`, consoleApp);
    ({ token: owner } = await staffToken(node, 'owner'));
  });
  after(async () => {
    await node?.stop();
    await upstream?.stop();
  });

  async function signIn(subject: string) {
    const browser = createBrowserSession();
    let ended: Awaited<ReturnType<typeof browser.open>> | undefined;
    const flow = authorizationCodeFlow(rp, { redirectUri: CONSOLE_CALLBACK, scope: 'openid admin', parameters: { resource: `${node.url}${ADMIN_API_PATH}` } }, async (url) => {
      const page = await browser.open(url);
      const out = await browser.submit(requireForm(page, isAction('/federation')), { connection: 'workforce' });
      ended = await browser.drive(await browser.open(await upstream.signIn(out.redirectedTo!, subject)), { consent: true });
      if (!ended.redirectedTo) throw new Error(`refused: ${ended.status}`);
      return ended.redirectedTo;
    });
    return { flow, ended: () => ended };
  }

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
