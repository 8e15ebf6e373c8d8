// Verification and recovery on the hosted pages, over real HTTP with emails read from the server's
// outbox: sign-up is verification first, recovery resets the password and ends every session, and
// neither tells a stranger whether an email has an account (SECURITY.md 1, 7–11).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { codeIn, linkIn } from '../helpers/mailbox.ts';

const CALLBACK = 'https://shop.example.test/callback';
const NEW_PASSWORD = 'a brand new passphrase 2026';

describeEachEngine('hosted verification and recovery', (current) => {
  let node: ListeningServer;
  let rp: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const app = await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Shop', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    rp = await relyingParty(node.url, app);
  });
  after(async () => {
    await node?.stop();
  });

  const browser = () => createBrowserSession({ mailbox: node.server.mailbox });
  const authorizationUrl = () => client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });

  async function signUpPage(session: BrowserSession): Promise<Page> {
    const signIn = await session.open(authorizationUrl());
    return session.open(`${signIn.url.origin}${signIn.url.pathname}?screen=signup`);
  }

  async function recoveryPage(session: BrowserSession): Promise<Page> {
    const signIn = await session.open(authorizationUrl());
    const link = /href="([^"]*screen=recovery[^"]*)"/.exec(signIn.html)?.[1];
    assert.ok(link, 'the sign-in page links to recovery');
    return session.open(new URL(link.replaceAll('&amp;', '&'), signIn.url));
  }

  /** A page's text with what legitimately differs between two requests (the address typed) masked. */
  const comparable = (page: Page, email: string) => textOf(page.html).replaceAll(email, '<email>');

  test('sign-up sends a code; the code signs the customer in with a verified email', async () => {
    const email = uniqueEmail('verify');
    const result = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email' }, (url) => browser().signUpAndAuthorize(url, { email, password: PASSWORD }));
    const userinfo = await client.fetchUserInfo(rp, result.tokens.access_token, result.claims.sub);
    assert.equal(userinfo.email, email);
    assert.equal(userinfo.email_verified, true);
    const mail = await node.server.mailbox.next(email, 'verify_email');
    assert.match(mail.subject, /Confirm your email address/);
    assert.ok(linkIn(mail).href.startsWith(`${node.url}/verify?`), 'links start at PUBLIC_URL');
  });

  test('sign-up with a taken email answers exactly like a new one, and its owner is told', async () => {
    const owner = uniqueEmail('owner');
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser().signUpAndAuthorize(url, { email: owner, password: PASSWORD }));
    const stranger = uniqueEmail('stranger');

    const submit = async (email: string) => {
      const session = browser();
      const form = requireForm(await signUpPage(session), isAction('/signup'));
      return { session, page: await session.submit(form, { email, password: 'another fine passphrase' }) };
    };
    const taken = await submit(owner);
    const fresh = await submit(stranger);
    assert.equal(taken.page.status, fresh.page.status);
    assert.equal(comparable(taken.page, owner), comparable(fresh.page, stranger));
    assert.ok(findForm(taken.page, isAction('/code')), 'both ask for the emailed code');

    const notice = await node.server.mailbox.next(owner, 'account_exists');
    assert.match(notice.text, /already has an account/);
    // No code was sent for the taken address, and no code opens that flow.
    assert.equal((await node.server.mailbox.to(owner, 'verify_email')).length, 1);
    const code = codeIn(await node.server.mailbox.next(stranger, 'verify_email'));
    const guessed = await taken.session.submit(requireForm(taken.page, isAction('/code')), { code });
    assert.equal(guessed.status, 400);
    assert.match(textOf(guessed.html), /That code is not right/);
  });

  test('a wrong code is refused, repeated guesses are throttled, and a resend too soon must wait', async () => {
    const email = uniqueEmail('guess');
    const session = browser();
    const codePage = await session.submit(requireForm(await signUpPage(session), isAction('/signup')), { email, password: PASSWORD });
    const codeForm = requireForm(codePage, isAction('/code'));
    const real = codeIn(await node.server.mailbox.next(email, 'verify_email'));
    const wrong = real === '000000' ? '111111' : '000000';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await session.submit(codeForm, { code: wrong })).status);
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429]);
    const resend = await session.submit(requireForm(codePage, isAction('/resend')));
    assert.equal(resend.status, 429);
    assert.match(textOf(resend.html), /another one in \d+ seconds/);
  });

  test('the emailed link opened in another browser verifies the address but signs nobody in', async () => {
    const email = uniqueEmail('link');
    const session = browser();
    const codePage = await session.submit(requireForm(await signUpPage(session), isAction('/signup')), { email, password: PASSWORD });
    const link = linkIn(await node.server.mailbox.next(email, 'verify_email'));

    const elsewhere = browser();
    const confirm = await elsewhere.open(link);
    assert.equal(confirm.status, 200);
    assert.equal((await fetch(link)).headers.get('referrer-policy'), 'no-referrer');
    const done = await elsewhere.submit(requireForm(confirm, isAction('/verify')));
    assert.match(textOf(done.html), /Your email address is verified/);
    assert.equal(done.redirectedTo, undefined);
    const identity = await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email);
    assert.notEqual(identity?.addresses[0]?.verifiedAt, null);
    // A link works once.
    assert.equal((await elsewhere.submit(requireForm(confirm, isAction('/verify')))).status, 400);
    // The first browser is sent to sign in with its password, not signed in by the link.
    const back = await session.submit(requireForm(codePage, isAction('/code')), { code: '123456' });
    assert.ok(findForm(back, isAction('/signin')));
    assert.match(textOf(back.html), /verified\. Sign in to continue/);
  });

  test('the emailed link opened in the same browser finishes the sign-in there', async () => {
    const email = uniqueEmail('samebrowser');
    const session = browser();
    await session.submit(requireForm(await signUpPage(session), isAction('/signup')), { email, password: PASSWORD });
    const confirm = await session.open(linkIn(await node.server.mailbox.next(email, 'verify_email')));
    const landed = await session.submit(requireForm(confirm, isAction('/verify')));
    assert.equal(landed.redirectedTo?.origin, new URL(CALLBACK).origin, textOf(landed.html).slice(0, 200));
    assert.ok(landed.redirectedTo?.searchParams.get('code'));
  });

  test('recovery answers the same for a known and an unknown email, and only the owner gets a code', async () => {
    const known = uniqueEmail('known');
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser().signUpAndAuthorize(url, { email: known, password: PASSWORD }));
    const unknown = uniqueEmail('unknown');
    const request = async (email: string) => {
      const session = browser();
      return session.submit(requireForm(await recoveryPage(session), isAction('/recovery')), { email });
    };
    const forKnown = await request(known);
    const forUnknown = await request(unknown);
    assert.equal(forKnown.status, 200);
    assert.equal(forKnown.status, forUnknown.status);
    assert.equal(comparable(forKnown, known), comparable(forUnknown, unknown));
    await node.server.mailbox.next(known, 'recover_password');
    assert.deepEqual(await node.server.mailbox.to(unknown), []);
    const account = await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', known);
    assert.equal(account?.status, 'active', 'requesting recovery changes nothing on the account');
  });

  test('recovery by code sets a new password, ends every session and token, and tells the customer', async () => {
    const email = uniqueEmail('recover');
    const first = browser();
    const signedIn = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email' }, (url) => first.signUpAndAuthorize(url, { email, password: PASSWORD }));

    const session = browser();
    const codePage = await session.submit(requireForm(await recoveryPage(session), isAction('/recovery')), { email });
    const code = codeIn(await node.server.mailbox.next(email, 'recover_password'));
    const passwordPage = await session.submit(requireForm(codePage, isAction('/code')), { code });
    const weak = await session.submit(requireForm(passwordPage, isAction('/recovery/password')), { password: 'password1' });
    assert.equal(weak.status, 400);
    assert.match(textOf(weak.html), /too common/);
    const done = await session.submit(requireForm(passwordPage, isAction('/recovery/password')), { password: NEW_PASSWORD });
    // The owner is signed in anew: the interaction finishes at the application with a code.
    assert.equal(done.redirectedTo?.origin, new URL(CALLBACK).origin, textOf(done.html).slice(0, 200));
    assert.ok(done.redirectedTo?.searchParams.get('code'));
    await node.server.mailbox.next(email, 'password_changed');

    // The old browser session no longer signs in silently, and the old tokens are dead.
    const silent = await first.open(client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', prompt: 'none', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }));
    assert.equal(silent.redirectedTo?.searchParams.get('error'), 'login_required');
    const introspected = await client.tokenIntrospection(rp, signedIn.tokens.access_token);
    assert.equal(introspected.active, false);
    // The code worked once.
    assert.equal((await session.submit(requireForm(codePage, isAction('/code')), { code })).status, 400);
    // The new password signs in; the old one does not.
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser().signInAndAuthorize(url, { email, password: NEW_PASSWORD }));
    const old = browser();
    const refused = await old.submit(requireForm(await old.open(authorizationUrl()), isAction('/signin')), { email, password: PASSWORD });
    assert.equal(refused.status, 401);
  });

  test('recovery by link: the page opens without changing anything, sets the password once', async () => {
    const email = uniqueEmail('recoverlink');
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser().signUpAndAuthorize(url, { email, password: PASSWORD }));
    const session = browser();
    await session.submit(requireForm(await recoveryPage(session), isAction('/recovery')), { email });
    const link = linkIn(await node.server.mailbox.next(email, 'recover_password'));
    assert.equal(link.pathname, '/recovery');
    const phone = browser();
    const form = await phone.open(link);
    assert.equal(form.status, 200);
    const reset = await phone.submit(requireForm(form, isAction('/recovery')), { password: NEW_PASSWORD });
    assert.match(textOf(reset.html), /Your password is changed/);
    const reused = await phone.submit(requireForm(form, isAction('/recovery')), { password: 'yet another passphrase' });
    assert.equal(reused.status, 400);
    assert.match(textOf(reused.html), /no longer works/);
    await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, (url) => browser().signInAndAuthorize(url, { email, password: NEW_PASSWORD }));
    const tampered = new URL(link);
    tampered.searchParams.set('token', `${link.searchParams.get('token')!.slice(0, -2)}xx`);
    assert.equal((await phone.open(tampered)).status, 400);
  });

  test('a tenant that requires a verified email asks for the code at sign-in until it is verified', async () => {
    const tenant = await createTenant(node.server, `strict-${process.pid}`, { verification: { allowSignInUnverified: false } });
    const app = await registerApplication(node.server, tenant.id, { name: 'Strict', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    const strict = await relyingParty(`${node.url}/t/${tenant.slug}`, app);
    const email = uniqueEmail('strict');
    // Signed up, but never typed the code.
    const session = browser();
    const start = await session.open(client.buildAuthorizationUrl(strict, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }));
    await session.submit(requireForm(await session.open(`${start.url.origin}${start.url.pathname}?screen=signup`), isAction('/signup')), { email, password: PASSWORD });
    const first = await node.server.mailbox.next(email, 'verify_email');

    const result = await authorizationCodeFlow(strict, { redirectUri: CALLBACK, scope: 'openid email' }, async (url) => {
      const signInBrowser = browser();
      const signIn = await signInBrowser.open(url);
      const codePage = await signInBrowser.submit(requireForm(signIn, isAction('/signin')), { email, password: PASSWORD });
      assert.match(textOf(codePage.html), /confirm your email address/i);
      const code = codeIn(await node.server.mailbox.next(email, 'verify_email', first.id));
      const landed = await signInBrowser.submit(requireForm(codePage, isAction('/code')), { code });
      assert.ok(landed.redirectedTo, textOf(landed.html).slice(0, 200));
      return landed.redirectedTo;
    });
    assert.equal((await client.fetchUserInfo(strict, result.tokens.access_token, result.claims.sub)).email_verified, true);
  });
});
