// The social presets in a real Chromium against local fakes of GitHub, Apple, Microsoft and Facebook
// that speak each provider's quirks (test/helpers/social-fakes.ts), through the hosted pages: for
// each, a customer signs up with the button ("Continue with …"), signs in again in a fresh browser
// to the same account, and one refusal: GitHub's unverified primary address links nothing, an Apple
// ID token signed with a key Apple does not publish, a Microsoft token whose issuer names another
// directory than its `tid` (and, through `organizations`, a personal account; a work address Entra
// did not verify links nothing), and a customer who cancels at Facebook. Also: Apple's name from the
// first form_post only, GitHub's traits refreshed at each sign-in (refresh_traits), and GitHub's
// tokens kept sealed (store_tokens), read through the admin API (audited), in no flow, event or
// audit row in clear. Tokens from Foyer are redeemed by openid-client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import * as oidc from 'openid-client';
import { assertLabelledAndNamed, browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { startFakeApple, startFakeFacebook, startFakeGitHub, startFakeMicrosoft } from '../helpers/social-fakes.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { MICROSOFT_CONSUMER_TENANT } from '../../src/domain/federation/presets.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';

const CLIENT_ID = 'foyer-client';
const GITHUB_SECRET = 'github-client-secret-0123456789';
const MICROSOFT_SECRET = 'microsoft-client-secret~0123456789';
const FACEBOOK_SECRET = 'facebook-app-secret-0123456789abcdef';
const APPLE_TEAM = { teamId: 'TEAM123456', keyId: 'KEY1234567' };

type App = { readonly config: oidc.Configuration; readonly redirectUri: string };

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = await browserSkipReason(engine);
  describe(`social presets in Chromium [${engine}]`, { skip }, () => {
    let foyer: ListeningServer;
    let browser: Browser;
    let callbacks: ReturnType<typeof createServer>;
    let app: App;
    let github: Awaited<ReturnType<typeof startFakeGitHub>>;
    let apple: Awaited<ReturnType<typeof startFakeApple>>;
    let microsoft: Awaited<ReturnType<typeof startFakeMicrosoft>>;
    let facebook: Awaited<ReturnType<typeof startFakeFacebook>>;

    before(async () => {
      callbacks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
      await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
      const redirectUri = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/callback`;
      foyer = await startListeningServer(engine);
      const { server } = foyer;
      const created = await createApplication({ transaction: server.transaction }, server.defaultTenant.id, { name: 'Acme App', kind: 'spa', firstParty: true, redirectUris: [redirectUri] }, SYSTEM_ACTOR);
      app = { config: await oidc.discovery(new URL(foyer.url), created.application.id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] }), redirectUri };

      const teamKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      github = await startFakeGitHub(GITHUB_SECRET);
      apple = await startFakeApple({ ...APPLE_TEAM, publicKeyPem: teamKey.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      microsoft = await startFakeMicrosoft(MICROSOFT_SECRET);
      facebook = await startFakeFacebook(FACEBOOK_SECRET);
      const deps = { transaction: server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false };
      const tenant = server.defaultTenant;
      const common = { clientId: CLIENT_ID, trustEmailVerified: true };
      await createConnection(deps, tenant, {
        ...common, id: 'github', preset: 'github', clientSecret: GITHUB_SECRET, refreshTraits: true, storeTokens: true, position: 1,
        endpoints: { authorization: `${github.origin}/login/oauth/authorize`, token: `${github.origin}/login/oauth/access_token`, userinfo: `${github.origin}/user` },
      }, SYSTEM_ACTOR);
      await createConnection(deps, tenant, { ...common, id: 'apple', preset: 'apple', issuer: apple.origin, presetOptions: APPLE_TEAM, clientSecret: teamKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), position: 2 }, SYSTEM_ACTOR);
      await createConnection(deps, tenant, { ...common, id: 'microsoft', preset: 'microsoft', issuer: `${microsoft.origin}/common/v2.0`, clientSecret: MICROSOFT_SECRET, position: 3 }, SYSTEM_ACTOR);
      await createConnection(deps, tenant, {
        ...common, id: 'facebook', preset: 'facebook', clientSecret: FACEBOOK_SECRET, position: 4,
        endpoints: { authorization: `${facebook.origin}/v23.0/dialog/oauth`, token: `${facebook.origin}/v23.0/oauth/access_token`, userinfo: `${facebook.origin}/v23.0/me` },
      }, SYSTEM_ACTOR);
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await foyer?.stop();
      for (const fake of [github, apple, microsoft, facebook]) await fake?.stop();
      if (callbacks) await new Promise((resolve) => callbacks.close(resolve));
    });

    /** A fresh browser from the application to the provider's button: the page at the provider. */
    async function toProvider(name: string): Promise<{ page: Page; finish: () => Promise<oidc.IDToken>; close: () => Promise<void> }> {
      const context = await browser.newContext();
      const page = await context.newPage();
      const verifier = oidc.randomPKCECodeVerifier();
      const [state, nonce] = [oidc.randomState(), oidc.randomNonce()];
      const url = oidc.buildAuthorizationUrl(app.config, { redirect_uri: app.redirectUri, scope: 'openid email profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
      await page.goto(url.href);
      await page.getByRole('button', { name: `Continue with ${name}`, exact: true }).click();
      await page.getByRole('heading', { name: 'Authorize Foyer' }).waitFor();
      return {
        page,
        close: () => context.close(),
        async finish() {
          await page.getByRole('button', { name: 'Authorize' }).click();
          await page.waitForURL((landed) => landed.href.startsWith(app.redirectUri));
          const tokens = await oidc.authorizationCodeGrant(app.config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
          return tokens.claims()!;
        },
      };
    }

    /** The whole journey, approving at the provider: Foyer's ID token claims. */
    async function signInWith(name: string): Promise<oidc.IDToken> {
      const journey = await toProvider(name);
      try {
        return await journey.finish();
      } finally {
        await journey.close();
      }
    }

    /** Approving at the provider lands back on Foyer's sign-in page with the refusal, signing nobody in. */
    async function refusedAt(name: string, decision: 'Authorize' | 'Cancel'): Promise<string> {
      const journey = await toProvider(name);
      try {
        await journey.page.getByRole('button', { name: decision }).click();
        await journey.page.waitForURL((landed) => landed.origin === foyer.url && !landed.pathname.startsWith('/federation/callback'));
        assert.ok(!journey.page.url().startsWith(app.redirectUri));
        return await journey.page.locator('main').innerText();
      } finally {
        await journey.close();
      }
    }

    const tenantId = () => foyer.server.defaultTenant.id;
    const identityOf = (sub: string) => foyer.server.stores.identities.findById(tenantId(), sub);

    test('the sign-in page shows each preset as a named button in the tenant’s order, and passes the accessibility check', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        const url = oidc.buildAuthorizationUrl(app.config, { redirect_uri: app.redirectUri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
        await page.goto(url.href);
        const names = await page.getByRole('button', { name: /^Continue with / }).allInnerTexts();
        assert.deepEqual(names, ['Continue with GitHub', 'Continue with Apple', 'Continue with Microsoft', 'Continue with Facebook']);
        await assertLabelledAndNamed(page, 'sign-in with presets');
        // Localized: the same buttons in German.
        await page.goto(`${url.href}&ui_locales=de`);
        await page.getByRole('button', { name: 'Weiter mit GitHub', exact: true }).waitFor();
      } finally {
        await context.close();
      }
    });

    test('GitHub: sign up with the primary verified address (not the public one), sign in again with the traits refreshed and the tokens kept sealed; an unverified primary address links nothing', async () => {
      const email = `octo.${engine}@example.com`;
      github.signInAs({ id: 583231, login: 'octocat', name: 'Octo Cat', email: `public.${engine}@example.org`, emails: [{ email: `old.${engine}@example.com`, primary: false, verified: true }, { email, primary: true, verified: true }] });
      const first = await signInWith('GitHub');
      assert.deepEqual(first['amr'], ['fed']);
      const created = await identityOf(first.sub);
      assert.equal(created?.traits['email'], email);
      assert.equal(created?.traits['name'], 'Octo Cat');
      assert.ok(created?.addresses.some((address) => address.value === email && address.verifiedAt !== null));

      // Renamed at GitHub: the next sign-in refreshes the name (refresh_traits), never the address.
      github.signInAs({ id: 583231, login: 'octocat', name: 'Octavia Cat', email: null, emails: [{ email: `new.${engine}@example.com`, primary: true, verified: true }] });
      const again = await signInWith('GitHub');
      assert.equal(again.sub, first.sub);
      const refreshed = await identityOf(first.sub);
      assert.equal(refreshed?.traits['name'], 'Octavia Cat');
      assert.equal(refreshed?.traits['email'], email);

      // The tokens of the last sign-in, read by the tenant's back end (audited), and nowhere in clear.
      const latest = github.issuedTokens.at(-1)!;
      const reader = await machineToken(foyer.server, ['customers:tokens']);
      const read = await callAdmin(foyer.server, reader, 'GET', `/tenants/default/customers/${first.sub}/connections/github/tokens`);
      assert.equal(read.statusCode, 200, read.body);
      const body = read.json<Record<string, unknown>>();
      assert.equal(body['access_token'], latest);
      assert.equal(body['scope'], 'read:user,user:email');
      assert.equal(read.headers['cache-control'], 'no-store');
      const noScope = await callAdmin(foyer.server, await machineToken(foyer.server, ['customers:read']), 'GET', `/tenants/default/customers/${first.sub}/connections/github/tokens`);
      assert.equal(noScope.statusCode, 403);
      const notKept = await callAdmin(foyer.server, reader, 'GET', `/tenants/default/customers/${first.sub}/connections/apple/tokens`);
      assert.equal(notKept.statusCode, 404);
      assert.equal(notKept.json<{ code: string }>().code, 'federation.tokens_not_kept');
      const audit = await foyer.server.stores.audit.list(tenantId(), { targetId: first.sub, limit: 50 });
      assert.ok(audit.some((entry) => entry.action === 'customer.upstream_tokens_read' && entry.details?.['connection'] === 'github'));
      const db = foyer.server.testDatabase.handle.db;
      for (const table of ['flows', 'outbox_events', 'audit_events', 'credentials'] as const) {
        const rows = await db.selectFrom(table as never).selectAll().execute();
        assert.equal(JSON.stringify(rows).includes(latest), false, `the access token is nowhere in clear in ${table}`);
      }

      // An account whose primary address GitHub has not verified: asked to prove an account; nothing linked or created.
      const stranger = `stranger.${engine}@example.com`;
      github.signInAs({ id: 999001, login: 'stranger', name: 'Stranger', email, emails: [{ email: stranger, primary: true, verified: false }] });
      const text = await refusedAt('GitHub', 'Authorize');
      assert.match(text, /Connect GitHub to your account/);
      assert.equal(await foyer.server.stores.identities.findCredential(tenantId(), 'federated', 'github:999001'), undefined);
      assert.equal(await foyer.server.stores.identities.findByAddress(tenantId(), 'email', stranger), undefined);
    });

    test('Apple: form_post with a signed client secret; the name from the first answer only; an ID token Apple’s keys do not verify is refused', async () => {
      const email = `relay.${engine}@privaterelay.appleid.com`;
      apple.signInAs({ sub: `001234.apple.${engine}`, email, firstName: 'Ann', lastName: 'Lee' });
      const first = await signInWith('Apple');
      assert.deepEqual(first['amr'], ['fed']);
      const created = await identityOf(first.sub);
      assert.deepEqual([created?.traits['email'], created?.traits['name'], created?.traits['given_name'], created?.traits['family_name']], [email, 'Ann Lee', 'Ann', 'Lee']);
      // Apple sends no name the second time; the account keeps it.
      const again = await signInWith('Apple');
      assert.equal(again.sub, first.sub);
      assert.equal((await identityOf(first.sub))?.traits['name'], 'Ann Lee');

      apple.signInAs({ sub: `009999.forged.${engine}`, email: `forged.${engine}@example.com`, firstName: 'Eve', lastName: 'Forged' });
      apple.signWithUnpublishedKey = true;
      try {
        const text = await refusedAt('Apple', 'Authorize');
        assert.match(text, /Signing in that way did not work/);
      } finally {
        apple.signWithUnpublishedKey = false;
      }
      assert.equal(await foyer.server.stores.identities.findByAddress(tenantId(), 'email', `forged.${engine}@example.com`), undefined);
    });

    test('Microsoft (common): a personal account signs up and in again, its issuer matching its tid; a token whose issuer names another directory is refused', async () => {
      const email = `ann.${engine}@outlook.com`;
      microsoft.signInAs({ oid: `oid-${engine}`, tid: MICROSOFT_CONSUMER_TENANT, email, name: 'Ann Outlook' });
      const first = await signInWith('Microsoft');
      assert.equal((await identityOf(first.sub))?.traits['email'], email);
      assert.equal((await signInWith('Microsoft')).sub, first.sub);
      assert.equal(microsoft.keyFetches, 1, 'the published keys are fetched once, not per sign-in');

      microsoft.signInAs({ oid: `oid-work-${engine}`, tid: '72f988bf-86f1-41af-91ab-2d7cd011db47', email: `bob.${engine}@contoso.example`, name: 'Bob', xms_edov: true });
      microsoft.issuerTenantOverride = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
      try {
        const text = await refusedAt('Microsoft', 'Authorize');
        assert.match(text, /Signing in that way did not work/);
      } finally {
        microsoft.issuerTenantOverride = undefined;
      }
      assert.equal(await foyer.server.stores.identities.findByAddress(tenantId(), 'email', `bob.${engine}@contoso.example`), undefined);

      // A work account whose domain Entra did not verify (no xms_edov): its address links nothing.
      microsoft.signInAs({ oid: `oid-unverified-${engine}`, tid: '72f988bf-86f1-41af-91ab-2d7cd011db47', email, name: 'Not Ann' });
      assert.match(await refusedAt('Microsoft', 'Authorize'), /Connect Microsoft to your account/);
    });

    test('Microsoft (organizations): work accounts only; a personal account is refused', async () => {
      const writer = await machineToken(foyer.server, ['tenants:write']);
      const created = await callAdmin(foyer.server, writer, 'POST', '/tenants/default/connections', {
        body: { id: 'microsoft-work', preset: 'microsoft', display_name: 'Microsoft Work', client_id: CLIENT_ID, client_secret: MICROSOFT_SECRET, issuer: `${microsoft.origin}/organizations/v2.0`, preset_options: { tenant: 'organizations' }, trust_email_verified: true, position: 9 },
      });
      assert.equal(created.statusCode, 201, created.body);
      try {
        const email = `carol.${engine}@fabrikam.example`;
        microsoft.signInAs({ oid: `oid-carol-${engine}`, tid: 'b8f0b7a1-6c3e-4a1e-9f3e-0c1f2d3e4f50', email, name: 'Carol Work', xms_edov: true });
        const signedIn = await signInWith('Microsoft Work');
        assert.equal((await identityOf(signedIn.sub))?.traits['email'], email);
        microsoft.signInAs({ oid: `oid-personal-${engine}`, tid: MICROSOFT_CONSUMER_TENANT, email: `dave.${engine}@outlook.com`, name: 'Dave' });
        assert.match(await refusedAt('Microsoft Work', 'Authorize'), /Signing in that way did not work/);
        assert.equal(await foyer.server.stores.identities.findByAddress(tenantId(), 'email', `dave.${engine}@outlook.com`), undefined);
      } finally {
        await callAdmin(foyer.server, writer, 'DELETE', '/tenants/default/connections/microsoft-work');
      }
    });

    test('Facebook: the Graph API with appsecret_proof signs up and in again; a customer who cancels at Facebook is back at the sign-in page, signed in nowhere', async () => {
      const email = `fb.${engine}@example.com`;
      facebook.signInAs({ id: `10${engine.length}2233445566`, name: 'Fay Book', first_name: 'Fay', last_name: 'Book', email });
      const first = await signInWith('Facebook');
      const created = await identityOf(first.sub);
      assert.deepEqual([created?.traits['email'], created?.traits['given_name'], created?.traits['family_name']], [email, 'Fay', 'Book']);
      assert.equal((await signInWith('Facebook')).sub, first.sub);
      const text = await refusedAt('Facebook', 'Cancel');
      assert.match(text, /Signing in that way did not work/);
    });

    test('no upstream token or client secret is in any log line or event of the journeys above', async () => {
      const logs = JSON.stringify(foyer.server.logs);
      const events = JSON.stringify(await foyer.server.testDatabase.handle.db.selectFrom('outbox_events').selectAll().execute());
      const secrets = [GITHUB_SECRET, MICROSOFT_SECRET, FACEBOOK_SECRET, ...github.issuedTokens, ...apple.issuedTokens, ...microsoft.issuedTokens, ...facebook.issuedTokens];
      assert.ok(github.issuedTokens.length > 0 && apple.issuedTokens.length > 0 && microsoft.issuedTokens.length > 0 && facebook.issuedTokens.length > 0, 'every provider issued tokens');
      assert.ok(foyer.server.logs.some((line) => line['msg'] === 'upstream sign-in refused'), 'the refusals were logged');
      for (const secret of secrets) {
        assert.equal(logs.includes(secret), false, 'not in the logs');
        assert.equal(events.includes(secret), false, 'not in the events');
      }
    });
  });
}
