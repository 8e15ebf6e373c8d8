// The hosted account portal over HTTP, with the scripted browser: sign-in on the way in and back
// to the page asked for, CSRF protection, the recent-authentication gate, and field errors tied to
// their inputs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { codeIn, linkIn } from '../helpers/mailbox.ts';
import { createBrowserSession, findForm, formsOf, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import * as client from 'openid-client';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';

const PARTNER_CALLBACK = 'https://partner.example.test/callback';

describeEachEngine('account portal', (current) => {
  let node: ListeningServer;
  let partnerRp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    await createTenant(node.server, 'shop');
    const partner = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Partner Shop', kind: 'web', firstParty: false, redirectUris: [PARTNER_CALLBACK] });
    partnerRp = await relyingParty(node.url, partner);
  });
  after(async () => {
    await node?.stop();
  });

  /** Opens the portal page, signs up on the way, and returns the portal page it came back to. */
  async function signUpThrough(path: string, label: string): Promise<{ browser: BrowserSession; email: string; page: Page }> {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const email = uniqueEmail(label);
    const signIn = await browser.open(`${node.url}${path}`);
    assert.ok(findForm(signIn, isAction('/signin')), `a sign-in form, got ${signIn.url.pathname}: ${textOf(signIn.html).slice(0, 200)}`);
    assert.ok(browser.cookieNames().includes('foyer_account_auth'));
    const page = await browser.drive(signIn, { credentials: { email, password: PASSWORD }, signUp: true });
    return { browser, email, page };
  }

  async function makeSignInOld(email: string): Promise<void> {
    const tenantId = node.server.defaultTenant.id;
    const identity = await node.server.stores.identities.findByAddress(tenantId, 'email', email);
    for (const session of await node.server.stores.oidcArtifacts.listByAccountId(tenantId, 'Session', identity!.id, Date.now())) {
      await node.server.stores.oidcArtifacts.upsert(tenantId, 'Session', session.id, { ...session.payload, loginTs: Math.floor(Date.now() / 1000) - 600 }, Date.now() + 3_600_000);
    }
  }

  test('without a session, the portal signs the customer in and comes back to the page asked for', async () => {
    const { browser, email, page } = await signUpThrough('/account/sessions', 'portal');
    assert.equal(page.status, 200);
    assert.equal(page.url.pathname, '/account/sessions');
    const text = textOf(page.html);
    assert.match(text, new RegExp(`Signed in as ${email.replace('.', '\\.')}`));
    assert.match(text, /This device/);
    assert.match(page.html, /<a href="\/account\/sessions" aria-current="page">/);
    assert.ok(!browser.cookieNames().includes('foyer_account_auth'), 'the pending authorization cookie is cleared');
    // Later visits read the SSO session: no sign-in form.
    const profile = await browser.open(`${node.url}/account`);
    assert.equal(profile.url.pathname, '/account');
    assert.match(textOf(profile.html), /Profile/);
    assert.match(profile.html, /<a href="\/account\/email">Change email<\/a>/);
  });

  test("another tenant's portal lives under its path and signs in to that tenant", async () => {
    const { page } = await signUpThrough('/t/shop/account', 'shop');
    assert.equal(page.url.pathname, '/t/shop/account');
    assert.equal(page.status, 200);
    assert.ok(findForm(page, isAction('/t/shop/account/profile')));
  });

  test('one browser signed in at the default tenant and at another stays signed in to both portals', async () => {
    const signedInAs = (email: string) => new RegExp(`Signed in as ${email.replace('.', '\\.')}`);
    const { browser, email } = await signUpThrough('/account', 'both-default');
    const shopEmail = uniqueEmail('both-shop');
    const signIn = await browser.open(`${node.url}/t/shop/account`);
    assert.ok(findForm(signIn, isAction('/signin')), 'the other tenant asks for its own sign-in');
    const shop = await browser.drive(signIn, { credentials: { email: shopEmail, password: PASSWORD }, signUp: true });
    assert.equal(shop.url.pathname, '/t/shop/account');
    assert.match(textOf(shop.html), signedInAs(shopEmail));

    const home = await browser.open(`${node.url}/account`);
    assert.equal(home.url.pathname, '/account', 'still signed in to the default tenant');
    assert.match(textOf(home.html), signedInAs(email));
    const shopAgain = await browser.open(`${node.url}/t/shop/account`);
    assert.equal(shopAgain.url.pathname, '/t/shop/account', 'and to the other');
    assert.match(textOf(shopAgain.html), signedInAs(shopEmail));
    // The default tenant's cookie keeps its name: browsers signed in before an upgrade stay signed in.
    assert.ok(browser.cookieNames().includes('foyer_session'));
  });

  test('a callback with a state this browser did not send is refused', async () => {
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    await browser.open(`${node.url}/account`);
    const page = await browser.open(`${node.url}/account/callback?code=x&state=forged`);
    assert.equal(page.status, 400);
    assert.match(textOf(page.html), /could not sign you in/);
  });

  test('a post without the CSRF token, or with a wrong one, changes nothing', async () => {
    const { browser, email } = await signUpThrough('/account', 'csrf');
    for (const token of [undefined, 'forged-token']) {
      const body = new URLSearchParams({ name: 'Mallory' });
      if (token) body.set('csrf_token', token);
      const refused = await browser.open(`${node.url}/account/profile`, { method: 'POST', body });
      assert.equal(refused.status, 403);
      assert.match(textOf(refused.html), /This form has expired/);
    }
    const identity = await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email);
    assert.equal(identity?.traits['name'], undefined);
  });

  test('profile: a field error is shown on the field and tied to it; a valid change is saved', async () => {
    const { browser, email, page } = await signUpThrough('/account', 'fields');
    const form = requireForm(page, isAction('/account/profile'));
    const invalid = await browser.submit(form, { name: 'x'.repeat(201), locale: 'not a locale' });
    assert.equal(invalid.status, 400);
    for (const field of ['name', 'locale']) {
      assert.match(invalid.html, new RegExp(`<input id="field-${field}" name="${field}"[^>]* aria-invalid="true" aria-describedby="field-${field}-error">`));
      assert.match(invalid.html, new RegExp(`<p class="field-error" id="field-${field}-error" role="alert">`));
    }
    assert.match(invalid.html, /<label for="field-name">Full name<\/label>/);
    assert.match(textOf(invalid.html), /This is too long\./);

    const saved = await browser.submit(requireForm(invalid, isAction('/account/profile')), { name: 'Ada Lovelace', locale: 'en' });
    assert.equal(saved.url.pathname, '/account');
    assert.match(saved.html, /<div class="notice" role="status"><p>Your changes are saved\.<\/p><\/div>/);
    assert.match(saved.html, /value="Ada Lovelace"/);
    assert.match(saved.html, /<a href="\/account\?lang=de" hreflang="de"/, 'the language switcher does not repeat the notice');
    const identity = await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email);
    assert.equal(identity?.traits['name'], 'Ada Lovelace');
  });

  test('sensitive pages need a sign-in of the last five minutes, and come back after it', async () => {
    const { browser, email, page } = await signUpThrough('/account/password', 'recent');
    assert.equal(page.url.pathname, '/account/password', 'a fresh sign-in goes straight to the form');
    await makeSignInOld(email);

    const gate = await browser.open(`${node.url}/account/password`);
    assert.ok(findForm(gate, isAction('/signin')), 'asked to sign in again');
    const back = await browser.drive(gate, { credentials: { email, password: PASSWORD } });
    assert.equal(back.url.pathname, '/account/password');
    assert.ok(findForm(back, isAction('/account/password')));

    // A post made with a stale sign-in is not applied: the customer signs in, then sees the form again.
    const form = requireForm(back, isAction('/account/password'));
    await makeSignInOld(email);
    const stale = await browser.submit(form, { current_password: PASSWORD, new_password: 'another long passphrase 9' });
    assert.ok(findForm(stale, isAction('/signin')));
    const changed = await browser.drive(stale, { credentials: { email, password: PASSWORD } });
    assert.equal(changed.url.pathname, '/account/password');
    const done = await browser.submit(requireForm(changed, isAction('/account/password')), { current_password: PASSWORD, new_password: 'another long passphrase 9' });
    assert.equal(done.url.search, '?done=password');
    assert.match(textOf(done.html), /Your password is changed/);
  });

  test('sessions, applications, activity and data pages render; the export is an attachment without secrets', async () => {
    const { browser } = await signUpThrough('/account/activity', 'pages');
    const activity = await browser.open(`${node.url}/account/activity`);
    assert.match(textOf(activity.html), /Account created/);
    const applications = await browser.open(`${node.url}/account/applications`);
    assert.match(textOf(applications.html), /You have not allowed any application/);
    const data = await browser.open(`${node.url}/account/data`);
    assert.ok(formsOf(data).length >= 1);
    const exported = await browser.open(`${node.url}/account/export`);
    assert.equal(exported.status, 200);
    assert.equal(exported.headers?.get('content-disposition'), 'attachment; filename="account-data.json"');
    assert.equal(exported.headers?.get('content-type'), 'application/json; charset=utf-8');
    const document = JSON.parse(exported.html) as { credentials: { type: string }[] };
    assert.deepEqual(document.credentials.map((credential) => credential.type), ['password']);
    assert.doesNotMatch(exported.html, /argon2/);
  });

  test('applications: an allowed application is listed with its permissions in words, and its access removed', async () => {
    const { browser } = await signUpThrough('/account', 'allowed');
    const flow = { redirectUri: PARTNER_CALLBACK, scope: 'openid email offline_access', parameters: { prompt: 'consent' } };
    const startedAt = Date.now();
    const { tokens } = await authorizationCodeFlow(partnerRp, flow, (url) => browser.authorize(url, { consent: true }));
    const page = await browser.open(`${node.url}/account/applications`);
    const text = textOf(page.html);
    assert.match(text, /Partner Shop/);
    // The day it was allowed, written as English writes dates (in UTC; the day may turn meanwhile).
    const allowedOn = (at: number) => `Allowed on ${new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(at)}. It can:`;
    assert.ok(text.includes(allowedOn(startedAt)) || text.includes(allowedOn(Date.now())), text);
    assert.match(text, /See your email address/);
    assert.match(text, /Stay connected when you are not using it/);
    const removed = await browser.submit(requireForm(page, isAction('/account/applications/revoke')));
    assert.equal(removed.url.search, '?done=app');
    assert.match(textOf(removed.html), /The application no longer has access to your account/);
    assert.match(textOf(removed.html), /You have not allowed any application/);
    await assert.rejects(client.refreshTokenGrant(partnerRp, tokens.refresh_token!), (error: client.ResponseBodyError) => error.error === 'invalid_grant');
  });

  test('sessions: another browser is listed and signed out from the portal; signing out of SSO signs out of the portal', async () => {
    const { browser, email } = await signUpThrough('/account', 'devices');
    const other = createBrowserSession({ mailbox: node.server.mailbox });
    const otherPortal = await other.drive(await other.open(`${node.url}/account`), { credentials: { email, password: PASSWORD } });
    assert.equal(otherPortal.url.pathname, '/account');

    const sessions = await browser.open(`${node.url}/account/sessions`);
    const revokeForms = formsOf(sessions).filter(isAction('/account/sessions/revoke'));
    assert.equal(revokeForms.length, 1, 'one other session, and no sign-out button on the current one');
    assert.match(sessions.html, /aria-label="Sign out [^"]+, signed in [^"]+"/);
    const revoked = await browser.submit(revokeForms[0]!);
    assert.equal(revoked.url.search, '?done=revoked');
    assert.equal(formsOf(revoked).filter(isAction('/account/sessions/revoke')).length, 0);
    assert.match(textOf(revoked.html), /You are not signed in anywhere else/);
    // The other browser's session is gone: the portal asks it to sign in.
    assert.ok(findForm(await other.open(`${node.url}/account`), isAction('/signin')));

    // The portal's sign-out is the tenant's RP-initiated logout, back to the portal, which asks to sign in.
    const account = await browser.open(`${node.url}/account`);
    const signOut = requireForm(account, (form) => form.action.pathname === '/session/end');
    const confirmation = await browser.open(`${signOut.action.href}?${new URLSearchParams(signOut.fields)}`);
    const signedOut = await browser.submit(requireForm(confirmation, (form) => form.id === 'op.logoutForm'), { logout: 'yes' });
    assert.ok(findForm(signedOut, isAction('/signin')), `signed out, then asked to sign in: ${signedOut.url.pathname}`);
  });


  test("a portal visit is a use of the session: its last use moves on, to the minute", async () => {
    const { browser, email } = await signUpThrough('/account', 'lastseen');
    const tenantId = node.server.defaultTenant.id;
    const identity = await node.server.stores.identities.findByAddress(tenantId, 'email', email);
    const seenAt = async () => (await node.server.stores.oidcArtifacts.listByAccountId(tenantId, 'Session', identity!.id, Date.now()))[0]?.seenAt;
    const hourAgo = Date.now() - 3_600_000;
    await node.server.database.db.updateTable('oidc_artifacts').set({ seen_at: hourAgo }).where('tenant_id', '=', tenantId).where('account_id', '=', identity!.id).where('model', '=', 'Session').execute();
    const before = Date.now();
    await browser.open(`${node.url}/account/activity`);
    const seen = await seenAt();
    assert.ok(seen !== undefined && seen !== null && seen >= before, `last use moved from an hour ago to now: ${seen}`);
    // Within the minute, another page does not write it again.
    await browser.open(`${node.url}/account/sessions`);
    assert.equal(await seenAt(), seen);
  });

  test('change of email: a recent sign-in, the new address, its code; the old address is told', async () => {
    const { browser, email, page } = await signUpThrough('/account/email', 'oldaddress');
    assert.equal(page.url.pathname, '/account/email');
    const form = requireForm(page, isAction('/account/email'));
    const invalid = await browser.submit(form, { email: 'nope' });
    assert.equal(invalid.status, 400);
    assert.match(invalid.html, /aria-describedby="field-email-error"/);
    const newEmail = uniqueEmail('newaddress');
    const codePage = await browser.submit(form, { email: newEmail });
    assert.match(textOf(codePage.html), new RegExp(`sent a 6-digit code to ${newEmail.replace('.', '\\.')}`));
    const code = codeIn(await node.server.mailbox.next(newEmail, 'verify_email'));
    const wrong = await browser.submit(requireForm(codePage, isAction('/account/email/code')), { code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 400);
    const done = await browser.submit(requireForm(codePage, isAction('/account/email/code')), { code });
    assert.equal(`${done.url.pathname}${done.url.search}`, '/account?done=email');
    assert.match(textOf(done.html), /Your email address is changed/);
    assert.match(textOf(done.html), new RegExp(`Signed in as ${newEmail.replace('.', '\\.')}`));
    await node.server.mailbox.next(email, 'email_changed');
  });

  test('change of email: the emailed link confirms it from any browser; a stale sign-in is asked again first', async () => {
    const { browser, email, page } = await signUpThrough('/account/email', 'linkchange');
    const newEmail = uniqueEmail('linkchanged');
    await makeSignInOld(email);
    const gate = await browser.submit(requireForm(page, isAction('/account/email')), { email: newEmail });
    assert.ok(findForm(gate, isAction('/signin')), 'a stale sign-in signs in again before anything is sent');
    assert.deepEqual(await node.server.mailbox.to(newEmail), []);
    const again = await browser.drive(gate, { credentials: { email, password: PASSWORD } });
    await browser.submit(requireForm(again, isAction('/account/email')), { email: newEmail });
    const link = linkIn(await node.server.mailbox.next(newEmail, 'verify_email'));
    const phone = createBrowserSession();
    const confirm = await phone.open(link);
    const changed = await phone.submit(requireForm(confirm, isAction('/verify')));
    assert.match(textOf(changed.html), /Your email address is changed/);
    const identity = await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', newEmail);
    assert.equal(identity?.traits['email'], newEmail);
  });
});
