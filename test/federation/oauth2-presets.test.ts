// The OAuth 2 presets without a browser fake of their own, against small local fakes of X,
// Discord and Amazon through the hosted pages: X authenticates the client with HTTP Basic, requires
// PKCE and gives no address, so a first sign-in creates nothing and is linked to the account the
// customer proves with its password, after which X alone signs in (its subject read from `data.id`);
// Discord's address counts as verified only with its `verified` flag; Amazon's profile API
// (/user/profile) names the account by `user_id` and never says whether its address is verified,
// so its first sign-in creates nothing, even for an address an account has, until linked. On both
// engines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const CLIENT_ID = 'foyer-client';
const SECRET = 'oauth2-preset-secret-0123456789';

type Fake = { origin: string; account: Record<string, unknown>; tokenRequests: { basic: boolean; verifier: boolean }[]; close(): Promise<void> };

/**
 * One OAuth 2 provider: authorization answers at once for `account` (no page), the token endpoint
 * takes the client by HTTP Basic (X) or in the body (Discord) and checks PKCE, the user API answers
 * `profile(account)`.
 */
async function startFake(options: { readonly basicOnly: boolean; readonly profile: (account: Record<string, unknown>) => unknown }): Promise<Fake> {
  const codes = new Map<string, { challenge: string; redirectUri: string; account: Record<string, unknown> }>();
  const tokens = new Map<string, Record<string, unknown>>();
  const fake: Fake = { origin: '', account: {}, tokenRequests: [], close: async () => {} };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', fake.origin);
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const form = new URLSearchParams(body);
    const json = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (url.pathname === '/authorize') {
      if (url.searchParams.get('code_challenge_method') !== 'S256') return json(400, { error: 'invalid_request' });
      const code = randomBytes(12).toString('hex');
      codes.set(code, { challenge: url.searchParams.get('code_challenge')!, redirectUri: url.searchParams.get('redirect_uri')!, account: fake.account });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state')!);
      return response.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/token') {
      // RFC 6749 2.3.1: the id and secret form-decoded after base64.
      const [id, password] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      const basic = id === CLIENT_ID && password === SECRET;
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = !!grant && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === grant.challenge;
      fake.tokenRequests.push({ basic, verifier });
      const authenticated = basic || (!options.basicOnly && form.get('client_id') === CLIENT_ID && form.get('client_secret') === SECRET);
      if (!authenticated) return json(401, { error: 'unauthorized_client' });
      if (!grant || !verifier || grant.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
      const token = randomBytes(16).toString('hex');
      tokens.set(token, grant.account);
      return json(200, { token_type: 'bearer', access_token: token, expires_in: 7200, scope: 'users.read tweet.read' });
    }
    if (url.pathname === '/me' || url.pathname === '/user/profile') {
      const account = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /, ''));
      return account ? json(200, options.profile(account)) : json(401, { title: 'Unauthorized' });
    }
    json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

describeEachEngine('OAuth 2 presets: X, Discord and Amazon', (current) => {
  let node: ListeningServer;
  let x: Fake;
  let discord: Fake;
  let amazon: Fake;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    x = await startFake({ basicOnly: true, profile: (account) => ({ data: account }) });
    discord = await startFake({ basicOnly: false, profile: (account) => account });
    amazon = await startFake({ basicOnly: false, profile: (account) => account });
    rp = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] }));
    const deps = { transaction: node.server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false };
    const endpoints = (fake: Fake) => ({ authorization: `${fake.origin}/authorize`, token: `${fake.origin}/token`, userinfo: `${fake.origin}/me` });
    await createConnection(deps, node.server.defaultTenant, { id: 'x', preset: 'x', clientId: CLIENT_ID, clientSecret: SECRET, trustEmailVerified: true, endpoints: endpoints(x) }, SYSTEM_ACTOR);
    await createConnection(deps, node.server.defaultTenant, { id: 'discord', preset: 'discord', clientId: CLIENT_ID, clientSecret: SECRET, trustEmailVerified: true, endpoints: endpoints(discord) }, SYSTEM_ACTOR);
    await createConnection(deps, node.server.defaultTenant, { id: 'amazon', preset: 'amazon', clientId: CLIENT_ID, clientSecret: SECRET, trustEmailVerified: true, endpoints: { ...endpoints(amazon), userinfo: `${amazon.origin}/user/profile` } }, SYSTEM_ACTOR);
  });
  after(async () => {
    await node?.stop();
    await x?.close();
    await discord?.close();
    await amazon?.close();
  });

  /** From the application to the provider's button and back to Foyer: the page Foyer shows. */
  async function throughButton(browser: BrowserSession, url: URL, connection: string) {
    const page = await browser.open(url);
    const out = await browser.submit(requireForm(page, isAction('/federation')), { connection });
    assert.ok(out.redirectedTo, `a redirect upstream: ${out.status} ${textOf(out.html).slice(0, 200)}`);
    const back = await browser.open(out.redirectedTo);
    assert.ok(back.redirectedTo, 'the fake answers at once');
    return browser.open(back.redirectedTo);
  }

  test('X: Basic client authentication and PKCE; no address, so nothing is created; linked with the password, then X alone signs in', async () => {
    const email = uniqueEmail('x-owner');
    const owner = createBrowserSession({ mailbox: node.server.mailbox });
    const signedUp = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK }, (url) => owner.signUpAndAuthorize(url, { email, password: PASSWORD }));
    x.account = { id: '1460987654321', name: 'Xavier', username: 'xavier' };

    const linked = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const browser = createBrowserSession();
      const linkPage = await throughButton(browser, url, 'x');
      assert.match(textOf(linkPage.html), /Connect X to your account/);
      assert.equal(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'federated', 'x:1460987654321'), undefined, 'nothing linked before the proof');
      const done = await browser.drive(await browser.submit(requireForm(linkPage, isAction('/federation/link')), { email, password: PASSWORD }), { consent: true });
      assert.ok(done.redirectedTo, textOf(done.html).slice(0, 300));
      return done.redirectedTo;
    });
    assert.equal(linked.claims.sub, signedUp.claims.sub);
    assert.deepEqual(x.tokenRequests.at(-1), { basic: true, verifier: true });

    const again = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const browser = createBrowserSession();
      const page = await browser.drive(await throughButton(browser, url, 'x'), { consent: true });
      assert.ok(page.redirectedTo, textOf(page.html).slice(0, 300));
      return page.redirectedTo;
    });
    assert.equal(again.claims.sub, signedUp.claims.sub);
    assert.deepEqual(again.claims['amr'], ['fed']);
  });

  test('Discord: an address without the verified flag creates nothing; with it, an account is created', async () => {
    const unverified = uniqueEmail('discord-unverified');
    discord.account = { id: '80351110224678912', username: 'nelly', global_name: 'Nelly', email: unverified, verified: false };
    await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const page = await throughButton(createBrowserSession(), url, 'discord');
      assert.match(textOf(page.html), /Connect Discord to your account/);
      return new URL(`${WEB_CALLBACK}?error=access_denied`);
    }).catch(() => undefined);
    assert.equal(await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', unverified), undefined);

    const verified = uniqueEmail('discord-verified');
    discord.account = { id: '80351110224678913', username: 'vera', global_name: 'Vera', email: verified, verified: true };
    const created = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const browser = createBrowserSession();
      const page = await browser.drive(await throughButton(browser, url, 'discord'), { consent: true });
      assert.ok(page.redirectedTo, textOf(page.html).slice(0, 300));
      return page.redirectedTo;
    });
    const identity = await node.server.stores.identities.findById(node.server.defaultTenant.id, created.claims.sub);
    assert.deepEqual([identity?.traits['email'], identity?.traits['name']], [verified, 'Vera']);
  });

  test('Amazon: user_id is the subject; its address, never verified, creates nothing and links nothing until the password proves the account', async () => {
    const email = uniqueEmail('amazon-owner');
    const owner = createBrowserSession({ mailbox: node.server.mailbox });
    const signedUp = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK }, (url) => owner.signUpAndAuthorize(url, { email, password: PASSWORD }));
    // Amazon's /user/profile with the `profile` scope: the same address as the Foyer account.
    amazon.account = { user_id: 'amzn1.account.AF2ZX5KLQ3S4', name: 'Amy Amazon', email, postal_code: '98052' };

    const linked = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const browser = createBrowserSession();
      const linkPage = await throughButton(browser, url, 'amazon');
      assert.match(textOf(linkPage.html), /Connect Amazon to your account/);
      assert.equal(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'federated', 'amazon:amzn1.account.AF2ZX5KLQ3S4'), undefined, 'nothing linked before the proof');
      const done = await browser.drive(await browser.submit(requireForm(linkPage, isAction('/federation/link')), { email, password: PASSWORD }), { consent: true });
      assert.ok(done.redirectedTo, textOf(done.html).slice(0, 300));
      return done.redirectedTo;
    });
    assert.equal(linked.claims.sub, signedUp.claims.sub);
    assert.ok(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'federated', 'amazon:amzn1.account.AF2ZX5KLQ3S4'), 'linked under its user_id');
    assert.deepEqual(amazon.tokenRequests.at(-1), { basic: false, verifier: true });

    const again = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
      const browser = createBrowserSession();
      const page = await browser.drive(await throughButton(browser, url, 'amazon'), { consent: true });
      assert.ok(page.redirectedTo, textOf(page.html).slice(0, 300));
      return page.redirectedTo;
    });
    assert.equal(again.claims.sub, signedUp.claims.sub);
    assert.deepEqual(again.claims['amr'], ['fed']);
  });
});
