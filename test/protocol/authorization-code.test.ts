// The authorization code flow as certified relying parties run it (openid-client): confidential and
// public clients with PKCE, ID token validation by the library, userinfo, refresh token rotation
// and replay, single sign-on across applications, PAR, introspection and revocation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, basic, PASSWORD, postToken, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const SHOP_CALLBACK = 'https://shop.example.test/callback';
const SPA_CALLBACK = 'https://spa.example.test/callback';
const NATIVE_CALLBACK = 'com.example.app:/callback';

describeEachEngine('authorization code flow with openid-client', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let shop: RegisteredApplication;
  let webRp: client.Configuration;
  let shopRp: client.Configuration;
  let spaRp: client.Configuration;
  let nativeRp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    web = await registerApplication(node.server, tenantId, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] });
    shop = await registerApplication(node.server, tenantId, { name: 'Shop', kind: 'web', redirectUris: [SHOP_CALLBACK] });
    const spa = await registerApplication(node.server, tenantId, { name: 'SPA', kind: 'spa', redirectUris: [SPA_CALLBACK] });
    const native = await registerApplication(node.server, tenantId, { name: 'Native', kind: 'native', redirectUris: [NATIVE_CALLBACK] });
    [webRp, shopRp, spaRp, nativeRp] = await Promise.all([relyingParty(node.url, web), relyingParty(node.url, shop), relyingParty(node.url, spa), relyingParty(node.url, native)]);
  });
  after(async () => {
    await node?.stop();
  });

  test('a web application (client_secret_basic) signs a customer up; the library validates the ID token; userinfo answers', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('web');
    const { callback, tokens, claims, nonce } = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));

    assert.equal(`${callback.origin}${callback.pathname}`, WEB_CALLBACK);
    assert.equal(callback.searchParams.get('iss'), node.url, 'RFC 9207 iss in the authorization response');
    assert.equal(claims.iss, node.url);
    assert.equal(claims.aud, web.application.id);
    assert.equal(claims.nonce, nonce);
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(claims.exp > claims.iat);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.refresh_token, undefined, 'no refresh token without offline_access');
    assert.equal(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).alg, 'ES256', 'the default for a new application');

    const userinfo = await client.fetchUserInfo(webRp, tokens.access_token, claims.sub);
    assert.equal(userinfo.sub, claims.sub);
    assert.equal(userinfo.email, email);
  });

  test('the token endpoint refuses a confidential client with a wrong secret', async () => {
    const result = await postToken(webRp.serverMetadata().token_endpoint!, { ...web, clientSecret: 'not-the-secret' }, { grant_type: 'authorization_code', code: 'x', redirect_uri: WEB_CALLBACK });
    assert.equal(result.status, 401);
    assert.equal(result.body['error'], 'invalid_client');
  });

  test('public SPA and native applications (auth method none) complete the flow with PKCE alone', async () => {
    // relyingParty() authenticates with client.None() for these: only client_id reaches the token endpoint.
    for (const [rp, redirectUri] of [[spaRp, SPA_CALLBACK], [nativeRp, NATIVE_CALLBACK]] as const) {
      const browser = createBrowserSession({ mailbox: node.server.mailbox });
      const { callback, tokens, claims } = await authorizationCodeFlow(rp, { redirectUri }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('public'), password: PASSWORD }));
      assert.ok(callback.href.startsWith(`${redirectUri}?`), callback.href);
      assert.equal(claims.aud, rp.clientMetadata().client_id);
      assert.equal((await client.fetchUserInfo(rp, tokens.access_token, claims.sub)).sub, claims.sub);
    }
  });

  test('refresh tokens rotate; replaying a used one revokes the whole family', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    // A first-party application gets offline access without prompt=consent (offline-access.test.ts).
    const options = { redirectUri: WEB_CALLBACK, scope: 'openid offline_access' };
    const { tokens, claims } = await authorizationCodeFlow(webRp, options, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('refresh'), password: PASSWORD }));
    const first = tokens.refresh_token;
    assert.ok(first);

    const rotated = await client.refreshTokenGrant(webRp, first);
    assert.ok(rotated.refresh_token);
    assert.notEqual(rotated.refresh_token, first);
    assert.notEqual(rotated.access_token, tokens.access_token);
    assert.equal(rotated.claims()?.sub, claims.sub, 'the refreshed ID token is validated and names the same customer');
    assert.equal((await client.tokenIntrospection(webRp, rotated.access_token)).active, true);

    await assert.rejects(client.refreshTokenGrant(webRp, first), (error: client.ResponseBodyError) => error.error === 'invalid_grant');
    await assert.rejects(client.refreshTokenGrant(webRp, rotated.refresh_token), (error: client.ResponseBodyError) => error.error === 'invalid_grant');
    assert.equal((await client.tokenIntrospection(webRp, rotated.access_token)).active, false);
    assert.equal((await client.tokenIntrospection(webRp, tokens.access_token)).active, false);

    // The replay killed the tokens, not the browser session: signing in again takes no form, not
    // even a consent screen, although the grant the session remembered is gone.
    const again = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, (url) => browser.authorize(url));
    assert.equal(again.claims.sub, claims.sub);
  });

  test('single sign-on: a second application of the tenant gets a code without any form', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const first = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('sso'), password: PASSWORD }));
    // authorize() fails on any page with a form: the session alone must carry the browser back.
    const second = await authorizationCodeFlow(shopRp, { redirectUri: SHOP_CALLBACK }, (url) => browser.authorize(url));
    assert.equal(second.claims.sub, first.claims.sub);
    assert.equal(second.claims.aud, shop.application.id);
    assert.equal(second.claims.auth_time, first.claims.auth_time, 'no new authentication happened');
  });

  test('pushed authorization requests: the browser carries only request_uri and client_id', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const signUp = (url: URL) => browser.signUpAndAuthorize(url, { email: uniqueEmail('par'), password: PASSWORD });
    const pushed = async (url: URL) => {
      // openid-client built a plain request; push the same parameters instead.
      const par = await client.buildAuthorizationUrlWithPAR(webRp, Object.fromEntries(url.searchParams));
      assert.deepEqual([...par.searchParams.keys()].sort(), ['client_id', 'request_uri']);
      assert.match(par.searchParams.get('request_uri')!, /^urn:ietf:params:oauth:request_uri:/);
      return signUp(par);
    };
    const { claims } = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, pushed);
    assert.equal(claims.aud, web.application.id);
  });

  test('introspection says active until the access token is revoked', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens, claims } = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('introspect'), password: PASSWORD }));
    const active = await client.tokenIntrospection(webRp, tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.sub, claims.sub);
    assert.equal(active.client_id, web.application.id);
    assert.equal(active.iss, node.url);
    assert.match(String(active.scope), /\bopenid\b/);

    await client.tokenRevocation(webRp, tokens.access_token);
    assert.deepEqual(await client.tokenIntrospection(webRp, tokens.access_token), { active: false });
    assert.deepEqual(await client.tokenIntrospection(webRp, 'never-issued'), { active: false });
    await assert.rejects(client.fetchUserInfo(webRp, tokens.access_token, claims.sub), (error: client.WWWAuthenticateChallengeError) => error.status === 401);
  });

  test('revocation answers 200 with an empty body and no content type, for a token or a stranger alike', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await authorizationCodeFlow(webRp, { redirectUri: WEB_CALLBACK }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('revoke'), password: PASSWORD }));
    // Browser clients that read JSON only (oidc-client-ts) refuse a `text/plain` answer outright.
    for (const token of [tokens.access_token, 'never-issued']) {
      const response = await fetch(webRp.serverMetadata().revocation_endpoint!, {
        method: 'POST',
        headers: { authorization: basic(web.application.id, web.clientSecret!), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), null);
      assert.equal(await response.text(), '');
    }
    assert.equal((await client.tokenIntrospection(webRp, tokens.access_token)).active, false);
  });
});
