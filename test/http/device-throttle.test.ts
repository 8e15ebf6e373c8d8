// Someone guessing a customer's password cannot keep the owner out (SECURITY.md 7): a browser or
// app that signed in to the account before carries a device token and is throttled on its own key,
// which nobody else can forge or borrow; and a completed recovery signs the owner in, with a device
// token, so the owner gets in at once however throttled the account is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm } from '../helpers/browser-session.ts';
import { PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { keepAccountThrottled } from '../helpers/account-lockout.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';

const CALLBACK = 'https://shop.example.test/callback';
const NEW_PASSWORD = 'a brand new passphrase 2026';

describeEachEngine('device tokens and recovery against a locked-out owner', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;
  let attackers = 0;

  before(async () => {
    node = await startListeningServer(current().engine);
    const app = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    rp = await relyingParty(node.url, app);
  });
  after(async () => {
    await node?.stop();
  });

  // prompt=login: every visit signs in with the form, never silently with the browser's session.
  const authorizationUrl = () => client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', prompt: 'login', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
  const post = (url: string, payload: unknown, remoteAddress = '127.0.0.1') => node.server.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress });

  async function customer(email: string) {
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, node.server.defaultTenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
  }

  /** An app's sign-in through the JSON API, from `remoteAddress`. */
  async function apiSignIn(identifier: string, password: string, extra: Record<string, string> = {}, remoteAddress?: string) {
    const created = await post('/flows/login', undefined, remoteAddress);
    return post(`/flows/login/${(created.json() as { id: string }).id}`, { identifier, password, ...extra }, remoteAddress);
  }

  /** The attacker keeps the account-wide key throttled; over HTTP, the right password from an address of its own now waits. */
  async function lockOut(email: string) {
    await keepAccountThrottled(node.server, node.server.defaultTenant.id, email);
    const refused = await apiSignIn(email, PASSWORD, {}, `203.0.113.${(++attackers % 250) + 1}`);
    assert.equal(refused.statusCode, 429, refused.body);
  }

  test('the owner’s browser and app with a device token sign in while someone keeps the account throttled', async () => {
    const email = uniqueEmail('device');
    await customer(email);
    const ownersBrowser = createBrowserSession();
    const first = await ownersBrowser.signInAndAuthorize(authorizationUrl(), { email, password: PASSWORD });
    assert.ok(first.searchParams.get('code'));
    const ownersApp = await apiSignIn(email, PASSWORD);
    assert.equal(ownersApp.statusCode, 200, ownersApp.body);
    const deviceToken = ownersApp.json().device_token as string;
    assert.match(deviceToken, /^[0-9a-z]+\.[\w-]{22}\.[\w-]{43}$/);
    // Someone else's device token, of their own account, is no use for this one.
    const other = uniqueEmail('other');
    await customer(other);
    const othersToken = (await apiSignIn(other, PASSWORD)).json().device_token as string;

    await lockOut(email);

    const again = await ownersBrowser.signInAndAuthorize(authorizationUrl(), { email, password: PASSWORD });
    assert.ok(again.searchParams.get('code'), 'the browser that signed in before gets in');
    const app = await apiSignIn(email, PASSWORD, { device_token: deviceToken });
    assert.equal(app.statusCode, 200, app.body);
    assert.notEqual(app.json().device_token, deviceToken, 'a fresh token for next time');

    const stranger = createBrowserSession();
    const signInForm = requireForm(await stranger.open(authorizationUrl()), isAction('/signin'));
    await lockOut(email);
    const refused = await stranger.submit(signInForm, { email, password: PASSWORD });
    assert.equal(refused.status, 429, 'a browser without the cookie waits, even with the right password');
    await lockOut(email);
    assert.equal((await apiSignIn(email, PASSWORD)).statusCode, 429);
    const forged = `${deviceToken.slice(0, -2)}${deviceToken.endsWith('AA') ? 'BB' : 'AA'}`;
    await lockOut(email);
    assert.equal((await apiSignIn(email, PASSWORD, { device_token: forged })).statusCode, 429, 'a forged token is nobody’s');
    await lockOut(email);
    assert.equal((await apiSignIn(email, PASSWORD, { device_token: othersToken })).statusCode, 429, 'a token of another account is no use');
  });

  test('the device key has its own limit: wrong passwords sent with the token are throttled too', async () => {
    const email = uniqueEmail('devicelimit');
    await customer(email);
    const deviceToken = (await apiSignIn(email, PASSWORD)).json().device_token as string;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await apiSignIn(email, `wrong ${i}`, { device_token: deviceToken })).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  });

  test('a completed recovery signs the owner in (JSON API), and the next sign-in with its device token works at once', async () => {
    const email = uniqueEmail('recoverapi');
    await customer(email);
    await lockOut(email);
    const created = (await post('/flows/recovery', undefined)).json() as { id: string };
    assert.equal((await post(`/flows/recovery/${created.id}`, { email })).statusCode, 200);
    const code = codeIn(await node.server.mailbox.next(email, 'recover_password'));
    assert.equal((await post(`/flows/recovery/${created.id}/code`, { code })).statusCode, 200);
    const reset = await post(`/flows/recovery/${created.id}/password`, { password: NEW_PASSWORD });
    assert.equal(reset.statusCode, 200, reset.body);
    const whoami = await node.server.app.inject({ url: '/sessions/whoami', headers: { authorization: `Bearer ${reset.json().session.token}` } });
    assert.equal(whoami.statusCode, 200, 'the reset signed the owner in');

    await lockOut(email);
    const signIn = await apiSignIn(email, NEW_PASSWORD, { device_token: reset.json().device_token });
    assert.equal(signIn.statusCode, 200, signIn.body);
    await lockOut(email);
    assert.equal((await apiSignIn(email, NEW_PASSWORD)).statusCode, 429);
  });

  test('a completed recovery on the hosted pages signs the owner in, and that browser signs in again at once', async () => {
    const email = uniqueEmail('recoverhosted');
    await customer(email);
    await lockOut(email);
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const signIn = await browser.open(authorizationUrl());
    const link = /href="([^"]*screen=recovery[^"]*)"/.exec(signIn.html)?.[1];
    const recovery = await browser.open(new URL(link!.replaceAll('&amp;', '&'), signIn.url));
    const codePage = await browser.submit(requireForm(recovery, isAction('/recovery')), { email });
    const passwordPage = await browser.submit(requireForm(codePage, isAction('/code')), { code: codeIn(await node.server.mailbox.next(email, 'recover_password')) });
    const done = await browser.submit(requireForm(passwordPage, isAction('/recovery/password')), { password: NEW_PASSWORD });
    assert.ok(done.redirectedTo?.searchParams.get('code'), 'the reset finished the sign-in');

    await lockOut(email);
    const again = await browser.signInAndAuthorize(authorizationUrl(), { email, password: NEW_PASSWORD });
    assert.ok(again.searchParams.get('code'), 'the recovering browser signs in while the account is throttled');
  });
});
