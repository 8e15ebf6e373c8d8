// offline_access: a first-party application that asks for it gets a refresh token without
// prompt=consent (OIDC Core 11's "other conditions"), through a plain or a pushed request; a
// third-party one gets it only with prompt=consent, and then the consent screen says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, requireForm, isAction, textOf } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';

const APP_CALLBACK = 'https://app.example.test/callback';
const PARTNER_CALLBACK = 'https://partner.example.test/callback';
const OFFLINE_LINE = 'Stay connected when you are not using it';

describeEachEngine('offline access', (current) => {
  let node: ListeningServer;
  let spa: client.Configuration;
  let web: client.Configuration;
  let partner: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenantId = node.server.defaultTenant.id;
    spa = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'App', kind: 'spa', redirectUris: [APP_CALLBACK] }));
    web = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'Web', kind: 'web', redirectUris: [APP_CALLBACK] }));
    partner = await relyingParty(node.url, await registerApplication(node.server, tenantId, { name: 'Partner', kind: 'web', firstParty: false, redirectUris: [PARTNER_CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  test('a first-party application asking for offline_access gets a refresh token, no prompt=consent and no consent screen', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens, claims } = await authorizationCodeFlow(spa, { redirectUri: APP_CALLBACK, scope: 'openid email offline_access' }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('offline'), password: PASSWORD }));
    assert.ok(tokens.refresh_token, 'a refresh token');
    assert.deepEqual(String(tokens.scope).split(' ').sort(), ['email', 'offline_access', 'openid']);
    const refreshed = await client.refreshTokenGrant(spa, tokens.refresh_token);
    assert.equal(refreshed.claims()?.sub, claims.sub);
    assert.ok(refreshed.refresh_token);

    // Single sign-on keeps it too, and without offline_access there is none.
    const again = await authorizationCodeFlow(spa, { redirectUri: APP_CALLBACK, scope: 'openid offline_access' }, (url) => browser.authorize(url));
    assert.ok(again.tokens.refresh_token);
    const online = await authorizationCodeFlow(spa, { redirectUri: APP_CALLBACK, scope: 'openid' }, (url) => browser.authorize(url));
    assert.equal(online.tokens.refresh_token, undefined);
  });

  test('the same through a pushed authorization request', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const pushed = async (url: URL) => browser.signUpAndAuthorize(await client.buildAuthorizationUrlWithPAR(web, Object.fromEntries(url.searchParams)), { email: uniqueEmail('par-offline'), password: PASSWORD });
    const { tokens } = await authorizationCodeFlow(web, { redirectUri: APP_CALLBACK, scope: 'openid offline_access' }, pushed);
    assert.ok(tokens.refresh_token);
  });

  test('a third-party application gets offline access only with prompt=consent, and the consent screen says so', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const credentials = { email: uniqueEmail('partner-offline'), password: PASSWORD };
    const silent = await authorizationCodeFlow(partner, { redirectUri: PARTNER_CALLBACK, scope: 'openid offline_access' }, async (url) => {
      const page = await browser.drive(await browser.open(url), { credentials, signUp: true });
      assert.doesNotMatch(textOf(page.html), new RegExp(OFFLINE_LINE));
      return (await browser.submit(requireForm(page, isAction('/consent')))).redirectedTo!;
    });
    assert.equal(silent.tokens.refresh_token, undefined, 'dropped without prompt=consent (OIDC Core 11)');

    const asked = await authorizationCodeFlow(partner, { redirectUri: PARTNER_CALLBACK, scope: 'openid offline_access', parameters: { prompt: 'consent' } }, async (url) => {
      const page = await browser.drive(await browser.open(url), {});
      assert.match(textOf(page.html), new RegExp(OFFLINE_LINE));
      return (await browser.submit(requireForm(page, isAction('/consent')))).redirectedTo!;
    });
    assert.ok(asked.tokens.refresh_token);
  });

  test('a first-party application that sends prompt=consent anyway sees offline access on the screen it asked for, in the customer’s language', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    // Everything is granted already, so oidc-provider finds nothing missing: the screen shows what is asked.
    await authorizationCodeFlow(spa, { redirectUri: APP_CALLBACK, scope: 'openid email offline_access' }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('forced'), password: PASSWORD }));
    const forced = await authorizationCodeFlow(spa, { redirectUri: APP_CALLBACK, scope: 'openid email offline_access', parameters: { prompt: 'consent', ui_locales: 'de' } }, async (url) => {
      const page = await browser.drive(await browser.open(url), {});
      const text = textOf(page.html);
      assert.match(text, /Verbunden bleiben, auch wenn Sie die App gerade nicht nutzen/);
      assert.match(text, /Ihre E-Mail-Adresse sehen/);
      return (await browser.submit(requireForm(page, isAction('/consent')))).redirectedTo!;
    });
    assert.ok(forced.tokens.refresh_token);
  });
});
