// Discovery as clients read it: a tenant's metadata at the RFC 8414 path-insertion address (where
// OAuth 2.0 clients such as oauth4webapi with algorithm 'oauth2' look) as well as the appended one,
// the ten languages of the hosted pages, and only the authentication classes Foyer can reach: an
// essential acr it cannot reach fails with unmet_authentication_requirements.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { LOCALES } from '../../src/i18n/locales.ts';

const CALLBACK = 'https://app.example.test/callback';
const HTTP = { [oauth.allowInsecureRequests]: true } as const;

describeEachEngine('discovery', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    await createTenant(node.server, 'shop');
    rp = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'App', kind: 'spa', redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  test('a tenant’s metadata at the RFC 8414 path-insertion address, which oauth4webapi finds with algorithm oauth2', async () => {
    const issuer = new URL(`${node.url}/t/shop`);
    for (const algorithm of ['oauth2', 'oidc'] as const) {
      const metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm, ...HTTP }));
      assert.equal(metadata.issuer, issuer.href, algorithm);
      assert.equal(metadata.token_endpoint, `${issuer.href}/token`, algorithm);
    }
    const inserted = await fetch(`${node.url}/.well-known/openid-configuration/t/shop`);
    assert.equal(inserted.status, 200);
    assert.equal(((await inserted.json()) as { issuer: string }).issuer, issuer.href);
    assert.equal((await fetch(`${node.url}/.well-known/oauth-authorization-server/t/nobody`)).status, 404);
    assert.equal((await fetch(`${node.url}/.well-known/oauth-authorization-server/t/default`)).status, 404, 'the default tenant has no path to insert');
  });

  test('ui_locales_supported lists the ten languages; acr_values_supported only what a sign-in reaches', async () => {
    for (const url of [`${node.url}/.well-known/openid-configuration`, `${node.url}/t/shop/.well-known/openid-configuration`]) {
      const metadata = (await (await fetch(url)).json()) as Record<string, unknown>;
      assert.deepEqual(metadata['ui_locales_supported'], [...LOCALES], url);
      assert.deepEqual(metadata['acr_values_supported'], ['urn:foyer:acr:password', 'urn:foyer:acr:email', 'urn:foyer:acr:sms', 'urn:foyer:acr:federated', 'urn:foyer:acr:mfa'], url);
    }
  });

  test('an essential acr Foyer cannot reach is unmet_authentication_requirements, back at the application; a reachable one signs in', async () => {
    const mfa = JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:acr:hardware-key'] } } });
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', state, claims: mfa, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const page = await createBrowserSession().open(url);
    assert.ok(page.redirectedTo, `redirected to the application, not ${page.status} ${page.url.pathname}`);
    assert.equal(page.redirectedTo.searchParams.get('error'), 'unmet_authentication_requirements');
    assert.equal(page.redirectedTo.searchParams.get('state'), state);

    const password = JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:foyer:acr:password' } } });
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, parameters: { claims: password } }, (authorization) => browser.signUpAndAuthorize(authorization, { email: uniqueEmail('acr'), password: PASSWORD }));
    assert.equal(claims['acr'], 'urn:foyer:acr:password');
  });
});
