// Connected accounts in the account portal and the Account API, against a real upstream: a customer
// who signed up through a connection sees it, cannot disconnect their only way to sign in (portal
// and API: 409 federation.last_method), connects a second upstream account from the portal, may
// then disconnect either, and the link is gone (it signs in no more as that account).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, requireForm, isAction, textOf, formsOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { startUpstreamIdp } from '../helpers/upstream-idp.ts';
import type { UpstreamIdp } from '../helpers/upstream-idp.ts';
import { createConnection } from '../../src/domain/federation/connections.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const SECRET = 'upstream-client-secret-0123456789';

describeEachEngine('connected accounts in the portal and the Account API', (current) => {
  let node: ListeningServer;
  let upstream: UpstreamIdp;
  let rp: client.Configuration;
  let shop: Tenant;
  let base: string;

  // A tenant without emailed sign-in codes, so that a connected account can be the only way in.
  before(async () => {
    node = await startListeningServer(current().engine);
    shop = await createTenant(node.server, 'shop', { passwordless: { email: false } });
    base = `${node.url}/t/shop`;
    upstream = await startUpstreamIdp({ clientId: 'foyer', clientSecret: SECRET, redirectUris: [`${base}/federation/callback`] });
    rp = await relyingParty(base, await registerApplication(node.server, shop.id, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [WEB_CALLBACK] }));
    const deps = { transaction: node.server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false };
    for (const [id, name] of [['acme-id', 'Acme ID'], ['other-id', 'Other ID']] as const) {
      await createConnection(deps, shop, { id, kind: 'oidc', displayName: name, clientId: 'foyer', clientSecret: SECRET, issuer: upstream.issuer, trustEmailVerified: true }, SYSTEM_ACTOR);
    }
  });
  after(async () => {
    await node?.stop();
    await upstream?.stop();
  });

  async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const response = await fetch(`${base}/api/account${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Clicks `connection`'s button on a page with the buttons, signs in upstream as `subject`, and follows the way back. */
  async function throughUpstream(browser: BrowserSession, page: Page, action: string, connection: string, subject: string): Promise<Page> {
    const out = await browser.submit(requireForm(page, isAction(action)), { connection });
    assert.ok(out.redirectedTo, `expected a redirect upstream: ${out.status} ${textOf(out.html).slice(0, 200)}`);
    return browser.open(await upstream.signIn(out.redirectedTo, subject));
  }

  test('signed up through a connection: the portal and the API show it and refuse to remove the only way in; a second one connected from the portal makes either removable', async () => {
    const email = uniqueEmail('connected');
    upstream.accounts.set('c-1', { email, email_verified: true });
    upstream.accounts.set('c-2', { email: uniqueEmail('other'), email_verified: true });
    const browser = createBrowserSession();

    // The portal asks to sign in; the customer signs up with Acme ID and lands on the page asked for.
    const signIn = await browser.open(`${base}/account/connections`);
    const portal = await browser.drive(await throughUpstream(browser, signIn, '/federation', 'acme-id', 'c-1'), {});
    assert.equal(portal.url.pathname, '/t/shop/account/connections', textOf(portal.html).slice(0, 300));
    assert.match(textOf(portal.html), /Acme ID/);
    assert.match(textOf(portal.html), /your only way to sign in/);
    assert.doesNotMatch(portal.html, /connections\/remove/);

    // The same customer's Account API token (single sign-on through the first-party application).
    const { tokens } = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid account' }, (url) => browser.authorize(url, { consent: true }));
    const listed = await api('GET', '/connections', tokens.access_token);
    assert.equal(listed.status, 200);
    assert.deepEqual((listed.body['connections'] as { connection: string; removable: boolean; email: string }[]).map((item) => [item.connection, item.removable, item.email]), [['acme-id', false, email]]);
    const refused = await api('DELETE', '/connections/acme-id', tokens.access_token);
    assert.equal(refused.status, 409);
    assert.equal(refused.body['code'], 'federation.last_method');
    // A POST from the portal without a button is refused the same way.
    const csrf = formsOf(portal).find((form) => form.fields['csrf_token'])!.fields['csrf_token']!;
    const portalRefusal = await browser.open(`${base}/account/connections/remove`, { method: 'POST', body: new URLSearchParams({ csrf_token: csrf, connection: 'acme-id' }) });
    assert.equal(portalRefusal.status, 409);

    // Connect Other ID from the portal.
    const linked = await throughUpstream(browser, portal, '/connections/link', 'other-id', 'c-2');
    assert.equal(linked.url.pathname, '/t/shop/account/connections');
    assert.match(textOf(linked.html), /The account is connected/);
    const both = await api('GET', '/connections', tokens.access_token);
    assert.deepEqual((both.body['connections'] as { connection: string; removable: boolean }[]).map((item) => [item.connection, item.removable]).sort(), [['acme-id', true], ['other-id', true]]);

    // Now Acme ID may go; the link is gone and Other ID is the last way in.
    assert.equal((await api('DELETE', '/connections/acme-id', tokens.access_token)).status, 204);
    const after = await api('GET', '/connections', tokens.access_token);
    assert.deepEqual((after.body['connections'] as { connection: string; removable: boolean }[]).map((item) => [item.connection, item.removable]), [['other-id', false]]);
    assert.equal(await node.server.stores.identities.findCredential(shop.id, 'federated', 'acme-id:c-1'), undefined);
    const activity = await node.server.stores.audit.list(shop.id, { targetId: String(tokens.claims()!.sub), limit: 20 });
    assert.ok(activity.some((entry) => entry.action === 'identity.connection_unlinked'));
    assert.ok(activity.some((entry) => entry.action === 'identity.connection_linked' && (entry.details as { connection?: string })['connection'] === 'other-id'));
  });

  test('a connection flow started by one customer is not completed in another customer’s portal', async () => {
    upstream.accounts.set('mallory', { email: uniqueEmail('mallory'), email_verified: true });
    upstream.accounts.set('victim', { email: uniqueEmail('victim'), email_verified: true });
    const mallory = createBrowserSession();
    const malloryPortal = await mallory.drive(await throughUpstream(mallory, await mallory.open(`${base}/account/connections`), '/federation', 'acme-id', 'mallory'), {});
    // Mallory starts connecting Other ID, signs in upstream, but hands the way back to the victim.
    const out = await mallory.submit(requireForm(malloryPortal, isAction('/connections/link')), { connection: 'other-id' });
    const back = await upstream.signIn(out.redirectedTo!, 'mallory');
    const victim = createBrowserSession();
    await victim.drive(await throughUpstream(victim, await victim.open(`${base}/account/connections`), '/federation', 'acme-id', 'victim'), {});
    const landed = await victim.open(back);
    assert.equal(landed.status, 400);
    assert.equal(await node.server.stores.identities.findCredential(shop.id, 'federated', 'other-id:mallory'), undefined);
  });

  /** A customer signed up through Acme ID in the portal, with the first-party app's Account API token. */
  async function customerWithToken(subject: string): Promise<{ browser: BrowserSession; token: string; sub: string }> {
    upstream.accounts.set(subject, { email: uniqueEmail(subject), email_verified: true });
    const browser = createBrowserSession();
    await browser.drive(await throughUpstream(browser, await browser.open(`${base}/account/connections`), '/federation', 'acme-id', subject), {});
    const { tokens } = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid account' }, (url) => browser.authorize(url, { consent: true }));
    return { browser, token: tokens.access_token, sub: String(tokens.claims()!.sub) };
  }

  test('the Account API starts connecting an account: the app opens redirect_to, the customer signs in upstream, and the browser comes back to return_to with the account linked; bad input is refused', async () => {
    const { browser, token, sub } = await customerWithToken('api-1');
    upstream.accounts.set('api-2', { email: uniqueEmail('api-2'), email_verified: false });
    assert.equal((await api('POST', '/connections', token, { connection: 'nope' })).status, 404);
    const wrongReturn = await api('POST', '/connections', token, { connection: 'other-id', return_to: 'https://evil.example/callback' });
    assert.equal(wrongReturn.status, 400);
    const taken = await api('POST', '/connections', token, { connection: 'acme-id' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body['code'], 'federation.already_linked');
    assert.equal((await fetch(`${base}/api/account/connections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ connection: 'other-id' }) })).status, 401);

    const started = await api('POST', '/connections', token, { connection: 'other-id', return_to: WEB_CALLBACK });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const redirectTo = new URL(String(started.body['redirect_to']));
    assert.equal(redirectTo.origin, new URL(upstream.issuer).origin);
    for (const parameter of ['state', 'nonce', 'code_challenge']) assert.ok(redirectTo.searchParams.get(parameter), parameter);
    // An unverified upstream address does not matter here: the customer is signed in, and links their own account.
    const back = await browser.open(await upstream.signIn(redirectTo, 'api-2'));
    assert.ok(back.redirectedTo?.href.startsWith(`${WEB_CALLBACK}?`), `back to the app: ${back.status} ${back.redirectedTo?.href ?? textOf(back.html).slice(0, 200)}`);
    assert.equal(back.redirectedTo?.searchParams.get('connection'), 'other-id');
    assert.equal(back.redirectedTo?.searchParams.get('result'), 'linked');
    const listed = await api('GET', '/connections', token);
    assert.deepEqual((listed.body['connections'] as { connection: string }[]).map((item) => item.connection).sort(), ['acme-id', 'other-id']);
    assert.equal((await node.server.stores.identities.findCredential(shop.id, 'federated', 'other-id:api-2'))?.identityId, sub);
  });

  test('a connection started through the Account API by one customer links nothing when another customer’s browser comes back with it', async () => {
    const mallory = await customerWithToken('api-mallory');
    const victim = await customerWithToken('api-victim');
    upstream.accounts.set('api-victim-other', { email: uniqueEmail('api-victim-other'), email_verified: true });
    const started = await api('POST', '/connections', mallory.token, { connection: 'other-id' });
    assert.equal(started.status, 201);
    // Mallory sends the link to the victim, who signs in at the provider with their own account.
    const landed = await victim.browser.open(await upstream.signIn(new URL(String(started.body['redirect_to'])), 'api-victim-other'));
    assert.equal(landed.status, 400);
    assert.equal(await node.server.stores.identities.findCredential(shop.id, 'federated', 'other-id:api-victim-other'), undefined);
  });
});
