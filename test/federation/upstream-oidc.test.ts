// Sign-in through a generic OpenID Connect connection, against a real upstream (an oidc-provider
// instance on loopback) and through the hosted pages: sign-up with a trusted verified email, sign-in
// again by the link, `amr` fed in Foyer's ID token, trait mapping, linking to an existing account
// only after its password proves it, the account-takeover attempt (an unverified upstream email
// equal to a victim's) refused, and the mix-up defence (a forged `iss` in the upstream's answer).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { startUpstreamIdp } from '../helpers/upstream-idp.ts';
import type { UpstreamIdp } from '../helpers/upstream-idp.ts';
import { createConnection, updateConnection } from '../../src/domain/federation/connections.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

const WEB_CALLBACK = 'https://web.example.test/callback';
const NATIVE_CALLBACK = 'com.example.app:/federation';
const UPSTREAM_SECRET = 'upstream-client-secret-0123456789';

describeEachEngine('sign-in through an OpenID Connect connection', (current) => {
  let node: ListeningServer;
  let upstream: UpstreamIdp;
  let rp: client.Configuration;
  let nativeClientId: string;
  const deps = () => ({ transaction: node.server.transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false });

  before(async () => {
    node = await startListeningServer(current().engine);
    upstream = await startUpstreamIdp({ clientId: 'foyer', clientSecret: UPSTREAM_SECRET, redirectUris: [`${node.url}/federation/callback`] });
    const web = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', redirectUris: [WEB_CALLBACK] });
    rp = await relyingParty(node.url, web);
    nativeClientId = (await registerApplication(node.server, node.server.defaultTenant.id, { name: 'App', kind: 'native', redirectUris: [NATIVE_CALLBACK] })).application.id;
    await createConnection(deps(), node.server.defaultTenant, {
      id: 'acme-id', kind: 'oidc', displayName: 'Acme ID', clientId: 'foyer', clientSecret: UPSTREAM_SECRET, issuer: upstream.issuer,
      scopes: ['openid', 'email', 'profile'], trustEmailVerified: true, mapping: { given_name: 'given_name' },
    }, SYSTEM_ACTOR);
  });
  after(async () => {
    await node?.stop();
    await upstream?.stop();
  });

  /** Clicks the connection's button on Foyer's sign-in page: the redirect to the upstream. */
  async function clickButton(browser: BrowserSession, page: Page): Promise<URL> {
    const buttons = requireForm(page, isAction('/federation'));
    assert.match(page.html, /<button type="submit" name="connection" value="acme-id"[^>]*>Continue with Acme ID<\/button>/);
    const out = await browser.submit(buttons, { connection: 'acme-id' });
    assert.ok(out.redirectedTo, `expected a redirect upstream, got ${out.status}: ${textOf(out.html).slice(0, 200)}`);
    assert.equal(out.redirectedTo.origin, upstream.issuer);
    return out.redirectedTo;
  }

  /** The whole journey from the application to its callback, signing in upstream as `subject`. */
  async function federatedSignIn(subject: string, browser = createBrowserSession()) {
    return authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid email profile' }, async (url) => {
      const start = await browser.open(url);
      const upstreamUrl = await clickButton(browser, start);
      const back = await upstream.signIn(upstreamUrl, subject);
      const page = await browser.drive(await browser.open(back), { consent: true });
      if (!page.redirectedTo) throw new Error(`no redirect to the application: ${page.status} ${textOf(page.html).slice(0, 300)}`);
      return page.redirectedTo;
    });
  }

  test('the upstream request carries state, nonce and PKCE S256; a verified email from a trusted connection signs up, then signs in by the link; amr says fed; traits are mapped', async () => {
    const email = uniqueEmail('fed-new');
    upstream.accounts.set('new-1', { email, email_verified: true, name: 'Ann Example', given_name: 'Ann' });
    const browser = createBrowserSession();
    const upstreamUrl = await clickButton(browser, await browser.open(client.buildAuthorizationUrl(rp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: (await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier())), code_challenge_method: 'S256' })));
    for (const parameter of ['state', 'nonce', 'code_challenge']) assert.ok((upstreamUrl.searchParams.get(parameter) ?? '').length >= 43, parameter);
    assert.equal(upstreamUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(upstreamUrl.searchParams.get('redirect_uri'), `${node.url}/federation/callback`);

    const first = await federatedSignIn('new-1');
    assert.deepEqual(first.claims['amr'], ['fed']);
    const identity = await node.server.stores.identities.findById(node.server.defaultTenant.id, first.claims.sub);
    assert.equal(identity?.traits['email'], email);
    assert.equal(identity?.traits['name'], 'Ann Example');
    assert.equal(identity?.traits['given_name'], 'Ann');
    assert.ok(identity?.addresses.some((address) => address.value === email && address.verifiedAt !== null), 'the trusted upstream verified the address');

    const again = await federatedSignIn('new-1');
    assert.equal(again.claims.sub, first.claims.sub, 'the same account, found by the link');
    const credentials = await node.server.stores.identities.listCredentials(node.server.defaultTenant.id, first.claims.sub);
    assert.deepEqual(credentials.map((credential) => [credential.type, credential.identifiers]), [['federated', ['acme-id:new-1']]]);
  });

  test('account takeover: an upstream account with the victim’s email, unverified, gets no account of theirs, and linking needs the victim’s password', async () => {
    const victimEmail = uniqueEmail('victim');
    const victim = createBrowserSession({ mailbox: node.server.mailbox });
    const signedUp = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK }, (url) => victim.signUpAndAuthorize(url, { email: victimEmail, password: PASSWORD }));
    upstream.accounts.set('attacker', { email: victimEmail, email_verified: false });

    const browser = createBrowserSession();
    const start = await browser.open(client.buildAuthorizationUrl(rp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' }));
    const back = await upstream.signIn(await clickButton(browser, start), 'attacker');
    const page = await browser.open(back);
    assert.equal(page.redirectedTo, undefined, 'nobody is signed in');
    assert.ok(findForm(page, isAction('/federation/link')), 'the page asks to sign in to an existing account first');
    assert.doesNotMatch(page.html, new RegExp(victimEmail.replace(/[.+]/g, '\\$&')), 'the page does not reveal the account');
    const refused = await browser.submit(requireForm(page, isAction('/federation/link')), { email: victimEmail, password: 'not the password 123' });
    assert.equal(refused.status, 401);
    const credentials = await node.server.stores.identities.listCredentials(node.server.defaultTenant.id, signedUp.claims.sub);
    assert.deepEqual(credentials.map((credential) => credential.type), ['password'], 'no link was made');
    assert.equal(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'federated', 'acme-id:attacker'), undefined);
  });

  test('linking with proof: an untrusted connection’s upstream account is linked to the account whose password the customer gives; amr says pwd and fed', async () => {
    await updateConnection(deps(), node.server.defaultTenant, 'acme-id', { trustEmailVerified: false }, SYSTEM_ACTOR);
    try {
      const email = uniqueEmail('owner');
      const owner = createBrowserSession({ mailbox: node.server.mailbox });
      const signedUp = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK }, (url) => owner.signUpAndAuthorize(url, { email, password: PASSWORD }));
      upstream.accounts.set('owner-upstream', { email, email_verified: true });

      const result = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid' }, async (url) => {
        const browser = createBrowserSession();
        const back = await upstream.signIn(await clickButton(browser, await browser.open(url)), 'owner-upstream');
        const linkPage = await browser.open(back);
        const done = await browser.drive(await browser.submit(requireForm(linkPage, isAction('/federation/link')), { email, password: PASSWORD }), { consent: true });
        assert.ok(done.redirectedTo, textOf(done.html).slice(0, 300));
        return done.redirectedTo;
      });
      assert.equal(result.claims.sub, signedUp.claims.sub);
      assert.deepEqual([...(result.claims['amr'] as string[])].sort(), ['fed', 'pwd']);
      // Next time, the link alone signs in.
      const next = await federatedSignIn('owner-upstream');
      assert.equal(next.claims.sub, signedUp.claims.sub);
      assert.deepEqual(next.claims['amr'], ['fed']);
    } finally {
      await updateConnection(deps(), node.server.defaultTenant, 'acme-id', { trustEmailVerified: true }, SYSTEM_ACTOR);
    }
  });

  test('mix-up defence: an answer whose iss names another issuer is refused (RFC 9207), and the flow cannot be replayed', async () => {
    upstream.accounts.set('mixup', { email: uniqueEmail('mixup'), email_verified: true });
    const browser = createBrowserSession();
    const start = await browser.open(client.buildAuthorizationUrl(rp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' }));
    const back = await upstream.signIn(await clickButton(browser, start), 'mixup');
    assert.equal(back.searchParams.get('iss'), upstream.issuer);
    const forged = new URL(back);
    forged.searchParams.set('iss', 'https://attacker.example.test');
    const page = await browser.open(forged);
    assert.equal(page.redirectedTo, undefined);
    assert.equal(page.status, 400);
    assert.match(textOf(page.html), /did not work/);
    const replay = await browser.open(back);
    assert.equal(replay.status, 400, 'the state was spent by the refused answer');
    assert.equal(await node.server.stores.identities.findCredential(node.server.defaultTenant.id, 'federated', 'acme-id:mixup'), undefined);
  });

  test('a forged or stale state, and an upstream error answer, sign nobody in', async () => {
    const stale = await createBrowserSession().open(`${node.url}/federation/callback?code=abc&state=${'x'.repeat(43)}&iss=${encodeURIComponent(upstream.issuer)}`);
    assert.equal(stale.status, 400);
    const browser = createBrowserSession();
    const start = await browser.open(client.buildAuthorizationUrl(rp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' }));
    const upstreamUrl = await clickButton(browser, start);
    const denied = await browser.open(`${node.url}/federation/callback?error=access_denied&state=${upstreamUrl.searchParams.get('state')}&iss=${encodeURIComponent(upstream.issuer)}`);
    assert.equal(denied.status, 400);
    assert.ok(findForm(denied, isAction('/signin')), 'back on the sign-in page');
  });

  test('the JSON flows API: a native app lists the connections, sends the customer upstream, and exchanges its token for a session once', async () => {
    const email = uniqueEmail('native');
    upstream.accounts.set('native-1', { email, email_verified: true, name: 'Nat' });
    const post = (path: string, body: unknown) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const flow = (await (await fetch(`${node.url}/flows/login`, { method: 'POST' })).json()) as { id: string };
    const offered = (await (await fetch(`${node.url}/flows/login/${flow.id}/federation?client_id=${nativeClientId}`)).json()) as { connections: { id: string; name: string }[] };
    assert.deepEqual(offered.connections.map((connection) => [connection.id, connection.name]), [['acme-id', 'Acme ID']]);

    const elsewhere = await post(`/flows/login/${flow.id}/federation`, { connection: 'acme-id', client_id: nativeClientId, return_to: 'https://attacker.example/steal' });
    assert.equal(elsewhere.status, 400, 'only a redirect URI of the app');
    const started = await post(`/flows/login/${flow.id}/federation`, { connection: 'acme-id', client_id: nativeClientId, return_to: NATIVE_CALLBACK });
    assert.equal(started.status, 200);
    const { redirect_to: redirectTo, exchange_token: exchangeToken } = (await started.json()) as { redirect_to: string; exchange_token: string };
    const back = await upstream.signIn(new URL(redirectTo), 'native-1');
    const callback = await fetch(back, { redirect: 'manual' });
    assert.equal(callback.status, 303);
    const location = new URL(String(callback.headers.get('location')));
    assert.equal(location.href.split('?')[0], NATIVE_CALLBACK);
    assert.equal(location.searchParams.get('flow'), flow.id);
    const code = String(location.searchParams.get('federation_code'));
    assert.match(code, /^[\w-]{43}$/);

    const wrong = await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: 'x'.repeat(43), federation_code: code });
    assert.equal(wrong.status, 409, 'the redirect alone completes nothing');
    // The one who started the sign-in but never saw the browser come back (a victim sent its
    // provider link) holds the exchange token only: it completes nothing.
    const tokenOnly = await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: exchangeToken, federation_code: 'y'.repeat(43) });
    assert.equal(tokenOnly.status, 409, 'the token without the code completes nothing');
    assert.equal((await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: exchangeToken })).status, 400, 'the code is required');
    const completed = await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: exchangeToken, federation_code: code });
    assert.equal(completed.status, 200, await completed.clone().text());
    const session = (await completed.json()) as { session: { token: string; amr: string[] }; identity: { traits: Record<string, unknown> } };
    assert.deepEqual(session.session.amr, ['fed']);
    assert.equal(session.identity.traits['email'], email);
    const whoami = await fetch(`${node.url}/sessions/whoami`, { headers: { authorization: `Bearer ${session.session.token}` } });
    assert.equal(whoami.status, 200);
    const again = await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: exchangeToken, federation_code: code });
    assert.equal(again.status, 409, 'once');
  });

  test('the JSON flows API: a federated sign-in the app asks MFA for answers the second-factor step, not a session (ADR 36)', async () => {
    const email = uniqueEmail('native-mfa');
    upstream.accounts.set('native-mfa', { email, email_verified: true, name: 'Mia' });
    const post = (path: string, body: unknown) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const flow = (await (await fetch(`${node.url}/flows/login?acr_values=${encodeURIComponent('urn:foyer:acr:mfa')}`, { method: 'POST' })).json()) as { id: string };
    const started = (await (await post(`/flows/login/${flow.id}/federation`, { connection: 'acme-id', client_id: nativeClientId, return_to: NATIVE_CALLBACK })).json()) as { redirect_to: string; exchange_token: string };
    const back = await fetch(await upstream.signIn(new URL(started.redirect_to), 'native-mfa'), { redirect: 'manual' });
    assert.equal(back.status, 303);
    const code = new URL(String(back.headers.get('location'))).searchParams.get('federation_code');
    const completed = await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: started.exchange_token, federation_code: code });
    assert.equal(completed.status, 200, await completed.clone().text());
    const step = (await completed.json()) as { session?: unknown; flow: { type: string; ui: { decline?: string; enrolment?: unknown } } };
    assert.equal(step.session, undefined, 'no session before the second factor');
    assert.equal(step.flow.type, 'second_factor');
    assert.ok(step.flow.ui.enrolment, 'a new account has no factor: the app may set one up');
    assert.equal((await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: started.exchange_token, federation_code: code })).status, 409);
    // A voluntary request may be declined: the session then says the upstream sign-in alone.
    const declined = (await (await post(new URL(step.flow.ui.decline!).pathname, {})).json()) as { session: { amr: string[] } };
    assert.deepEqual(declined.session.amr, ['fed']);
  });

  /** A native app's federated sign-in through the JSON flows API, to the session. */
  async function nativeSignIn(subject: string): Promise<{ session: { token: string; amr: string[] }; identity: { id: string } }> {
    const post = (path: string, body: unknown) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const flow = (await (await fetch(`${node.url}/flows/login`, { method: 'POST' })).json()) as { id: string };
    const started = (await (await post(`/flows/login/${flow.id}/federation`, { connection: 'acme-id', client_id: nativeClientId, return_to: NATIVE_CALLBACK })).json()) as { redirect_to: string; exchange_token: string };
    const back = await fetch(await upstream.signIn(new URL(started.redirect_to), subject), { redirect: 'manual' });
    assert.equal(back.status, 303);
    const code = new URL(String(back.headers.get('location'))).searchParams.get('federation_code');
    const completed = await post(`/flows/login/${flow.id}/federation/complete`, { exchange_token: started.exchange_token, federation_code: code });
    assert.equal(completed.status, 200, await completed.clone().text());
    return (await completed.json()) as { session: { token: string; amr: string[] }; identity: { id: string } };
  }

  test('federated sign-ins are recorded as every sign-in is: counted by method `federated` (the sign-up not counted as a return by its own sign-in), and identity.signed_in delivered to a subscription', async () => {
    const token = await machineToken(node.server, ['stats:read', 'subscriptions:read', 'subscriptions:write']);
    const receiver = await startWebhookReceiver();
    try {
      const subscribed = await callAdmin(node.server, token, 'POST', '/tenants/default/subscriptions', { body: { url: receiver.url, event_types: ['identity.signed_in'] } });
      assert.equal(subscribed.statusCode, 201, subscribed.body);
      const signInsByMethod = async () => {
        await node.server.stats.flush();
        const series = (await callAdmin(node.server, token, 'GET', '/tenants/default/stats/sign-ins?by=method')).json<{ days: { by: Record<string, number> }[] }>();
        return series.days.at(-1)!.by;
      };
      const returned = async () => (await callAdmin(node.server, token, 'GET', '/tenants/default/stats/funnel')).json<{ days: { returned: number }[] }>().days.at(-1)!.returned;
      const before = await signInsByMethod();
      const returnedBefore = await returned();
      upstream.accounts.set('counted-web', { email: uniqueEmail('fed-counted'), email_verified: true, name: 'Counted' });
      upstream.accounts.set('counted-app', { email: uniqueEmail('fed-app'), email_verified: true, name: 'App' });
      const received = receiver.received.length;
      const signedUp = await federatedSignIn('counted-web');
      assert.equal(await returned(), returnedBefore, 'the sign-in that completed the sign-up is not its return');
      await federatedSignIn('counted-web');
      const native = await nativeSignIn('counted-app');
      const after = await signInsByMethod();
      assert.equal((after['federated'] ?? 0) - (before['federated'] ?? 0), 3, 'hosted sign-up, hosted sign-in and the native app’s sign-in');
      assert.equal(await returned(), returnedBefore + 1, 'the second sign-in is the hosted sign-up’s return');
      const delivered = (await receiver.waitFor(received + 3)).slice(received);
      assert.deepEqual(delivered.map((event) => [event.body.type, event.body.customer, event.body.data['method'], event.body.data['amr']]), [
        ['identity.signed_in', signedUp.claims.sub, 'federated', ['fed']],
        ['identity.signed_in', signedUp.claims.sub, 'federated', ['fed']],
        ['identity.signed_in', native.identity.id, 'federated', ['fed']],
      ]);
      await callAdmin(node.server, token, 'DELETE', `/tenants/default/subscriptions/${subscribed.json<{ subscription: { id: string } }>().subscription.id}`);
    } finally {
      await receiver.close();
    }
  });

  test('home-realm discovery: an address of a domain the connection owns goes to its provider (login_hint), others get the password check; the flows API names the realm', async () => {
    // Through the admin API, which makes the hosted pages' cache of connections forget them at once.
    const token = await machineToken(node.server, ['tenants:read', 'tenants:write']);
    const patched = await callAdmin(node.server, token, 'PATCH', '/tenants/default/connections/acme-id', { body: { domains: ['Acme.example'] } });
    assert.equal(patched.statusCode, 200, patched.body);
    try {
      const email = `ann.${Date.now()}@acme.example`;
      upstream.accounts.set('hrd-1', { email, email_verified: true });
      const signed = await authorizationCodeFlow(rp, { redirectUri: WEB_CALLBACK, scope: 'openid email' }, async (url) => {
        const browser = createBrowserSession();
        const start = await browser.open(url);
        const out = await browser.submit(requireForm(start, isAction('/signin')), { email: email.toUpperCase(), password: '' });
        assert.ok(out.redirectedTo, textOf(out.html).slice(0, 200));
        assert.equal(out.redirectedTo.origin, upstream.issuer);
        assert.equal(out.redirectedTo.searchParams.get('login_hint'), email.toUpperCase());
        const done = await browser.drive(await browser.open(await upstream.signIn(out.redirectedTo, 'hrd-1')), { consent: true });
        return done.redirectedTo!;
      });
      assert.equal(signed.claims['email'], email);
      assert.deepEqual(signed.claims['amr'], ['fed']);

      const other = createBrowserSession();
      const page = await other.open(client.buildAuthorizationUrl(rp, { redirect_uri: WEB_CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' }));
      const refused = await other.submit(requireForm(page, isAction('/signin')), { email: uniqueEmail('elsewhere'), password: 'wrong password 123' });
      assert.equal(refused.status, 401, 'another domain: the password as usual');

      const flow = (await (await fetch(`${node.url}/flows/login`, { method: 'POST' })).json()) as { id: string };
      const realm = (await (await fetch(`${node.url}/flows/login/${flow.id}/federation?client_id=${nativeClientId}&login_hint=${encodeURIComponent(email)}`)).json()) as { home_realm: string | null };
      assert.equal(realm.home_realm, 'acme-id');
      const none = (await (await fetch(`${node.url}/flows/login/${flow.id}/federation?login_hint=x%40example.org`)).json()) as { home_realm: string | null };
      assert.equal(none.home_realm, null);
    } finally {
      await callAdmin(node.server, token, 'PATCH', '/tenants/default/connections/acme-id', { body: { domains: [] } });
    }
  });
});
