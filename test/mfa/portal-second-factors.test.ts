// Two-step verification in the account portal, over HTTP with the scripted browser: setting up an
// authenticator app (QR code, key, first code, ten recovery codes shown once), what the section and
// the security activity show, changes that need a sign-in with the second factor (new recovery
// codes, the password), forgetting a remembered browser, and turning it off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { PASSWORD, uniqueEmail } from '../helpers/oidc-clients.ts';
import { asksSecondFactor, keyOn, submitSecondFactor, totpCode } from '../helpers/second-factor.ts';

describeEachEngine('two-step verification in the account portal', (current) => {
  let node: ListeningServer;

  before(async () => {
    node = await startListeningServer(current().engine);
  });
  after(async () => {
    await node?.stop();
  });

  async function signUpThrough(path: string): Promise<{ browser: BrowserSession; email: string; page: Page }> {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail('portal-mfa');
    const page = await browser.drive(await browser.open(`${node.url}${path}`), { credentials: { email, password: PASSWORD }, signUp: true });
    return { browser, email, page };
  }

  /** Sets up the app from the portal; answers the key and the codes. */
  async function enrol(browser: BrowserSession, page: Page) {
    assert.equal(page.url.pathname, '/account/security/totp');
    assert.match(page.html, /<img class="qr" src="data:image\/svg\+xml;base64,/);
    const secret = keyOn(page);
    const wrong = await browser.submit(requireForm(page, isAction('/account/security/totp')), { code: totpCode(secret) === '123456' ? '654321' : '123456' });
    assert.equal(wrong.status, 400);
    assert.match(textOf(wrong.html), /not right/);
    const codesPage = await browser.submit(requireForm(wrong, isAction('/account/security/totp')), { code: totpCode(secret) });
    assert.equal(codesPage.status, 200, textOf(codesPage.html).slice(0, 300));
    const codes = [...codesPage.html.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((match) => match[1]!);
    assert.equal(codes.length, 10);
    return { secret, codes };
  }

  test('set up an app: QR code, key, a wrong then a right code, ten recovery codes; the section and the activity say so', async () => {
    const { browser, page } = await signUpThrough('/account/security/totp');
    await enrol(browser, page);
    const security = await browser.open(`${node.url}/account/security?done=mfa_on`);
    const text = textOf(security.html);
    assert.match(text, /Two-step verification is on\./);
    assert.match(text, /10 unused codes left/);
    assert.match(security.html, /aria-current="page">Two-step verification</);
    const activity = textOf((await browser.open(`${node.url}/account/activity`)).html);
    // Each entry names the factor it concerns.
    assert.match(activity, /Two-step verification turned on \(Authenticator app\)/);
    assert.match(activity, /New recovery codes made \(Recovery codes\)/);
  });

  test('new recovery codes and the password need a sign-in with the second factor; then they work', async () => {
    const { browser, email, page } = await signUpThrough('/account/security/totp');
    const { secret, codes } = await enrol(browser, page);
    // This session signed in with the password only: the portal asks for the second factor first.
    const security = await browser.open(`${node.url}/account/security`);
    const stepUp = await browser.submit(requireForm(security, isAction('/account/security/recovery-codes')));
    const password = findForm(stepUp, isAction('/signin'));
    assert.ok(password, `the password again: ${textOf(stepUp.html).slice(0, 200)}`);
    const second = await browser.submit(password, { email, password: PASSWORD });
    assert.ok(asksSecondFactor(second), `then the second factor: ${textOf(second.html).slice(0, 200)}`);
    const back = await submitSecondFactor(browser, second, totpCode(secret, Date.now() + 30_000));
    // Back at the section (a POST returns to its page); the session has the second factor now.
    assert.equal(back.url.pathname, '/account/security');
    const fresh = await browser.submit(requireForm(back, isAction('/account/security/recovery-codes')));
    const renewed = [...fresh.html.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((match) => match[1]!);
    assert.equal(renewed.length, 10);
    assert.equal(renewed.filter((code) => codes.includes(code)).length, 0, 'all new');
    const passwordPage = await browser.open(`${node.url}/account/password`);
    assert.equal(passwordPage.url.pathname, '/account/password', 'the password page opens without another sign-in');
  });

  test('a remembered browser is listed and forgotten; turning two-step verification off removes it all', async () => {
    const { browser, email, page } = await signUpThrough('/account/security/totp');
    const { codes } = await enrol(browser, page);
    // Sign in again, remembering this browser.
    const security = await browser.open(`${node.url}/account/security`);
    const signIn = await browser.submit(requireForm(security, isAction('/account/security/remove')));
    const second = await browser.submit(requireForm(signIn, isAction('/signin')), { email, password: PASSWORD });
    const back = await submitSecondFactor(browser, second, codes[0]!, { method: 'recovery_code', remember: true });
    assert.equal(back.url.pathname, '/account/security');
    assert.match(textOf(back.html), /9 unused codes left/);
    const forget = requireForm(back, isAction('/account/security/devices/forget'));
    const forgotten = await browser.submit(forget);
    assert.match(textOf(forgotten.html), /The device is forgotten/);
    assert.match(textOf(forgotten.html), /No device is remembered\./);
    const off = await browser.submit(requireForm(forgotten, isAction('/account/security/remove')));
    assert.match(textOf(off.html), /Two-step verification is off\./);
    assert.ok(findForm(off, isAction('/account/security/remove')) === undefined);
    const identity = await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email);
    const kinds = (await node.server.stores.identities.listCredentials(node.server.defaultTenant.id, identity!.id)).map((credential) => credential.type);
    assert.deepEqual(kinds, ['password']);
    const activity = textOf((await browser.open(`${node.url}/account/activity`)).html);
    assert.match(activity, /Two-step verification turned off \(Authenticator app\)/);
    assert.match(activity, /Remembered device forgotten/);
    assert.match(activity, /Second step confirmed \(Recovery codes\)/);
  });

  test('forms without the CSRF token are refused', async () => {
    const { browser, page } = await signUpThrough('/account/security/totp');
    await enrol(browser, page);
    const forged = await browser.submit({ id: undefined, action: new URL(`${node.url}/account/security/devices/forget`), method: 'POST', fields: { csrf_token: 'forged', id: 'x' } });
    assert.equal(forged.status, 403);
  });
});
