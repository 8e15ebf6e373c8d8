// Signing out (SECURITY.md 14, 24): RP-initiated logout through openid-client's end-session URL,
// what an invalid id_token_hint or an unregistered post_logout_redirect_uri lead to, and the
// back-channel logout token a web application receives on its own server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { startLogoutReceiver } from '../helpers/logout-receiver.ts';
import type { LogoutReceiver } from '../helpers/logout-receiver.ts';
import { createBrowserSession, findForm, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, pkcePair, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const CALLBACK = 'https://web.example.test/callback';
const SIGNED_OUT = 'https://web.example.test/signed-out';
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describeEachEngine('logout', (current) => {
  let node: ListeningServer;
  let receiver: LogoutReceiver;
  let web: RegisteredApplication;
  let rp: client.Configuration;

  before(async () => {
    receiver = await startLogoutReceiver();
    node = await startListeningServer(current().engine);
    web = await registerApplication(node.server, node.server.defaultTenant.id, {
      name: 'Web',
      kind: 'web',
      redirectUris: [CALLBACK],
      postLogoutRedirectUris: [SIGNED_OUT],
      backchannelLogoutUri: receiver.url,
    });
    rp = await relyingParty(node.url, web);
  });
  after(async () => {
    await node?.stop();
    await receiver?.close();
  });

  async function signedIn(browser: BrowserSession) {
    return authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('logout'), password: PASSWORD }));
  }

  /** prompt=none: answers with a code while the session lives, login_required once it is gone. */
  async function silentAuthorization(browser: BrowserSession): Promise<URL> {
    const { challenge } = await pkcePair();
    return browser.authorize(client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' }));
  }

  test('RP-initiated logout: confirmed, back to the registered URI with state, and the session and its tokens are gone', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await signedIn(browser);
    const confirmation = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT, state: 'bye-1' }));
    assert.equal(confirmation.status, 200);
    const done = await browser.submit(requireForm(confirmation, (form) => form.id === 'op.logoutForm'), { logout: 'yes' });
    assert.equal(done.redirectedTo?.href, `${SIGNED_OUT}?state=bye-1`);
    assert.equal(browser.cookieNames().includes('foyer_session'), false);

    assert.equal((await silentAuthorization(browser)).searchParams.get('error'), 'login_required');
    assert.equal((await client.tokenIntrospection(rp, tokens.access_token)).active, false);
  });

  test('an unregistered post_logout_redirect_uri gets an error page, and no redirect', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await signedIn(browser);
    const page = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example.test/' }));
    assert.equal(page.status, 400);
    assert.equal(page.redirectedTo, undefined);
    assert.match(textOf(page.html), /post_logout_redirect_uri not registered/);
    assert.ok((await silentAuthorization(browser)).searchParams.get('code'), 'still signed in');
  });

  test('an invalid id_token_hint leads to the confirmation page, never to a silent logout or to its redirect', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await signedIn(browser);
    const [header, payload, signature] = tokens.id_token!.split('.') as [string, string, string];
    const tampered = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;

    for (const hint of [tampered, unsigned, 'not-a-jwt']) {
      const page = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT, state: 'forged' }));
      assert.equal(page.status, 200, textOf(page.html));
      assert.equal(page.redirectedTo, undefined);
      assert.ok(findForm(page, (form) => form.id === 'op.logoutForm'), 'the customer is asked');
      assert.ok((await silentAuthorization(browser)).searchParams.get('code'), 'nobody was signed out');
    }

    const page = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: tampered, post_logout_redirect_uri: SIGNED_OUT }));
    const done = await browser.submit(requireForm(page, (form) => form.id === 'op.logoutForm'), { logout: 'yes' });
    assert.equal(done.redirectedTo, undefined, 'the redirect the bad hint vouched for is not followed');
    assert.equal(done.status, 200);
    assert.match(textOf(done.html), /signed out/i);
    assert.equal((await silentAuthorization(browser)).searchParams.get('error'), 'login_required');
  });

  test('back-channel logout: the application receives a signed logout token for the session', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens, claims } = await signedIn(browser);
    assert.equal(typeof claims.sid, 'string', 'the ID token carries the session id the logout token will name');
    const confirmation = await browser.open(client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT }));
    receiver.received.splice(0); // earlier tests' logouts delivered theirs
    await browser.submit(requireForm(confirmation, (form) => form.id === 'op.logoutForm'), { logout: 'yes' });
    // oidc-provider answers the browser only once the application has answered the POST.
    assert.equal(receiver.received.length, 1);

    const jwks = createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(receiver.received[0]!, jwks, { issuer: node.url, audience: web.application.id, typ: 'logout+jwt' });
    assert.ok(['ES256', 'RS256'].includes(protectedHeader.alg));
    assert.equal(payload.sub, claims.sub);
    assert.equal(payload['sid'], claims.sid);
    assert.deepEqual(payload['events'], { [BACKCHANNEL_LOGOUT_EVENT]: {} });
    assert.equal(typeof payload.jti, 'string');
    assert.equal(payload['nonce'], undefined, 'a logout token never carries a nonce');
  });
});
