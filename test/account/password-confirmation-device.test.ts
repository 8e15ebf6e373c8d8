// Confirming the current password in the account portal or the Account API is counted like a
// sign-in, so it follows the sign-in's device rule too (SECURITY.md 7): the owner's browser (its
// device cookie) or app (its device_token) confirms on its own key while someone elsewhere keeps
// the account-wide key throttled; without a device token the same confirmation waits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { keepAccountThrottled } from '../helpers/account-lockout.ts';

const CALLBACK = 'https://web.example.test/callback';

describeEachEngine('password confirmation with a device token', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    rp = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  async function customer(label: string): Promise<string> {
    const email = uniqueEmail(label);
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, node.server.defaultTenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    return email;
  }

  /**
   * Someone guessing the password as fast as the account-wide key allows, for the next minute
   * (recorded ahead of time in the server's throttle store: keepAccountThrottled): the right password without a device token waits a minute at least.
   */
  async function lockOut(email: string) {
    await keepAccountThrottled(node.server, node.server.defaultTenant.id, email);
  }

  async function apiSignIn(email: string) {
    const flow = (await node.server.app.inject({ method: 'POST', url: '/flows/login' })).json() as { id: string };
    const signedIn = await node.server.app.inject({ method: 'POST', url: `/flows/login/${flow.id}`, payload: { identifier: email, password: PASSWORD } });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    return signedIn.json().device_token as string;
  }

  test('the portal’s password change confirms the current password on the browser’s device key', async () => {
    const email = await customer('portaldevice');
    const browser = createBrowserSession();
    const form = requireForm(await browser.drive(await browser.open(`${node.url}/account/password`), { credentials: { email, password: PASSWORD } }), isAction('/account/password'));
    assert.match(browser.cookiesFor(`${node.url}/account/password`), /foyer_device=/, 'the sign-in’s device cookie reaches the portal');

    await lockOut(email);
    const done = await browser.submit(form, { current_password: PASSWORD, new_password: 'another long passphrase 9' });
    assert.equal(done.status, 200, textOf(done.html).slice(0, 300));
    assert.equal(done.url.search, '?done=password');

    // The account-wide key is still throttled: a sign-in without the device's token waits.
    const flow = (await node.server.app.inject({ method: 'POST', url: '/flows/login' })).json() as { id: string };
    const other = await node.server.app.inject({ method: 'POST', url: `/flows/login/${flow.id}`, payload: { identifier: email, password: 'another long passphrase 9' } });
    assert.equal(other.statusCode, 429);
  });

  test('the Account API confirms the current password on the app’s device key when it sends device_token', async () => {
    const email = await customer('apidevice');
    const deviceToken = await apiSignIn(email);
    const { tokens } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid account' }, (url) => createBrowserSession().signInAndAuthorize(url, { email, password: PASSWORD }));
    const change = (body: Record<string, string>) =>
      fetch(`${node.url}/api/account/password`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    await lockOut(email);
    const refused = await change({ current_password: PASSWORD, new_password: 'another long passphrase 9' });
    assert.equal(refused.status, 429, 'without a device token: the account-wide key');
    const changed = await change({ current_password: PASSWORD, new_password: 'another long passphrase 9', device_token: deviceToken });
    assert.equal(changed.status, 204, await changed.text());
  });
});
