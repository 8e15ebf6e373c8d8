// Passkeys through HTTP (ADR 0030), with a software authenticator (bench/software-authenticator.ts)
// in place of the browser's: the Account API adds one (options, then the answer; a replay or another
// origin refused), lists, renames and removes it; the hosted sign-in page signs in with it alone
// (amr hwk, the MFA class), an answer works once and only for its own interaction, origin and
// relying party; as a second factor after the password the ID token says pwd, hwk and mfa; every
// change and use is in the customer's security activity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { assertPasskey, createPasskey } from '../../bench/software-authenticator.ts';
import type { SoftwarePasskey } from '../../bench/software-authenticator.ts';
import { dayOf } from '../../src/domain/stats/stats.ts';

const CALLBACK = 'https://web.example.test/callback';
const MFA = 'urn:foyer:acr:mfa';

type Answer = { status: number; body: Record<string, unknown> };

describeEachEngine('passkeys', (current) => {
  let node: ListeningServer;
  let web: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    web = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  async function signUp(label: string) {
    const email = uniqueEmail(label);
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account' }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));
    return { email, token: tokens.access_token, browser };
  }

  async function api(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${node.url}/api/account${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Adds a passkey through the Account API with the software authenticator. */
  async function addPasskey(token: string, name?: string): Promise<{ passkey: SoftwarePasskey; id: string }> {
    const offer = await api('POST', '/passkeys/options', token);
    assert.equal(offer.status, 200);
    const { response, passkey } = createPasskey(offer.body['options'] as never, node.url);
    const added = await api('POST', '/passkeys', token, { response, enrolment: offer.body['enrolment'], ...(name ? { name } : {}) });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    return { passkey, id: String(added.body['id']) };
  }

  /** The sign-in page's passkey form and the challenge it carries. */
  function passkeyFormOf(page: Page) {
    const form = requireForm(page, isAction('/passkey'));
    const challenge = /data-challenge="([^"]+)"/.exec(page.html)?.[1];
    const rpId = /data-rp-id="([^"]+)"/.exec(page.html)?.[1];
    assert.ok(challenge && rpId, 'the sign-in page carries the ceremony parameters');
    return { form, challenge, rpId };
  }

  async function activityOf(token: string): Promise<string[]> {
    const answer = await api('GET', '/activity', token);
    return (answer.body['activity'] as { action: string }[]).map((entry) => entry.action);
  }

  test('the Account API adds a passkey (a replay and another origin refused), lists, renames and removes it', async () => {
    const { token } = await signUp('passkey-api');
    assert.deepEqual((await api('GET', '/passkeys', token)).body, { passkeys: [] });

    const offer = await api('POST', '/passkeys/options', token);
    const options = offer.body['options'] as { rp: { id: string }; authenticatorSelection: { userVerification: string; residentKey: string }; user: { id: string; name: string } };
    // The relying party is the tenant's host (the public URL's), never the request's Host header.
    assert.equal(options.rp.id, new URL(node.url).hostname);
    assert.equal(options.authenticatorSelection.userVerification, 'required');
    assert.equal(options.authenticatorSelection.residentKey, 'required');
    const elsewhere = createPasskey(options as never, 'https://evil.example.test');
    assert.equal((await api('POST', '/passkeys', token, { response: elsewhere.response, enrolment: offer.body['enrolment'] })).body['code'], 'passkey.invalid');
    const tampered = await api('POST', '/passkeys', token, { response: createPasskey(options as never, node.url).response, enrolment: `${String(offer.body['enrolment']).slice(0, -4)}AAAA` });
    assert.equal(tampered.body['code'], 'passkey.enrolment_expired');

    const { response } = createPasskey(options as never, node.url);
    const added = await api('POST', '/passkeys', token, { response, enrolment: offer.body['enrolment'], name: '  My   laptop ' });
    assert.equal(added.status, 201);
    assert.equal(added.body['name'], 'My laptop');
    assert.equal(added.body['last_used_at'], null);
    assert.equal(added.body['synced'], false);
    const replayed = await api('POST', '/passkeys', token, { response, enrolment: offer.body['enrolment'] });
    assert.equal(replayed.status, 400);
    assert.equal(replayed.body['code'], 'passkey.already_enrolled');

    const id = String(added.body['id']);
    const listed = (await api('GET', '/passkeys', token)).body['passkeys'] as Record<string, unknown>[];
    assert.deepEqual(listed.map((passkey) => passkey['id']), [id]);
    assert.equal(Object.keys(listed[0]!).includes('public_key'), false);

    const renamed = await api('PATCH', `/passkeys/${id}`, token, { name: 'Work laptop' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body['name'], 'Work laptop');
    assert.equal((await api('PATCH', `/passkeys/${id}`, token, { name: '' })).status, 400);

    // Another customer cannot see, rename or remove it.
    const other = await signUp('passkey-other');
    assert.deepEqual((await api('GET', '/passkeys', other.token)).body, { passkeys: [] });
    assert.equal((await api('PATCH', `/passkeys/${id}`, other.token, { name: 'Mine now' })).status, 404);
    assert.equal((await api('DELETE', `/passkeys/${id}`, other.token)).body['code'], 'passkey.not_found');

    assert.equal((await api('DELETE', `/passkeys/${id}`, token)).status, 204);
    assert.equal((await api('DELETE', `/passkeys/${id}`, token)).status, 404);
    assert.deepEqual((await api('GET', '/passkeys', token)).body, { passkeys: [] });
    const actions = await activityOf(token);
    for (const action of ['passkey.enrolled', 'passkey.renamed', 'passkey.removed']) assert.ok(actions.includes(action), `${action} in the security activity`);
  });

  test('a passkey alone signs in on the hosted page: amr hwk, the MFA class; each answer once, for its own interaction, origin and relying party', async () => {
    const { token } = await signUp('passkey-signin');
    const { passkey } = await addPasskey(token);
    const browser = createBrowserSession();
    const passkeySignIns = async () => {
      await node.server.stats.flush();
      const today = dayOf(Date.now());
      const counts = await node.server.stores.stats.countsBetween(node.server.defaultTenant.id, ['signin.succeeded'], today, today);
      return counts.filter((count) => count.method === 'passkey').reduce((sum, count) => sum + count.count, 0);
    };
    const countedBefore = await passkeySignIns();
    let used: Record<string, unknown> | undefined;
    const { claims, tokens } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account' }, async (url) => {
      const page = await browser.open(url);
      const { form, challenge, rpId } = passkeyFormOf(page);
      assert.equal(rpId, new URL(node.url).hostname);
      assert.match(page.headers?.get('content-security-policy') ?? '', /script-src 'self';/);
      assert.doesNotMatch(page.html, /<script>/, 'no inline script');
      used = assertPasskey(passkey, { challenge, rpId }, node.url);
      const signedIn = await browser.submit(form, { response: JSON.stringify(used) });
      assert.ok(signedIn.redirectedTo, textOf(signedIn.html).slice(0, 300));
      return signedIn.redirectedTo;
    });
    assert.deepEqual(claims.amr, ['hwk']);
    assert.equal(claims.acr, MFA);
    assert.equal(await passkeySignIns(), countedBefore + 1, 'counted on the dashboards as a passkey sign-in');
    const listed = (await api('GET', '/passkeys', tokens.access_token)).body['passkeys'] as { last_used_at: string | null }[];
    assert.ok(listed[0]?.last_used_at, 'the passkey says when it was last used');

    const stranger = createBrowserSession();
    const refusedWith = async (answer: (challenge: string, rpId: string) => Record<string, unknown>) => {
      const url = client.buildAuthorizationUrl(web, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const page = await stranger.open(url);
      const { form, challenge, rpId } = passkeyFormOf(page);
      const refused = await stranger.submit(form, { response: JSON.stringify(answer(challenge, rpId)) });
      return { status: refused.status, text: textOf(refused.html) };
    };
    // The same answer in another interaction (another challenge), another origin, another relying party, no user verification, garbage.
    const replay = await refusedWith(() => used!);
    assert.equal(replay.status, 401);
    assert.match(replay.text, /That passkey could not be used here/);
    assert.equal((await refusedWith((challenge, rpId) => assertPasskey(passkey, { challenge, rpId }, 'https://evil.example.test'))).status, 401);
    assert.equal((await refusedWith((challenge) => assertPasskey(passkey, { challenge }, node.url, { rpId: 'evil.example.test' }))).status, 401);
    assert.equal((await refusedWith((challenge, rpId) => assertPasskey(passkey, { challenge, rpId }, node.url, { userVerified: false }))).status, 401);
    assert.equal((await refusedWith(() => ({ id: 'nope', response: {} }))).status, 401);

    const actions = await activityOf(tokens.access_token);
    assert.ok(actions.includes('signin.succeeded') && actions.includes('signin.failed'));
  });

  test('a passkey as the second factor after the password: the ID token says pwd, hwk and mfa', async () => {
    const { email, token } = await signUp('passkey-second');
    const { passkey } = await addPasskey(token);
    const browser = createBrowserSession();
    const { claims } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, parameters: { acr_values: MFA } }, async (url) => {
      const page = await browser.open(url);
      const asked = await browser.submit(requireForm(page, isAction('/signin')), { email, password: PASSWORD });
      assert.match(textOf(asked.html), /Use the passkey saved on this device/);
      const form = requireForm(asked, (candidate) => candidate.fields['method'] === 'passkey');
      const challenge = /data-challenge="([^"]+)"/.exec(asked.html)?.[1] ?? '';
      const allowed = /data-allow="([^"]+)"/.exec(asked.html)?.[1] ?? '';
      assert.match(allowed.replace(/&quot;/g, '"'), new RegExp(`"id":"${passkey.id}"`), 'the step names the customer\'s passkey');
      // A wrong answer first (another challenge): refused, counted, and the step stays.
      const wrong = await browser.submit(form, { code: JSON.stringify(assertPasskey(passkey, { challenge: 'AAAA' }, node.url)) });
      assert.equal(wrong.status, 400);
      const done = await browser.submit(form, { code: JSON.stringify(assertPasskey(passkey, { challenge }, node.url)) });
      assert.ok(done.redirectedTo, textOf(done.html).slice(0, 300));
      return done.redirectedTo;
    });
    assert.deepEqual([...(claims.amr as string[])].sort(), ['hwk', 'mfa', 'pwd']);
    assert.equal(claims.acr, MFA);
    const actions = await activityOf(token);
    assert.ok(actions.includes('mfa.used') && actions.includes('mfa.failed'));
  });

  test('"sign in faster next time": offered after a password sign-in in a browser that can make a passkey; created there, or declined and not asked again', async () => {
    const signInWith = async (browser: BrowserSession, email: string, onOffer: (page: Page) => Promise<Page>) => {
      let offered = false;
      // prompt=login: the same browser signs in again, with its password, each time.
      const { tokens } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account', parameters: { prompt: 'login' } }, async (url) => {
        const page = await browser.open(url);
        const after = await browser.submit(requireForm(page, isAction('/signin')), { email, password: PASSWORD });
        if (after.redirectedTo) return after.redirectedTo;
        offered = true;
        assert.match(textOf(after.html), /Sign in faster next time/);
        const done = await onOffer(after);
        assert.ok(done.redirectedTo, textOf(done.html).slice(0, 300));
        return done.redirectedTo;
      });
      return { offered, token: tokens.access_token };
    };
    const create = async (browser: BrowserSession, page: Page) => {
      const options = JSON.parse((/data-options="([^"]+)"/.exec(page.html)?.[1] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as never;
      return browser.submit(requireForm(page, isAction('/passkey/offer')), { response: JSON.stringify(createPasskey(options, node.url).response) });
    };
    const never = async (): Promise<Page> => assert.fail('not offered');

    // No hint from the page's script (no JavaScript, no platform authenticator): never offered.
    const plain = await signUp('passkey-plain');
    assert.equal((await signInWith(createBrowserSession(), plain.email, never)).offered, false);

    // What passkey.js leaves in a browser that can make one.
    const capable = createBrowserSession();
    capable.setCookie('foyer_passkey', 'capable');
    const ann = await signUp('passkey-offer-yes');
    const accepted = await signInWith(capable, ann.email, (page) => create(capable, page));
    assert.equal(accepted.offered, true);
    assert.equal(((await api('GET', '/passkeys', accepted.token)).body['passkeys'] as unknown[]).length, 1);
    assert.equal((await signInWith(capable, ann.email, never)).offered, false, 'a customer with a passkey is not asked again');

    const declining = createBrowserSession();
    declining.setCookie('foyer_passkey', 'capable');
    const bob = await signUp('passkey-offer-no');
    assert.equal((await signInWith(declining, bob.email, (page) => declining.submit(requireForm(page, isAction('/passkey/skip'))))).offered, true);
    assert.equal((await signInWith(declining, bob.email, never)).offered, false, '"not now" is remembered');
  });

  test('a passkey is a second factor where it matters: a customer whose only one it is uses it before changing the password', async () => {
    const { email, token, browser } = await signUp('passkey-only');
    // Without a second factor the password page opens from the sign-up's session.
    assert.equal((await browser.open(`${node.url}/account/password`)).url.pathname, '/account/password');
    const { passkey } = await addPasskey(token);
    const asked = await browser.open(`${node.url}/account/password`);
    const signIn = findForm(asked, isAction('/signin'));
    assert.ok(signIn, `signed in again first: ${asked.url.pathname} ${textOf(asked.html).slice(0, 200)}`);
    const step = await browser.submit(signIn, { email, password: PASSWORD });
    const form = requireForm(step, (candidate) => candidate.fields['method'] === 'passkey');
    const challenge = /data-challenge="([^"]+)"/.exec(step.html)?.[1] ?? '';
    const back = await browser.submit(form, { code: JSON.stringify(assertPasskey(passkey, { challenge }, node.url)) });
    assert.equal(back.url.pathname, '/account/password', textOf(back.html).slice(0, 200));
    assert.ok(findForm(back, isAction('/account/password')), 'the password form, after the passkey');
  });
});
