// What ID tokens carry: the claims of the granted scopes by default, where Auth.js, Passport's
// openid-client strategy and Authlib read the customer's profile; only who signed in and how for an
// application that keeps its ID tokens minimal. Discovery's claims_supported names every claim
// either kind of token, or userinfo, releases.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createCustomer } from '../helpers/client-library-app.ts';

const CALLBACK = 'https://shop.example.test/callback';
const STANDARD = ['iss', 'aud', 'exp', 'iat', 'sub', 'nonce', 'auth_time', 'acr', 'amr', 'at_hash', 'sid'];

describeEachEngine('ID token claims', (current) => {
  let node: ListeningServer;
  let shop: client.Configuration;
  let lean: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    shop = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] }));
    lean = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'Lean', kind: 'spa', redirectUris: [CALLBACK], idTokenClaims: 'minimal' }));
  });
  after(async () => {
    await node?.stop();
  });

  test('by default the ID token carries the claims of the granted scopes, on the code exchange and on refresh', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('claims');
    const options = { redirectUri: CALLBACK, scope: 'openid email profile offline_access' };
    await createCustomer(node.server, { email, password: PASSWORD, name: 'Ada Lovelace' });
    const { tokens, claims } = await authorizationCodeFlow(shop, options, (url) => browser.signInAndAuthorize(url, { email, password: PASSWORD }));
    assert.equal(claims['email'], email);
    assert.equal(claims['email_verified'], true);
    assert.equal(claims['name'], 'Ada Lovelace');
    assert.equal(typeof claims['updated_at'], 'number');
    assert.equal(claims['phone_number'], undefined, 'the phone scope was not asked for');

    const refreshed = await client.refreshTokenGrant(shop, tokens.refresh_token!);
    assert.equal(refreshed.claims()?.['email'], email);
    assert.equal(refreshed.claims()?.['name'], 'Ada Lovelace');

    const supported = new Set(shop.serverMetadata().claims_supported);
    const userinfo = await client.fetchUserInfo(shop, tokens.access_token, claims.sub);
    for (const name of new Set([...Object.keys(claims), ...Object.keys(userinfo)])) {
      if (!['iss', 'aud', 'exp', 'iat', 'nonce', 'at_hash'].includes(name)) assert.ok(supported.has(name), `claims_supported names ${name}`);
    }
  });

  test('an application that keeps ID tokens minimal gets who signed in and how; the profile is at userinfo', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('minimal');
    await createCustomer(node.server, { email, password: PASSWORD, name: 'Grace Hopper' });
    const { tokens, claims } = await authorizationCodeFlow(lean, { redirectUri: CALLBACK, scope: 'openid email profile' }, (url) => browser.signInAndAuthorize(url, { email, password: PASSWORD }));
    assert.deepEqual(Object.keys(claims).filter((name) => !STANDARD.includes(name)), [], `only standard claims: ${Object.keys(claims).join(', ')}`);
    assert.deepEqual(claims['amr'], ['pwd']);
    const userinfo = await client.fetchUserInfo(lean, tokens.access_token, claims.sub);
    assert.equal(userinfo['email'], email);
    assert.equal(userinfo['name'], 'Grace Hopper');
  });
});
