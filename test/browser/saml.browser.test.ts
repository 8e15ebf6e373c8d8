// SAML sign-in in a real Chromium (Debian's `chromium`, driven by playwright-core), through the
// hosted pages: the customer clicks "Continue with Acme SSO", the test IdP (test/helpers/saml-idp.ts,
// on loopback) receives the AuthnRequest by HTTP-Redirect and shows its form, whose button posts the
// signed assertion to Foyer's ACS; Foyer signs the customer up and sends them to the application,
// whose ID token (redeemed by openid-client) says amr fed. Then a tampered assertion in a German
// browser ends on the sign-in page with the localized message, signing nobody in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import * as oidc from 'openid-client';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { startSamlIdp } from '../helpers/saml-idp.ts';
import type { SamlIdp } from '../helpers/saml-idp.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { createSamlSetup } from '../../src/infra/federation/saml-service-provider.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

type Authorization = { url: URL; verifier: string; state: string; nonce: string };

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`SAML sign-in in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let idp: SamlIdp;
    let browser: Browser;
    let callbacks: ReturnType<typeof createServer>;
    let rp: oidc.Configuration;
    let redirectUri: string;

    before(async () => {
      callbacks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
      await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
      redirectUri = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/callback`;
      foyer = await startListeningServer(engine);
      idp = await startSamlIdp();
      const { server } = foyer;
      const actor = { type: 'operator' as const, id: 'test' };
      await createConnection({ transaction: server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false, saml: createSamlSetup(globalThis.fetch) }, server.defaultTenant, {
        id: 'acme-saml', kind: 'saml', displayName: 'Acme SSO', saml: { metadataUrl: idp.metadataUrl }, trustEmailVerified: true, mapping: { given_name: 'firstName' },
      }, actor);
      const app = await createApplication({ transaction: server.transaction }, server.defaultTenant.id, { name: 'Acme App', kind: 'web', firstParty: true, redirectUris: [redirectUri] }, actor);
      rp = await oidc.discovery(new URL(foyer.url), app.application.id, undefined, oidc.ClientSecretBasic(app.clientSecret!), { execute: [oidc.allowInsecureRequests] });
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await foyer?.stop();
      await idp?.stop();
      if (callbacks) await new Promise((resolve) => callbacks.close(resolve));
    });

    async function authorizationRequest(): Promise<Authorization> {
      const verifier = oidc.randomPKCECodeVerifier();
      const [state, nonce] = [oidc.randomState(), oidc.randomNonce()];
      const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: redirectUri, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
      return { url, verifier, state, nonce };
    }

    /** From the application to the IdP's page and through its button back to Foyer's ACS. */
    async function throughIdp(page: Page, request: Authorization, buttonName: RegExp): Promise<void> {
      await page.goto(request.url.href);
      await assertLabelledAndNamed(page, 'sign-in with a SAML button');
      await page.getByRole('button', { name: buttonName }).click();
      await page.getByRole('heading', { name: 'Test IdP' }).waitFor();
      assert.ok(page.url().startsWith(new URL('/sso?SAMLRequest=', idp.metadataUrl).href), page.url());
      await page.getByRole('button', { name: 'Continue to the application' }).click();
    }

    test('sign up through the SAML IdP and come back to the application signed in (amr fed, traits mapped)', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        const email = `saml.${engine}@example.com`;
        idp.signInAs = { nameId: `00u-${engine}-1`, attributes: { email, firstName: 'Sam' } };
        idp.browserOptions = {};
        const request = await authorizationRequest();
        await throughIdp(page, request, /^Continue with Acme SSO$/);
        await page.waitForURL((url) => url.href.startsWith(redirectUri));
        const tokens = await oidc.authorizationCodeGrant(rp, new URL(page.url()), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, idTokenExpected: true });
        const claims = tokens.claims()!;
        assert.deepEqual(claims['amr'], ['fed']);
        assert.equal(claims['email'], email);
        assert.equal(claims['email_verified'], true);
        const identity = await foyer.server.stores.identities.findById(foyer.server.defaultTenant.id, claims.sub);
        assert.equal(identity?.traits['given_name'], 'Sam');
      } finally {
        await context.close();
      }
    });

    test('a tampered assertion ends on the sign-in page with the localized message (German), nobody signed in', async () => {
      const context = await browser.newContext({ locale: 'de-DE' });
      const page = await context.newPage();
      try {
        const email = `saml.tampered.${engine}@example.com`;
        idp.signInAs = { nameId: `00u-${engine}-2`, attributes: { email, firstName: 'Eve' } };
        idp.browserOptions = { tamper: (xml) => xml.replace('>Eve<', '>Mallory<') };
        await throughIdp(page, await authorizationRequest(), /^Weiter mit Acme SSO$/);
        await page.getByRole('alert').filter({ hasText: 'Die Anmeldung auf diesem Weg hat nicht funktioniert' }).waitFor();
        assert.ok(!page.url().startsWith(redirectUri));
        assert.equal(await foyer.server.stores.identities.findByAddress(foyer.server.defaultTenant.id, 'email', email), undefined);
      } finally {
        idp.browserOptions = {};
        await context.close();
      }
    });
  });
}
