// Codes by email as a second factor (issue 17), through HTTP on both engines: turned on in the
// account portal or the Account API (a verified email required), used at the hosted step after the
// password (the ID token says pwd, otp and mfa; a wrong code refused, a code once, sending limited),
// and the rule of SECURITY.md 11: never offered beside a stronger factor (a passkey here, the same
// rule covers an authenticator app and a phone), nor after a sign-in by the inbox itself; a forged
// answer for it is refused. Every change and use is audited and in the security activity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { createPasskey } from '../../bench/software-authenticator.ts';

const CALLBACK = 'https://web.example.test/callback';
const MFA = 'urn:foyer:acr:mfa';

type Answer = { status: number; body: Record<string, unknown> };

describeEachEngine('codes by email as a second factor', (current) => {
  let node: ListeningServer;
  let web: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    web = await relyingParty(node.url, await registerApplication(node.server, node.server.defaultTenant.id, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  async function api(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${node.url}/api/account${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** A new customer (verified by signing up), signed in in `browser`, with an Account API token. */
  async function signUp(label: string): Promise<{ email: string; token: string; browser: BrowserSession }> {
    const email = uniqueEmail(label);
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account' }, (url) => browser.signUpAndAuthorize(url, { email, password: PASSWORD }));
    return { email, token: tokens.access_token, browser };
  }

  async function identityIdOf(email: string): Promise<string> {
    return (await node.server.stores.identities.findByAddress(node.server.defaultTenant.id, 'email', email))!.id;
  }

  /** Signs in with the password asking for the MFA class; `onStep` plays the second-factor page. */
  async function signInAskingMfa(email: string, onStep: (browser: BrowserSession, page: Page) => Promise<URL>) {
    const browser = createBrowserSession();
    return authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account', parameters: { acr_values: MFA } }, async (url) => {
      const page = await browser.open(url);
      const step = await browser.submit(requireForm(page, isAction('/signin')), { email, password: PASSWORD });
      return onStep(browser, step);
    });
  }

  const emailSendForm = (page: Page) => findForm(page, (form) => form.action.pathname.endsWith('/second-factor/send') && form.fields['method'] === 'email_otp');
  const emailCodeForm = (page: Page) => findForm(page, (form) => form.action.pathname.endsWith('/second-factor') && form.fields['method'] === 'email_otp');

  test('turned on in the portal, then used after the password: a wrong code refused, the right one once; pwd, otp, mfa; audited and in the activity', async () => {
    const { email, browser } = await signUp('email-otp');
    const security = await browser.open(`${node.url}/account/security`);
    assert.match(textOf(security.html), /Codes by email/);
    const on = await browser.submit(requireForm(security, isAction('/account/security/email')));
    assert.equal(on.url.pathname, '/account/security');
    assert.match(textOf(on.html), new RegExp(`Codes go to ${email[0]}•••@`));
    assert.ok(findForm(on, isAction('/account/security/email/remove')), 'it can be turned off');

    let mailText = '';
    const { claims, tokens } = await signInAskingMfa(email, async (stepBrowser, step) => {
      assert.equal(emailCodeForm(step), undefined, 'no code form before a code was sent');
      const seen = await node.server.mailbox.lastId(email);
      const sent = await stepBrowser.submit(emailSendForm(step)!);
      assert.equal(sent.status, 200);
      assert.match(textOf(sent.html), /We emailed a 6-digit code to/);
      const mail = await node.server.mailbox.next(email, 'mfa_code', seen);
      mailText = mail.text;
      assert.match(mail.subject, /verification code/);
      const form = emailCodeForm(sent)!;
      const code = codeIn(mail);
      const wrong = await stepBrowser.submit(form, { code: code === '000000' ? '111111' : '000000' });
      assert.equal(wrong.status, 400);
      const done = await stepBrowser.submit(form, { code });
      assert.ok(done.redirectedTo, `signed in: ${done.status} ${textOf(done.html).slice(0, 300)}`);
      const replay = await stepBrowser.submit(form, { code });
      assert.equal(replay.redirectedTo, undefined);
      assert.equal(replay.status, 400);
      return done.redirectedTo!;
    });
    assert.doesNotMatch(mailText, /https?:\/\//, 'a second factor\'s email has no link');
    assert.equal(claims['acr'], MFA);
    assert.deepEqual([...(claims['amr'] as string[])].sort(), ['mfa', 'otp', 'pwd']);

    const status = await api('GET', '/second-factors', tokens.access_token);
    assert.deepEqual(status.body['email'], { enabled: true, address: `${email[0]}•••@${email.split('@')[1]}`, superseded_by_stronger_factor: false, available: true });
    const entries = await node.server.stores.audit.listForIdentity(node.server.defaultTenant.id, await identityIdOf(email), { limit: 50 });
    for (const action of ['mfa.enrolled', 'mfa.used', 'mfa.failed']) assert.ok(entries.some((entry) => entry.action === action && entry.details?.['method'] === 'email_otp'), `${action} with method email_otp`);
    const activity = textOf((await browser.open(`${node.url}/account/activity`)).html);
    assert.match(activity, /Two-step verification turned on \(Codes by email\)/);
    assert.match(activity, /Second step confirmed \(Codes by email\)/);
    assert.match(activity, /Second step confirmed/);
  });

  test('never beside a stronger factor: with a passkey the step offers no emailed code, a forged one is refused and sends nothing', async () => {
    const { email, token } = await signUp('email-otp-passkey');
    assert.equal((await api('PUT', '/second-factors/email', token)).status, 204);
    // Now the customer has a second factor: changing it needs a sign-in that used it.
    const again = await api('PUT', '/second-factors/email', token);
    assert.equal(again.status, 403);
    assert.equal(again.body['code'], 'authentication.not_recent');
    const offer = await api('POST', '/passkeys/options', token);
    const { response } = createPasskey(offer.body['options'] as never, node.url);
    assert.equal((await api('POST', '/passkeys', token, { response, enrolment: offer.body['enrolment'] })).status, 201);
    const status = await api('GET', '/second-factors', token);
    assert.equal((status.body['email'] as Record<string, unknown>)['superseded_by_stronger_factor'], true);
    assert.deepEqual(status.body['passkeys'], { count: 1 });

    const browser = createBrowserSession();
    await assert.rejects(
      authorizationCodeFlow(web, { redirectUri: CALLBACK, parameters: { acr_values: MFA } }, async (url) => {
        const page = await browser.open(url);
        const step = await browser.submit(requireForm(page, isAction('/signin')), { email, password: PASSWORD });
        assert.match(textOf(step.html), /Use the passkey saved on this device/);
        assert.equal(emailSendForm(step), undefined, 'no emailed code beside a passkey');
        const passkeyForm = requireForm(step, (form) => form.fields['method'] === 'passkey');
        const before = (await node.server.mailbox.to(email, 'mfa_code')).length;
        const send = await browser.submit({ ...passkeyForm, action: new URL(`${passkeyForm.action.href}/send`), fields: { ...passkeyForm.fields, method: 'email_otp' } });
        assert.equal(send.status, 200);
        const forged = await browser.submit({ ...passkeyForm, fields: { ...passkeyForm.fields, method: 'email_otp', code: '123456' } });
        assert.equal(forged.status, 400);
        assert.match(textOf(forged.html), /not available here/);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal((await node.server.mailbox.to(email, 'mfa_code')).length, before, 'no code was emailed');
        throw new Error('stopped at the step');
      }),
      /stopped at the step/,
    );
    // Turning it off needs a sign-in with the second factor now that the customer has one.
    const off = await api('DELETE', '/second-factors/email', token);
    assert.equal(off.status, 403);
    assert.equal(off.body['code'], 'authentication.not_recent');
  });

  test('never after a sign-in by the inbox: an emailed-code sign-in asking for the MFA class is asked to set up an app instead', async () => {
    const { email, token } = await signUp('email-otp-inbox');
    assert.equal((await api('PUT', '/second-factors/email', token)).status, 204);
    const browser = createBrowserSession();
    await assert.rejects(
      authorizationCodeFlow(web, { redirectUri: CALLBACK, parameters: { acr_values: MFA } }, async (url) => {
        const signIn = await browser.open(url);
        const link = /href="([^"]*\?screen=email-code)"/.exec(signIn.html);
        const emailPage = await browser.open(new URL(link![1]!.replace(/&amp;/g, '&'), signIn.url));
        const seen = await node.server.mailbox.lastId(email);
        const codePage = await browser.submit(requireForm(emailPage, isAction('/email-code')), { email });
        const mail = await node.server.mailbox.next(email, 'sign_in_code', seen);
        const step = await browser.submit(requireForm(codePage, isAction('/email-code/verify')), { code: codeIn(mail) });
        assert.equal(step.redirectedTo, undefined);
        assert.equal(emailSendForm(step), undefined, 'the inbox does not confirm the inbox');
        assert.ok(findForm(step, isAction('/second-factor/enrol')), `asked to set up an app: ${textOf(step.html).slice(0, 200)}`);
        throw new Error('stopped at the step');
      }),
      /stopped at the step/,
    );
  });

  test('turning it on needs a verified email; sending codes is limited', async () => {
    const email = uniqueEmail('email-otp-unverified');
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, node.server.defaultTenant.id, { traits: { email }, password: PASSWORD, verified: false }, { type: 'operator', id: 'test' });
    const browser = createBrowserSession();
    const { tokens } = await authorizationCodeFlow(web, { redirectUri: CALLBACK, scope: 'openid email account' }, (url) => browser.signInAndAuthorize(url, { email, password: PASSWORD }));
    const refused = await api('PUT', '/second-factors/email', tokens.access_token);
    assert.equal(refused.status, 409);
    assert.equal(refused.body['code'], 'mfa.email_unverified');
    assert.equal(refused.body['type'] !== undefined, true, 'a problem document');
    const security = await browser.open(`${node.url}/account/security`);
    assert.match(textOf(security.html), /Verify your email address to use codes by email/);
    assert.equal(findForm(security, isAction('/account/security/email')), undefined);

    const { email: verified, token } = await signUp('email-otp-limit');
    assert.equal((await api('PUT', '/second-factors/email', token)).status, 204);
    await assert.rejects(
      signInAskingMfa(verified, async (stepBrowser, step) => {
        let page = step;
        for (let send = 1; send <= 3; send += 1) {
          page = await stepBrowser.submit(emailSendForm(page)!);
          assert.equal(page.status, 200, `email ${send}`);
        }
        const fourth = await stepBrowser.submit(emailSendForm(page)!);
        assert.equal(fourth.status, 429);
        assert.ok(Number(fourth.headers?.get('retry-after')) > 0);
        throw new Error('stopped at the step');
      }),
      /stopped at the step/,
    );
  });
});
