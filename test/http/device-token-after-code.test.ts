// A customer signed in by an emailed code or link instead of a password (finishing a sign-up, or a
// sign-in that had to verify its address first) gets a device token too (SECURITY.md 7): someone
// who then keeps the account's sign-in throttled by guessing cannot keep this browser or app out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { codeIn, linkIn } from '../helpers/mailbox.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { keepAccountThrottled } from '../helpers/account-lockout.ts';

const CALLBACK = 'https://shop.example.test/callback';
const PKCE = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

describeEachEngine('device tokens after a sign-up or a verify-first code', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;
  let strict: Tenant;
  let strictRp: client.Configuration;
  let attackers = 0;

  before(async () => {
    node = await startListeningServer(current().engine);
    rp = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
    strict = await createTenant(node.server, `strict-${process.pid}-${current().engine}`, { verification: { allowSignInUnverified: false } });
    strictRp = await relyingParty(`${node.url}/t/${strict.slug}`, await registerApplication(node.server, strict.id, { name: 'Strict', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  // prompt=login: every visit signs in with the form, never silently with the browser's session.
  const authorizationUrl = (relyingParty = rp) => client.buildAuthorizationUrl(relyingParty, { redirect_uri: CALLBACK, scope: 'openid', prompt: 'login', ...PKCE });
  const post = (url: string, payload: unknown, remoteAddress = '127.0.0.1') => node.server.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress });
  const prefixOf = (tenant?: Tenant) => (tenant ? `/t/${tenant.slug}` : '');

  async function apiSignIn(identifier: string, password: string, extra: Record<string, string> = {}, remoteAddress?: string, tenant?: Tenant) {
    const created = await post(`${prefixOf(tenant)}/flows/login`, undefined, remoteAddress);
    return post(`${prefixOf(tenant)}/flows/login/${(created.json() as { id: string }).id}`, { identifier, password, ...extra }, remoteAddress);
  }

  /** Someone keeps the account-wide key throttled; over HTTP, from an address of its own, the right password now waits. */
  async function lockOut(email: string, tenant?: Tenant) {
    await keepAccountThrottled(node.server, (tenant ?? node.server.defaultTenant).id, email);
    const refused = await apiSignIn(email, PASSWORD, {}, `203.0.113.${(++attackers % 250) + 1}`, tenant);
    assert.equal(refused.statusCode, 429, refused.body);
    assert.ok(Number(refused.headers['retry-after']) >= 60);
  }

  test('hosted sign-up finished by the code: that browser signs in again while the account is throttled, another browser waits', async () => {
    const email = uniqueEmail('signupcode');
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    assert.ok((await browser.signUpAndAuthorize(authorizationUrl(), { email, password: PASSWORD })).searchParams.get('code'));
    assert.ok(browser.cookieNames().includes('foyer_device'), 'the code page set the device cookie');

    await lockOut(email);
    const again = await browser.signInAndAuthorize(authorizationUrl(), { email, password: PASSWORD });
    assert.ok(again.searchParams.get('code'), 'the browser that signed up gets in');
    const stranger = createBrowserSession();
    const form = requireForm(await stranger.open(authorizationUrl()), isAction('/signin'));
    assert.equal((await stranger.submit(form, { email, password: PASSWORD })).status, 429);
  });

  test('hosted sign-up finished by the emailed link in the same browser: that browser keeps a device token', async () => {
    const email = uniqueEmail('signuplink');
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const start = await browser.open(authorizationUrl());
    await browser.submit(requireForm(await browser.open(`${start.url.origin}${start.url.pathname}?screen=signup`), isAction('/signup')), { email, password: PASSWORD });
    const confirm = await browser.open(linkIn(await node.server.mailbox.next(email, 'verify_email')));
    const landed = await browser.submit(requireForm(confirm, isAction('/verify')));
    assert.ok(landed.redirectedTo?.searchParams.get('code'), textOf(landed.html).slice(0, 200));

    await lockOut(email);
    assert.ok((await browser.signInAndAuthorize(authorizationUrl(), { email, password: PASSWORD })).searchParams.get('code'));
  });

  test('JSON sign-up: the code’s answer carries a device_token, which signs in while the account is throttled', async () => {
    const email = uniqueEmail('signupapi');
    const flow = (await post('/flows/registration', undefined)).json() as { id: string };
    assert.equal((await post(`/flows/registration/${flow.id}`, { traits: { email }, password: PASSWORD })).statusCode, 200);
    const code = codeIn(await node.server.mailbox.next(email, 'verify_email'));
    const done = await post(`/flows/registration/${flow.id}/code`, { code, device_token: 'an old token of nothing' });
    assert.equal(done.statusCode, 200, done.body);
    const deviceToken = done.json().device_token as string;
    assert.match(deviceToken, /^[0-9a-z]+\.[\w-]{22}\.[\w-]{43}$/);

    await lockOut(email);
    assert.equal((await apiSignIn(email, PASSWORD, { device_token: deviceToken })).statusCode, 200);
  });

  test('JSON sign-in that verifies the address first: the code’s answer carries a device_token', async () => {
    const email = uniqueEmail('verifyapi');
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, strict.id, { traits: { email }, password: PASSWORD, verified: false }, { type: 'operator', id: 'test' });
    const created = (await post(`${prefixOf(strict)}/flows/login`, undefined)).json() as { id: string };
    const step = await post(`${prefixOf(strict)}/flows/login/${created.id}`, { identifier: email, password: PASSWORD });
    assert.equal(step.statusCode, 200, step.body);
    assert.equal(step.json().session, undefined, 'the code first');
    const code = codeIn(await node.server.mailbox.next(email, 'verify_email'));
    const done = await post(`${prefixOf(strict)}/flows/login/${created.id}/code`, { code });
    assert.equal(done.statusCode, 200, done.body);
    const deviceToken = done.json().device_token as string;
    assert.ok(deviceToken, done.body);

    await lockOut(email, strict);
    assert.equal((await apiSignIn(email, PASSWORD, { device_token: deviceToken }, undefined, strict)).statusCode, 200);
  });

  test('hosted sign-in that verifies the address first: the code page’s sign-in sets the device cookie', async () => {
    const email = uniqueEmail('verifyhosted');
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, strict.id, { traits: { email }, password: PASSWORD, verified: false }, { type: 'operator', id: 'test' });
    const browser = createBrowserSession();
    const codePage = await browser.submit(requireForm(await browser.open(authorizationUrl(strictRp)), isAction('/signin')), { email, password: PASSWORD });
    const landed = await browser.submit(requireForm(codePage, isAction('/code')), { code: codeIn(await node.server.mailbox.next(email, 'verify_email')) });
    assert.ok(landed.redirectedTo?.searchParams.get('code'), textOf(landed.html).slice(0, 200));

    await lockOut(email, strict);
    assert.ok((await browser.signInAndAuthorize(authorizationUrl(strictRp), { email, password: PASSWORD })).searchParams.get('code'));
  });
});
