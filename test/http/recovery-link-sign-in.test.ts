// The emailed recovery link, opened in the browser whose sign-in asked for it, finishes that sign-in
// once the new password is set, as the code does (SECURITY.md 7): the owner is back at the
// application, with a device cookie. Opened in any other browser it only sets the password.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession } from '../helpers/browser-session.ts';
import { PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { linkIn } from '../helpers/mailbox.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { keepAccountThrottled } from '../helpers/account-lockout.ts';

const CALLBACK = 'https://shop.example.test/callback';
const NEW_PASSWORD = 'a brand new passphrase 2026';

describeEachEngine('the recovery link in the browser of a pending sign-in', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    rp = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  const authorizationUrl = () => client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', prompt: 'login', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });

  async function customer(label: string): Promise<string> {
    const email = uniqueEmail(label);
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, node.server.defaultTenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    return email;
  }

  /** A sign-in at the application, from which the customer asks for a recovery email: the emailed link, and the sign-in's interaction. */
  async function askForRecovery(browser: BrowserSession, email: string): Promise<{ link: URL; uid: string }> {
    const signIn = await browser.open(authorizationUrl());
    const recovery = await browser.open(`${signIn.url.origin}${signIn.url.pathname}?screen=recovery`);
    const codePage = await browser.submit(requireForm(recovery, isAction('/recovery')), { email });
    assert.ok(findForm(codePage, isAction('/code')), textOf(codePage.html).slice(0, 200));
    return { link: linkIn(await node.server.mailbox.next(email, 'recover_password')), uid: signIn.url.pathname.split('/').at(-1)! };
  }

  test('opened in the same browser, the new password finishes the sign-in at the application, with a device cookie', async () => {
    const email = await customer('recoverlinksame');
    const browser = createBrowserSession();
    const { link } = await askForRecovery(browser, email);
    const form = await browser.open(link);
    assert.equal(form.status, 200);
    // The form leads on to the application: the page's CSP lets it (Chromium checks every hop).
    assert.match(String(form.headers?.get('content-security-policy')), /form-action 'self' https:\/\/shop\.example\.test[;\s]/);
    const done = await browser.submit(requireForm(form, isAction('/recovery')), { password: NEW_PASSWORD });
    assert.equal(done.redirectedTo?.origin, new URL(CALLBACK).origin, textOf(done.html).slice(0, 200));
    assert.ok(done.redirectedTo?.searchParams.get('code'), 'the pending sign-in finished');
    assert.match(browser.cookiesFor(`${node.url}/interaction/x`), /foyer_device=/);
    // The link worked once, and finished the sign-in once.
    assert.equal((await browser.submit(requireForm(form, isAction('/recovery')), { password: 'yet another passphrase 1' })).status, 400);

    // Someone guessing the password now does not keep this browser out (its device cookie).
    await keepAccountThrottled(node.server, node.server.defaultTenant.id, email);
    assert.ok((await browser.signInAndAuthorize(authorizationUrl(), { email, password: NEW_PASSWORD })).searchParams.get('code'));
  });

  test('opened in another browser, the link only sets the password: nobody is signed in there or in the asking browser', async () => {
    const email = await customer('recoverlinkother');
    const asking = createBrowserSession();
    const { link, uid } = await askForRecovery(asking, email);
    const elsewhere = createBrowserSession();
    const form = await elsewhere.open(link);
    assert.doesNotMatch(String(form.headers?.get('content-security-policy')), /shop\.example\.test/);
    const done = await elsewhere.submit(requireForm(form, isAction('/recovery')), { password: NEW_PASSWORD });
    assert.equal(done.status, 200);
    assert.equal(done.redirectedTo, undefined);
    assert.match(textOf(done.html), /Your password is changed/);
    // The asking browser's sign-in was not finished by it: resuming it does not reach the application.
    const resumed = await asking.open(`${node.url}/auth/${uid}`);
    assert.equal(resumed.redirectedTo, undefined, `resumed at ${String(resumed.redirectedTo)}`);
  });
});
