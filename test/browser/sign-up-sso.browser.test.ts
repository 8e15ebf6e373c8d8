// The hosted pages in a real Chromium (Debian's `chromium`, driven by playwright-core): a customer
// signs up, consents for a third-party application, is signed in to a first-party one without a
// form (SSO), signs out everywhere; and the pages pass a small accessibility check. Tokens are
// redeemed by an independent relying party, openid-client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import * as oidc from 'openid-client';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { enterEmailedCode } from '../helpers/emailed-code.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';

const PASSWORD = 'correct horse battery staple';


/** An application as a relying party sees it: openid-client's configuration and its callback. */
type RelyingParty = { config: oidc.Configuration; redirectUri: string; postLogoutUri: string };
type Authorization = { url: URL; verifier: string; state: string; nonce: string };

async function authorizationRequest(rp: RelyingParty, extra: Record<string, string> = {}): Promise<Authorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const [state, nonce] = [oidc.randomState(), oidc.randomNonce()];
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

async function redeem(rp: RelyingParty, request: Authorization, landedOn: string) {
  return oidc.authorizationCodeGrant(rp.config, new URL(landedOn), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, idTokenExpected: true });
}

/** Waits until the browser is on the application's side (its callback or post-logout page). */
async function landOn(page: Page, prefix: string): Promise<URL> {
  await page.waitForURL((url) => url.href.startsWith(prefix));
  return new URL(page.url());
}

/** The invalid input names its error, and that error is announced (inside a role=alert). */
async function assertInvalidAndDescribed(page: Page, label: string, message: RegExp): Promise<void> {
  const input = page.getByLabel(label, { exact: true });
  assert.equal(await input.getAttribute('aria-invalid'), 'true', `${label} is marked invalid`);
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  assert.ok(texts.some((text) => message.test(text)), `${label} is described by its error: ${JSON.stringify(texts)}`);
  const announced = await Promise.all(ids.map((id) => page.locator(`[role=alert]:has([id="${id}"]), [role=alert][id="${id}"]`).count()));
  assert.ok(announced.some((count) => count > 0), `the error of ${label} is in a role=alert`);
}

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`hosted pages in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let browser: Browser;
    let callbacks: ReturnType<typeof createServer>;
    let partner: RelyingParty;
    let companion: RelyingParty;

    before(async () => {
      // The applications' side: every callback answers 200 "ok", and the test reads the URL.
      callbacks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
      await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
      const apps = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}`;
      foyer = await startListeningServer(engine);
      const { server } = foyer;
      const deps = { transaction: server.transaction };
      const actor = { type: 'operator' as const, id: 'test' };
      const third = await createApplication(deps, server.defaultTenant.id, { name: 'Partner Shop', kind: 'web', firstParty: false, redirectUris: [`${apps}/partner/callback`], postLogoutRedirectUris: [`${apps}/partner/signed-out`] }, actor);
      const first = await createApplication(deps, server.defaultTenant.id, { name: 'Acme App', kind: 'spa', firstParty: true, redirectUris: [`${apps}/acme/callback`], postLogoutRedirectUris: [`${apps}/acme/signed-out`] }, actor);
      const discover = (clientId: string, auth: oidc.ClientAuth) => oidc.discovery(new URL(foyer.url), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
      partner = { config: await discover(third.application.id, oidc.ClientSecretBasic(third.clientSecret)), redirectUri: `${apps}/partner/callback`, postLogoutUri: `${apps}/partner/signed-out` };
      companion = { config: await discover(first.application.id, oidc.None()), redirectUri: `${apps}/acme/callback`, postLogoutUri: `${apps}/acme/signed-out` };
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await foyer?.stop();
      if (callbacks) await new Promise((resolve) => callbacks.close(resolve));
    });

    test('sign up and consent for a third-party app, SSO into a first-party app, sign out everywhere, sign in again', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const interactions: string[] = [];
      page.on('request', (request) => void (request.url().includes('/interaction/') && interactions.push(request.url())));
      try {
        const email = `ada.${engine}@example.com`;
        const toPartner = await authorizationRequest(partner);
        await page.goto(toPartner.url.href);
        await page.getByRole('link', { name: 'Create account' }).click();
        await page.getByRole('heading', { name: 'Create your account for Partner Shop' }).waitFor();
        const screenshot = await page.screenshot({ fullPage: true });
        assert.ok(screenshot.subarray(1, 4).toString() === 'PNG' && screenshot.length > 5_000, 'the sign-up page renders');
        if (process.env['FOYER_SIGNUP_SCREENSHOT']) writeFileSync(process.env['FOYER_SIGNUP_SCREENSHOT'], screenshot);
        // The whole inline stylesheet applies (an escaped quote once dropped the font stack).
        assert.match(await page.evaluate<string>('getComputedStyle(document.body).fontFamily'), /^system-ui,/);
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await enterEmailedCode(page, foyer.server.mailbox, email);

        await page.getByRole('heading', { name: 'Partner Shop would like to access your account' }).waitFor();
        assert.ok((await page.locator('main').innerText()).includes(`Signed in as ${email}.`), 'the consent page names the customer');
        await page.getByRole('button', { name: 'Allow' }).click();
        const partnerCallback = await landOn(page, partner.redirectUri);
        const partnerTokens = await redeem(partner, toPartner, partnerCallback.href);
        const claims = partnerTokens.claims()!;
        assert.equal(claims.aud, partner.config.clientMetadata().client_id);
        assert.deepEqual(claims['amr'], ['pwd']);
        // The ID token carries the claims of the granted scopes (where most libraries read them), and userinfo agrees.
        assert.equal(claims['email'], email);
        assert.equal(claims['email_verified'], true);
        const profile = await oidc.fetchUserInfo(partner.config, partnerTokens.access_token, claims.sub);
        assert.equal(profile['email'], email);

        // SSO: the session from the sign-up signs the customer in to the first-party app, no form.
        const shownBefore = interactions.length;
        const toCompanion = await authorizationRequest(companion);
        await page.goto(toCompanion.url.href);
        const companionCallback = await landOn(page, companion.redirectUri);
        assert.equal(interactions.length, shownBefore, `no hosted page was shown: ${interactions.slice(shownBefore).join(', ')}`);
        const companionTokens = await redeem(companion, toCompanion, companionCallback.href);
        assert.equal(companionTokens.claims()!.sub, claims.sub);
        assert.equal(companionTokens.claims()!['email'], email);
        assert.equal((await oidc.fetchUserInfo(companion.config, companionTokens.access_token, claims.sub))['email'], email);
        // Within the session the third-party consent is remembered: no consent page the second time.
        const partnerAgain = await authorizationRequest(partner);
        await page.goto(partnerAgain.url.href);
        await redeem(partner, partnerAgain, (await landOn(page, partner.redirectUri)).href);
        assert.equal(interactions.length, shownBefore, `no hosted page was shown: ${interactions.slice(shownBefore).join(', ')}`);

        // Sign out everywhere (RP-initiated logout), then no application gets a code silently.
        const logoutState = oidc.randomState();
        await page.goto(oidc.buildEndSessionUrl(partner.config, { id_token_hint: partnerTokens.id_token!, post_logout_redirect_uri: partner.postLogoutUri, state: logoutState }).href);
        await page.getByRole('button', { name: 'Yes, sign me out' }).click();
        assert.equal((await landOn(page, partner.postLogoutUri)).searchParams.get('state'), logoutState);
        for (const rp of [partner, companion]) {
          const silent = await authorizationRequest(rp, { prompt: 'none' });
          await page.goto(silent.url.href);
          const landed = await landOn(page, rp.redirectUri);
          assert.equal(landed.searchParams.get('error'), 'login_required');
          assert.equal(landed.searchParams.get('state'), silent.state);
        }

        // Signing in again: a wrong password is announced and keeps the email.
        const again = await authorizationRequest(partner);
        await page.goto(again.url.href);
        await page.getByRole('heading', { name: 'Sign in to Partner Shop' }).waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), 'en');
        assert.equal(await page.getByLabel('Password').getAttribute('type'), 'password');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill('not my password at all');
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(/\/signin$/);
        assert.match(await page.getByRole('alert').innerText(), /email and password do not match/);
        assert.equal(await page.getByLabel('Email').inputValue(), email);
        assert.equal(await page.getByLabel('Password').inputValue(), '');
        await assertInvalidAndDescribed(page, 'Password', /email and password do not match/);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        // Signing out revoked the protocol's grants, but the consent given is remembered
        // (SECURITY.md 25): no consent screen this time, straight back to the application.
        const signedIn = await landOn(page, partner.redirectUri);
        assert.equal((await redeem(partner, again, signedIn.href)).claims()!.sub, claims.sub);
      } finally {
        await context.close();
      }
    });

    test('accessibility: labelled inputs, named buttons, announced errors tied to their inputs', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        const request = await authorizationRequest(partner);
        await page.goto(request.url.href);
        for (const label of ['Email', 'Password']) assert.equal(await page.getByLabel(label, { exact: true }).count(), 1, `sign-in: ${label} is labelled`);
        assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).count(), 1);
        await assertLabelledAndNamed(page, 'sign-in');

        await page.getByRole('link', { name: 'Create account' }).click();
        await page.getByRole('heading', { name: 'Create your account for Partner Shop' }).waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), 'en');
        assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('type'), 'password');
        assert.equal(await page.getByRole('button', { name: 'Create account' }).count(), 1);
        await assertLabelledAndNamed(page, 'sign-up');
        await page.getByLabel('Email', { exact: true }).fill('not-an-email');
        await page.getByLabel('Password', { exact: true }).fill('short');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL(/\/signup$/); // the form answered with its errors, not a redirect
        await assertInvalidAndDescribed(page, 'Email', /Enter an email address/);
        await assertInvalidAndDescribed(page, 'Password', /at least 8 characters/);
        assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), 'not-an-email', 'the email is kept');

        await page.getByLabel('Email', { exact: true }).fill(`grace.${engine}@example.com`);
        await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.getByRole('heading', { name: 'Check your email' }).waitFor();
        assert.equal(await page.getByLabel('Code', { exact: true }).getAttribute('autocomplete'), 'one-time-code');
        await assertLabelledAndNamed(page, 'code');
        await page.getByLabel('Code', { exact: true }).fill('000000');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForURL(/\/code$/);
        await assertInvalidAndDescribed(page, 'Code', /That code is not right/);
        await enterEmailedCode(page, foyer.server.mailbox, `grace.${engine}@example.com`);
        await page.getByRole('heading', { name: 'Partner Shop would like to access your account' }).waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), 'en');
        for (const name of ['Allow', 'Deny']) assert.equal(await page.getByRole('button', { name, exact: true }).count(), 1, `consent: a ${name} button`);
        await assertLabelledAndNamed(page, 'consent');
        await page.getByRole('button', { name: 'Deny' }).click();
        const denied = await landOn(page, partner.redirectUri);
        assert.equal(denied.searchParams.get('error'), 'access_denied');
        assert.equal(denied.searchParams.get('state'), request.state);
      } finally {
        await context.close();
      }
    });
  });
}
