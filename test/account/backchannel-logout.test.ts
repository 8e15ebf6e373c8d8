// Sessions ended from the account portal reach the applications signed in through them by
// back-channel logout, as RP-initiated logout does: signing another browser out, removing an
// application's access, deleting the account, and a password reset by recovery. Over HTTP, with a real application server that
// receives the logout tokens, verified against the tenant's JWKS. The tokens leave from the outbox
// after the change committed, so each test waits for them to arrive.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import type { LogoutReceiver } from '../helpers/logout-receiver.ts';
import { createBrowserSession, findForm, formsOf, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { codeIn } from '../helpers/mailbox.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const SHOP_CALLBACK = 'https://shop.example.test/callback';
const QUIET_CALLBACK = 'https://quiet.example.test/callback';

describeEachEngine('back-channel logout from the account portal', (current) => {
  let node: ListeningServer;
  let receiver: LogoutReceiver;
  let shop: RegisteredApplication;
  let shopRp: client.Configuration;
  let quietRp: client.Configuration;

  before(async () => {
    receiver = await startLogoutReceiver();
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    // Third-party, so that the portal lists it under applications with a button to remove it.
    shop = await registerApplication(node.server, tenantId, { name: 'Shop', kind: 'web', firstParty: false, redirectUris: [SHOP_CALLBACK], backchannelLogoutUri: receiver.url });
    const quiet = await registerApplication(node.server, tenantId, { name: 'Quiet', kind: 'web', redirectUris: [QUIET_CALLBACK] });
    [shopRp, quietRp] = await Promise.all([relyingParty(node.url, shop), relyingParty(node.url, quiet)]);
  });
  beforeEach(() => {
    receiver.received.splice(0);
  });
  after(async () => {
    await node?.stop();
    await receiver?.close();
  });

  /** Signs a customer in to Shop (and to Quiet, which asked for no back-channel logout) in `browser`; the `sid` Shop's ID token carries. */
  async function signInToApps(browser: BrowserSession, email: string, signUp: boolean): Promise<{ sub: string; sid: string }> {
    const credentials = { email, password: PASSWORD };
    const shopFlow = await authorizationCodeFlow(shopRp, { redirectUri: SHOP_CALLBACK }, (url) => (signUp ? browser.signUpAndAuthorize(url, credentials) : browser.signInAndAuthorize(url, credentials)));
    await authorizationCodeFlow(quietRp, { redirectUri: QUIET_CALLBACK }, (url) => browser.authorize(url));
    assert.equal(typeof shopFlow.claims.sid, 'string');
    return { sub: shopFlow.claims.sub, sid: shopFlow.claims.sid as string };
  }

  /**
   * The logout tokens Shop received, verified: signed by the tenant, for Shop, of the back-channel
   * logout event. They leave from the outbox after commit: once the first is in, the outbox is
   * drained (runOnce) so that a second one, if any were sent, would be there too.
   */
  async function logoutTokens() {
    await receiver.arrived(1);
    await node.server.outboxDispatcher.runOnce();
    const jwks = createRemoteJWKSet(new URL(shopRp.serverMetadata().jwks_uri!));
    return Promise.all(
      receiver.received.map(async (token) => {
        const { payload } = await jwtVerify(token, jwks, { issuer: node.url, audience: shop.application.id, typ: 'logout+jwt' });
        assert.deepEqual(payload['events'], { 'http://schemas.openid.net/event/backchannel-logout': {} });
        return { sub: payload.sub, sid: payload['sid'] };
      }),
    );
  }

  async function openPortal(browser: BrowserSession) {
    const page = await browser.open(`${node.url}/account`);
    assert.equal(page.url.pathname, '/account', textOf(page.html).slice(0, 200));
    return page;
  }

  test('signing another browser out from the portal tells the application signed in there, once, with that session id', async () => {
    const email = uniqueEmail('bc-session');
    const phone = createBrowserSession({ mailbox: node.server.mailbox });
    const signedIn = await signInToApps(phone, email, true);
    const laptop = createBrowserSession({ mailbox: node.server.mailbox });
    await laptop.drive(await laptop.open(`${node.url}/account`), { credentials: { email, password: PASSWORD } });
    receiver.received.splice(0);

    const sessions = await laptop.open(`${node.url}/account/sessions`);
    const [revoke] = formsOf(sessions).filter(isAction('/account/sessions/revoke'));
    await laptop.submit(revoke!);
    assert.deepEqual(await logoutTokens(), [signedIn]);
    // The phone's session is gone: Shop asks it to sign in again.
    const again = await phone.open(client.buildAuthorizationUrl(shopRp, { redirect_uri: SHOP_CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }));
    assert.ok(findForm(again, isAction('/signin')));
  });

  test("removing an application's access logs it out of the sessions it was signed in through", async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const signedIn = await signInToApps(browser, uniqueEmail('bc-app'), true);
    const applications = await browser.open(`${node.url}/account/applications`);
    await openPortal(browser);
    receiver.received.splice(0);
    await browser.submit(requireForm(applications, isAction('/account/applications/revoke')));
    assert.deepEqual(await logoutTokens(), [signedIn]);
  });

  test('a password reset by recovery ends every session, and the applications hear of it', async () => {
    const email = uniqueEmail('bc-recovery');
    const signedIn = await signInToApps(createBrowserSession({ mailbox: node.server.mailbox }), email, true);
    receiver.received.splice(0);
    const other = createBrowserSession({ mailbox: node.server.mailbox });
    const signInPage = await other.open(client.buildAuthorizationUrl(shopRp, { redirect_uri: SHOP_CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }));
    const recoveryLink = /href="([^"]*screen=recovery[^"]*)"/.exec(signInPage.html)?.[1];
    const recovery = await other.open(new URL(recoveryLink!.replaceAll('&amp;', '&'), signInPage.url));
    const codePage = await other.submit(requireForm(recovery, isAction('/recovery')), { email });
    const passwordPage = await other.submit(requireForm(codePage, isAction('/code')), { code: codeIn(await node.server.mailbox.next(email, 'recover_password')) });
    const done = await other.submit(requireForm(passwordPage, isAction('/recovery/password')), { password: 'a brand new passphrase 77' });
    assert.ok(done.redirectedTo?.searchParams.get('code'), 'the reset signs the owner in anew');
    assert.deepEqual(await logoutTokens(), [signedIn]);
  });

  test('deleting the account logs out every application that asked to hear of it', async () => {
    const email = uniqueEmail('bc-delete');
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const signedIn = await signInToApps(browser, email, true);
    const confirm = await browser.open(`${node.url}/account/delete`);
    receiver.received.splice(0);
    await browser.submit(requireForm(confirm, isAction('/account/delete')), { confirm: email });
    assert.deepEqual(await logoutTokens(), [signedIn]);
  });
});
