// `session.ended` through HTTP on both engines: an application's RP-initiated logout, the account
// portal's sign-out (the same endpoint, the portal's client) and a native app's sign-out through the
// JSON flows API each deliver it to a subscription, signed and in the documented envelope; with no
// subscription of the tenant taking it, a sign-out records nothing; a second sign-out of an app
// session that ended already is refused and records nothing either. A password reset, which ends
// every session, is delivered as session.revoked (all).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, requireForm } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { ACCOUNT_CLIENT_ID } from '../../src/http/oidc/account-client.ts';
import { codeIn } from '../helpers/mailbox.ts';

const CALLBACK = 'https://web.example.test/callback';
const SIGNED_OUT = 'https://web.example.test/signed-out';

describeEachEngine('session.ended', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let rp: client.Configuration;
  let token: string;
  let receiver: WebhookReceiver;

  before(async () => {
    node = await startListeningServer(current().engine);
    web = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: [CALLBACK], postLogoutRedirectUris: [SIGNED_OUT] });
    rp = await relyingParty(node.url, web);
    token = await machineToken(node.server, ['subscriptions:read', 'subscriptions:write', 'customers:write']);
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await node?.stop();
    await receiver?.close();
  });

  const endedRows = async (identityId: string) => (await node.server.database.db.selectFrom('outbox_events').select('payload').where('aggregate_id', '=', identityId).where('type', '=', 'session.ended').execute()).length;
  const identityOf = async (email: string) => (await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email))!.id;

  /** Signs up through the web application, then signs out there (RP-initiated logout, confirmed). */
  async function signUpAndSignOut(browser: BrowserSession, email: string): Promise<void> {
    const { tokens } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));
    const confirmation = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT }));
    const done = await browser.submit(requireForm(confirmation, (form) => form.id === 'op.logoutForm'), { logout: 'yes' });
    assert.equal(done.redirectedTo?.href, SIGNED_OUT);
  }

  /** A native app's sign-in through the JSON flows API: its session token. */
  async function appSignIn(email: string): Promise<string> {
    const created = await callAdmin(node.server, token, 'POST', '/tenants/default/customers', { body: { traits: { email }, password: PASSWORD, verified: true } });
    assert.equal(created.statusCode, 201, created.body);
    const flow = (await (await fetch(`${node.url}/flows/login`, { method: 'POST' })).json()) as { id: string };
    const signedIn = await fetch(`${node.url}/flows/login/${flow.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: email, password: PASSWORD }) });
    assert.equal(signedIn.status, 200, await signedIn.clone().text());
    return ((await signedIn.json()) as { session: { token: string } }).session.token;
  }
  const appSignOut = (sessionToken: string) => fetch(`${node.url}/sessions/current`, { method: 'DELETE', headers: { authorization: `Bearer ${sessionToken}` } });

  test('with no subscription taking it, signing out records no session.ended', async () => {
    const email = uniqueEmail('quiet-out');
    await signUpAndSignOut(createBrowserSession({ mailbox: node.server.mailbox }), email);
    const appEmail = uniqueEmail('quiet-app');
    assert.equal((await appSignOut(await appSignIn(appEmail))).status, 204);
    assert.equal(await endedRows(await identityOf(email)), 0);
    assert.equal(await endedRows(await identityOf(appEmail)), 0);
  });

  test('an application’s RP-initiated logout, the portal’s sign-out and a native app’s sign-out are delivered as session.ended', async () => {
    const subscribed = await callAdmin(node.server, token, 'POST', '/tenants/default/subscriptions', { body: { url: receiver.url, event_types: ['session.ended'] } });
    assert.equal(subscribed.statusCode, 201, subscribed.body);
    receiver.secrets = [subscribed.json<{ secret: string }>().secret];
    const start = receiver.received.length;

    // The web application's logout.
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('rp-out');
    await signUpAndSignOut(browser, email);
    const customer = await identityOf(email);
    const [fromApplication] = (await receiver.waitFor(start + 1)).slice(start);
    assert.deepEqual(fromApplication!.verifiedWith, [0]);
    assert.equal(fromApplication!.body.type, 'session.ended');
    assert.equal(fromApplication!.body.customer, customer);
    assert.equal(fromApplication!.body.application, web.application.id);
    assert.deepEqual(fromApplication!.body.data, { reason: 'signed_out', kind: 'browser', applicationId: web.application.id });

    // The portal's sign-out: the same endpoint, as the portal's own client.
    const portal = await browser.drive(await browser.open(`${node.url}/account`), { credentials: { email, password: PASSWORD } });
    assert.equal(portal.url.pathname, '/account');
    const signOut = requireForm(portal, (form) => form.action.pathname === '/session/end');
    const confirmation = await browser.open(`${signOut.action.href}?${new URLSearchParams(signOut.fields)}`);
    await browser.submit(requireForm(confirmation, (form) => form.id === 'op.logoutForm'), { logout: 'yes' });
    const [fromPortal] = (await receiver.waitFor(start + 2)).slice(start + 1);
    assert.equal(fromPortal!.body.customer, customer);
    assert.deepEqual(fromPortal!.body.data, { reason: 'signed_out', kind: 'browser', applicationId: ACCOUNT_CLIENT_ID });

    // A native app's sign-out; a second one is refused and records nothing.
    const appEmail = uniqueEmail('app-out');
    const sessionToken = await appSignIn(appEmail);
    assert.equal((await appSignOut(sessionToken)).status, 204);
    const [fromApp] = (await receiver.waitFor(start + 3)).slice(start + 2);
    assert.equal(fromApp!.body.customer, await identityOf(appEmail));
    assert.deepEqual(fromApp!.body.data, { reason: 'signed_out', kind: 'app' });
    const again = await appSignOut(sessionToken);
    assert.equal(again.status, 401);
    assert.equal(again.headers.get('content-type')?.startsWith('application/problem+json'), true);
    assert.equal(await endedRows(await identityOf(appEmail)), 1);
    await callAdmin(node.server, token, 'DELETE', `/tenants/default/subscriptions/${subscribed.json<{ subscription: { id: string } }>().subscription.id}`);
  });

  test('a password reset, which ends every session, is delivered as session.revoked (all)', async () => {
    const subscribed = await callAdmin(node.server, token, 'POST', '/tenants/default/subscriptions', { body: { url: receiver.url, event_types: ['session.revoked', 'session.ended'] } });
    assert.equal(subscribed.statusCode, 201, subscribed.body);
    const start = receiver.received.length;
    const email = uniqueEmail('reset');
    const sessionToken = await appSignIn(email);
    const post = (path: string, body?: unknown) => fetch(`${node.url}${path}`, { method: 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const flow = (await (await post('/flows/recovery')).json()) as { id: string };
    assert.equal((await post(`/flows/recovery/${flow.id}`, { email })).status, 200);
    const code = codeIn(await node.server.mailbox.next(email, 'recover_password'));
    assert.equal((await post(`/flows/recovery/${flow.id}/code`, { code })).status, 200);
    const reset = await post(`/flows/recovery/${flow.id}/password`, { password: 'a brand new passphrase for events' });
    assert.equal(reset.status, 200, await reset.clone().text());
    assert.equal((await fetch(`${node.url}/sessions/whoami`, { headers: { authorization: `Bearer ${sessionToken}` } })).status, 401, 'the app session ended');
    const [revoked] = (await receiver.waitFor(start + 1)).slice(start);
    assert.equal(revoked!.body.type, 'session.revoked');
    assert.equal(revoked!.body.customer, await identityOf(email));
    assert.deepEqual(revoked!.body.data, { kind: 'all' });
    await callAdmin(node.server, token, 'DELETE', `/tenants/default/subscriptions/${subscribed.json<{ subscription: { id: string } }>().subscription.id}`);
  });
});
