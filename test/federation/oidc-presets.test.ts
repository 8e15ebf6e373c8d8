// The OpenID Connect social presets without a fake of their own elsewhere (Google, LinkedIn,
// GitLab, Slack, Twitch), each against a small local fake that speaks as its provider's public
// documentation says, through the hosted pages, on both engines:
//   - Google: `email_verified` in the ID token decides; a Workspace account's token carries `hd`;
//   - LinkedIn: the ID token names the member; the address and `email_verified` come from userinfo;
//   - GitLab: `email_verified` and `nickname` in userinfo;
//   - Slack: issuer https://slack.com (here the fake's origin), userinfo adds its
//     `https://slack.com/…` claims next to the standard ones (the preset maps only the standard ones);
//   - Twitch: the address, `email_verified` and `preferred_username` come only when the `claims`
//     request parameter asks for them by name, and its `preferred_username` is the name.
// An unverified address creates nothing: the customer is asked to connect an existing account.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const CLIENT_ID = 'foyer-client';
const SECRET = 'oidc-preset-secret-0123456789';

type Account = Record<string, unknown>;
/** The claims the authorization request's `claims` parameter asked for (OIDC Core 5.5), by target. */
type Requested = { readonly id_token: readonly string[]; readonly userinfo: readonly string[] };
type Speech = {
  readonly idToken: (account: Account, requested: Requested) => Account;
  readonly userinfo: (account: Account, requested: Requested) => Account;
  /** The token response's `token_type` and `scope` as the provider spells them. */
  readonly tokenType?: string;
  readonly scope?: unknown;
};
type Fake = { origin: string; account: Account; lastAuthorization: URLSearchParams | undefined; close(): Promise<void> };

/**
 * One OpenID Connect provider: discovery, an authorization endpoint that answers at once for
 * `account`, a token endpoint (client_secret_post, PKCE, single-use codes) that signs an RS256 ID
 * token of `speech.idToken`, and userinfo answering `speech.userinfo`; `sub` is always the account's.
 */
async function startOidcFake(speech: Speech): Promise<Fake> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { account: Account; challenge: string; redirectUri: string; nonce: string | null; requested: Requested }>();
  const tokens = new Map<string, { account: Account; requested: Requested }>();
  const fake: Fake = { origin: '', account: {}, lastAuthorization: undefined, close: async () => {} };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', fake.origin);
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const form = new URLSearchParams(body);
    const json = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const origin = fake.origin;
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: origin, authorization_endpoint: `${origin}/authorize`, token_endpoint: `${origin}/token`, userinfo_endpoint: `${origin}/userinfo`, jwks_uri: `${origin}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['client_secret_post'],
        claims_parameter_supported: true, code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      fake.lastAuthorization = url.searchParams;
      if (url.searchParams.get('client_id') !== CLIENT_ID || url.searchParams.get('code_challenge_method') !== 'S256') return json(400, { error: 'invalid_request' });
      let claims: { id_token?: Record<string, unknown>; userinfo?: Record<string, unknown> } = {};
      try {
        claims = JSON.parse(url.searchParams.get('claims') ?? '{}');
      } catch {
        return json(400, { error: 'invalid_request' });
      }
      const requested = { id_token: Object.keys(claims.id_token ?? {}), userinfo: Object.keys(claims.userinfo ?? {}) };
      const code = randomBytes(12).toString('hex');
      codes.set(code, { account: fake.account, challenge: url.searchParams.get('code_challenge')!, redirectUri: url.searchParams.get('redirect_uri')!, nonce: url.searchParams.get('nonce'), requested });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state')!);
      return response.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/token') {
      if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== SECRET) return json(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verified = !!grant && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === grant.challenge;
      if (!grant || !verified || grant.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ ...speech.idToken(grant.account, grant.requested), ...(grant.nonce ? { nonce: grant.nonce } : {}) })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(origin).setAudience(CLIENT_ID).setSubject(String(grant.account['sub'])).setIssuedAt(now).setExpirationTime(now + 600).sign(privateKey);
      const token = randomBytes(16).toString('hex');
      tokens.set(token, { account: grant.account, requested: grant.requested });
      return json(200, { access_token: token, token_type: speech.tokenType ?? 'Bearer', expires_in: 3600, id_token: idToken, ...(speech.scope === undefined ? {} : { scope: speech.scope }) });
    }
    if (url.pathname === '/userinfo') {
      const held = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /, ''));
      return held ? json(200, { ...speech.userinfo(held.account, held.requested), sub: held.account['sub'] }) : json(401, { error: 'invalid_token' });
    }
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

const pick = (account: Account, names: readonly string[]): Account => Object.fromEntries(names.filter((name) => account[name] !== undefined).map((name) => [name, account[name]]));
const STANDARD = ['email', 'email_verified', 'name', 'given_name', 'family_name'];

const SPEECH: Record<'google' | 'linkedin' | 'gitlab' | 'slack' | 'twitch', Speech> = {
  // Google: the ID token carries the address, its verification and, for Workspace, `hd`.
  google: { idToken: (account) => pick(account, [...STANDARD, 'hd', 'picture']), userinfo: (account) => pick(account, [...STANDARD, 'hd', 'picture']) },
  // LinkedIn: names in the ID token; the address and its verification from userinfo; `locale` an object.
  linkedin: { idToken: (account) => pick(account, ['name', 'given_name', 'family_name']), userinfo: (account) => ({ ...pick(account, [...STANDARD, 'picture']), locale: { country: 'US', language: 'en' } }) },
  // GitLab: a minimal ID token; userinfo has the address, its verification, the nickname and groups.
  gitlab: { idToken: () => ({}), userinfo: (account) => ({ ...pick(account, [...STANDARD, 'nickname', 'preferred_username']), groups: [] }) },
  // Slack: the standard claims plus its namespaced ones, in both.
  slack: {
    idToken: (account) => ({ ...pick(account, STANDARD), 'https://slack.com/user_id': account['sub'], 'https://slack.com/team_id': 'T0R7GR', 'https://slack.com/team_name': 'Example' }),
    userinfo: (account) => ({ ...pick(account, STANDARD), 'https://slack.com/user_id': account['sub'], 'https://slack.com/team_id': 'T0R7GR', 'https://slack.com/team_domain': 'example' }),
  },
  // Twitch: only what the `claims` parameter names, for each target; its token response's `scope`
  // is a JSON array, its `token_type` lower-case.
  twitch: { idToken: (account, requested) => pick(account, requested.id_token), userinfo: (account, requested) => pick(account, requested.userinfo), tokenType: 'bearer', scope: ['openid', 'user:read:email'] },
};

describeEachEngine('OpenID Connect presets: Google, LinkedIn, GitLab, Slack, Twitch', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;
  const fakes = new Map<keyof typeof SPEECH, Fake>();

  before(async () => {
    node = await startListeningServer(current().engine);
    rp = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] }));
    const deps = { transaction: node.server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false };
    for (const preset of Object.keys(SPEECH) as (keyof typeof SPEECH)[]) {
      const fake = await startOidcFake(SPEECH[preset]);
      fakes.set(preset, fake);
      await createConnection(deps, node.server.defaultTenant, { id: preset, preset, clientId: CLIENT_ID, clientSecret: SECRET, trustEmailVerified: true, issuer: fake.origin }, SYSTEM_ACTOR);
    }
  });
  after(async () => {
    await node?.stop();
    for (const fake of fakes.values()) await fake.close();
  });

  /** From the application to the provider's button and back to Foyer: the page Foyer shows. */
  async function throughButton(browser: BrowserSession, url: URL, connection: string) {
    const page = await browser.open(url);
    const out = await browser.submit(requireForm(page, isAction('/federation')), { connection });
    assert.ok(out.redirectedTo, `a redirect upstream: ${out.status} ${textOf(out.html).slice(0, 200)}`);
    const back = await browser.open(out.redirectedTo);
    assert.ok(back.redirectedTo, `the fake answers at once: ${back.status} ${textOf(back.html).slice(0, 200)}`);
    return browser.open(back.redirectedTo);
  }

  /** Signs up through the preset: the new account's traits, and the same account on a second sign-in. */
  async function signsUp(preset: keyof typeof SPEECH, account: Account) {
    fakes.get(preset)!.account = account;
    const signIn = () => authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const browser = createBrowserSession();
      const page = await browser.drive(await throughButton(browser, url, preset), { consent: true });
      assert.ok(page.redirectedTo, textOf(page.html).slice(0, 300));
      return page.redirectedTo;
    });
    const created = await signIn();
    const again = await signIn();
    assert.equal(again.claims.sub, created.claims.sub, 'the second sign-in finds the same account');
    assert.deepEqual(again.claims['amr'], ['fed']);
    const identity = await node.server.stores.identities.findById(node.server.defaultTenant.id, created.claims.sub);
    return identity!.traits;
  }

  /** An unverified address: Foyer asks to connect an existing account and creates none. */
  async function createsNothing(preset: keyof typeof SPEECH, account: Account) {
    fakes.get(preset)!.account = account;
    let shown = '';
    // The application gets an error (the customer went no further): only the page matters here.
    await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      shown = textOf((await throughButton(createBrowserSession(), url, preset)).html);
      return new URL(`${WEB_CALLBACK}?error=access_denied`);
    }).catch(() => undefined);
    assert.match(shown, /Connect .+ to your account/);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', String(account['email'])), undefined);
  }

  test('Google: a Workspace account (hd) with email_verified signs up and in; email_verified false creates nothing', async () => {
    const email = uniqueEmail('google');
    const traits = await signsUp('google', { sub: '110169484474386276334', email, email_verified: true, hd: 'example.test', name: 'Gina Google', given_name: 'Gina', family_name: 'Google' });
    assert.deepEqual([traits['email'], traits['name']], [email, 'Gina Google']);
    await createsNothing('google', { sub: '110169484474386276335', email: uniqueEmail('google-unverified'), email_verified: false, name: 'Ungo' });
  });

  test('LinkedIn: the address and email_verified from userinfo sign up and in; unverified creates nothing', async () => {
    const email = uniqueEmail('linkedin');
    const traits = await signsUp('linkedin', { sub: '782bbtaQ', email, email_verified: true, name: 'Lin Kedin', given_name: 'Lin', family_name: 'Kedin' });
    assert.deepEqual([traits['email'], traits['name']], [email, 'Lin Kedin']);
    await createsNothing('linkedin', { sub: '782bbtaR', email: uniqueEmail('linkedin-unverified'), email_verified: false, name: 'Unlinked' });
  });

  test('GitLab: email_verified from userinfo signs up and in; unverified creates nothing', async () => {
    const email = uniqueEmail('gitlab');
    const traits = await signsUp('gitlab', { sub: '1234567', email, email_verified: true, name: 'Gil Lab', nickname: 'gil', preferred_username: 'gil' });
    assert.deepEqual([traits['email'], traits['name']], [email, 'Gil Lab']);
    await createsNothing('gitlab', { sub: '1234568', email: uniqueEmail('gitlab-unverified'), email_verified: false, name: 'Ungil', nickname: 'ungil' });
  });

  test('Slack: its namespaced claims beside the standard ones; email_verified signs up and in', async () => {
    const email = uniqueEmail('slack');
    const traits = await signsUp('slack', { sub: 'U0R7MFMJM', email, email_verified: true, name: 'Sla Ck', given_name: 'Sla', family_name: 'Ck' });
    assert.deepEqual([traits['email'], traits['name']], [email, 'Sla Ck']);
    await createsNothing('slack', { sub: 'U0R7MFMJN', email: uniqueEmail('slack-unverified'), email_verified: false, name: 'Unslack' });
  });

  test('Twitch: the claims parameter asks for the address by name; preferred_username is the name', async () => {
    const email = uniqueEmail('twitch');
    const traits = await signsUp('twitch', { sub: '713936733', email, email_verified: true, preferred_username: 'twitchy' });
    const requested = JSON.parse(fakes.get('twitch')!.lastAuthorization?.get('claims') ?? '{}') as Record<string, Record<string, unknown> | undefined>;
    assert.ok('email' in (requested['id_token'] ?? {}) && 'email_verified' in (requested['userinfo'] ?? {}), 'the claims parameter names email and email_verified');
    assert.deepEqual([traits['email'], traits['name']], [email, 'twitchy']);
    await createsNothing('twitch', { sub: '713936734', email: uniqueEmail('twitch-unverified'), email_verified: false, preferred_username: 'untwitchy' });
  });
});
