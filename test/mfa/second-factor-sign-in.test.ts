// The second-factor step of the hosted sign-in (ADR 0024), through HTTP with openid-client as the
// application: enrolment when the policy requires it, TOTP codes computed here as an authenticator
// app does, reused and late codes refused, recovery codes once each, the code-entry throttle, and
// what the ID token's acr and amr say.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import { asksSecondFactor, enrolOnSignIn, submitSecondFactor, totpCode } from '../helpers/second-factor.ts';
import { requireForm, isAction } from '../helpers/browser-session.ts';
import { linkIn } from '../helpers/mailbox.ts';

const CALLBACK = 'https://shop.example.test/callback';
const MFA = 'urn:foyer:acr:mfa';

describeEachEngine('second factor at hosted sign-in', (current) => {
  let node: ListeningServer;
  let issuer: string;
  let strict: client.Configuration;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenant = await createTenant(node.server, `mfa-${process.pid}-${current().engine}`, { mfa: { policy: 'required' } });
    issuer = `${node.url}/t/${tenant.slug}`;
    strict = await relyingParty(issuer, await registerApplication(node.server, tenant.id, { name: 'Bank', kind: 'web', redirectUris: [CALLBACK] }));
  });
  after(async () => {
    await node?.stop();
  });

  /** A customer of the strict tenant who enrolled at their first sign-in: their key and recovery codes. */
  async function enrolledCustomer(label: string) {
    const email = uniqueEmail(label);
    const tenant = await tenantOf();
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenant.id, { traits: { email, name: 'Ada' }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    const browser = createBrowserSession();
    let enrolment: Awaited<ReturnType<typeof enrolOnSignIn>> | undefined;
    const { claims } = await authorizationCodeFlow(strict, { redirectUri: CALLBACK }, async (url) => {
      const page = await browser.drive(await browser.open(url), { credentials: { email, password: PASSWORD } });
      assert.match(textOf(page.html), /authenticator app/i, 'a customer without a second factor is asked to set one up');
      enrolment = await enrolOnSignIn(browser, page);
      return finish(browser, await browser.submit(requireForm(enrolment.codesPage, isAction('/second-factor/continue'))));
    });
    return { email, claims, ...enrolment! };
  }

  async function tenantOf() {
    const slug = new URL(issuer).pathname.split('/').pop()!;
    return (await node.server.stores.tenants.findBySlug(slug))!;
  }

  /** Signs in with the password in a new browser and answers the page after it. */
  async function passwordPage(email: string, browser: BrowserSession, url: URL): Promise<Page> {
    return browser.drive(await browser.open(url), { credentials: { email, password: PASSWORD } });
  }

  test('required: a customer without a factor enrols (QR code, key, ten recovery codes) and the ID token says pwd, otp, mfa', async () => {
    const { claims, codes, codesPage } = await enrolledCustomer('enrol');
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    assert.match(textOf(codesPage.html), /only time they are shown/);
    assert.equal(claims['acr'], MFA);
    assert.deepEqual([...(claims['amr'] as string[])].sort(), ['mfa', 'otp', 'pwd']);
  });

  test('a code from the app signs in; the same code again, a late one and a wrong one are refused', async () => {
    const { email, secret } = await enrolledCustomer('totp');
    const browser = createBrowserSession();
    const { claims } = await authorizationCodeFlow(strict, { redirectUri: CALLBACK }, async (url) => {
      let page = await passwordPage(email, browser, url);
      assert.ok(asksSecondFactor(page), 'the second factor is asked for');
      // The code of the step enrolment used: reused.
      page = await submitSecondFactor(browser, page, totpCode(secret));
      assert.equal(page.status, 400);
      assert.match(textOf(page.html), /used already/);
      // Two steps ago: outside the window.
      page = await submitSecondFactor(browser, page, totpCode(secret, Date.now() - 65_000));
      assert.equal(page.status, 400);
      page = await submitSecondFactor(browser, page, '000000' === totpCode(secret, Date.now() + 30_000) ? '111111' : '000000');
      assert.equal(page.status, 400);
      // The next step's code (the app's clock a little ahead) is within the window.
      return finish(browser, await submitSecondFactor(browser, page, totpCode(secret, Date.now() + 30_000)));
    });
    assert.equal(claims['acr'], MFA);
    assert.ok((claims['amr'] as string[]).includes('otp'));
    const entries = await node.server.stores.audit.listForIdentity((await tenantOf()).id, claims.sub, { limit: 20 });
    assert.ok(entries.some((entry) => entry.action === 'mfa.enrolled'));
    assert.ok(entries.some((entry) => entry.action === 'mfa.used' && entry.details?.['method'] === 'totp'));
    assert.ok(entries.filter((entry) => entry.action === 'mfa.failed').length >= 3);
  });

  test('the recovery link opened in the browser that asked sets the password, then asks for the second factor: an inbox alone does not pass it', async () => {
    const { email, secret } = await enrolledCustomer('recoverlink');
    const browser = createBrowserSession();
    const { claims } = await authorizationCodeFlow(strict, { redirectUri: CALLBACK }, async (url) => {
      const signIn = await browser.open(url);
      const recovery = await browser.open(`${signIn.url.origin}${signIn.url.pathname}?screen=recovery`);
      await browser.submit(requireForm(recovery, isAction('/recovery')), { email });
      const form = await browser.open(linkIn(await node.server.mailbox.next(email, 'recover_password')));
      const page = await browser.submit(requireForm(form, isAction('/recovery')), { password: 'a brand new passphrase 2026' });
      assert.equal(page.redirectedTo, undefined, `the application was reached without the second factor: ${String(page.redirectedTo)}`);
      assert.ok(asksSecondFactor(page), textOf(page.html).slice(0, 300));
      // Coming back to the same address again does not skip the step either.
      const again = await browser.open(`${signIn.url.origin}${signIn.url.pathname}?continue=recovered`);
      assert.equal(again.redirectedTo, undefined, `reached ${String(again.redirectedTo)}`);
      return finish(browser, await submitSecondFactor(browser, page, totpCode(secret, Date.now() + 30_000)));
    });
    assert.equal(claims['acr'], MFA);
    assert.ok((claims['amr'] as string[]).includes('otp'));
  });

  test('a recovery code works once', async () => {
    const { email, codes } = await enrolledCustomer('recovery');
    const first = createBrowserSession();
    const { claims } = await authorizationCodeFlow(strict, { redirectUri: CALLBACK }, async (url) =>
      finish(first, await submitSecondFactor(first, await passwordPage(email, first, url), codes[0]!.toUpperCase(), { method: 'recovery_code' })),
    );
    assert.equal(claims['acr'], MFA);
    const second = createBrowserSession();
    await authorizationCodeFlow(strict, { redirectUri: CALLBACK }, async (url) => {
      const refused = await submitSecondFactor(second, await passwordPage(email, second, url), codes[0]!, { method: 'recovery_code' });
      assert.equal(refused.status, 400, 'the used code is refused');
      return finish(second, await submitSecondFactor(second, refused, codes[1]!, { method: 'recovery_code' }));
    });
  });

  test('code entry is throttled: after five wrong codes the next is refused with Retry-After, even the right one', async () => {
    const { email, secret } = await enrolledCustomer('throttle');
    const browser = createBrowserSession();
    let page = await passwordPage(email, browser, new URL(`${issuer}/auth?${new URLSearchParams({ client_id: strict.clientMetadata().client_id, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`));
    for (let attempt = 0; attempt < 5; attempt += 1) {
      page = await submitSecondFactor(browser, page, attempt % 2 === 0 ? '000001' : '999998');
      assert.equal(page.status, 400, `attempt ${attempt + 1}`);
    }
    page = await submitSecondFactor(browser, page, totpCode(secret, Date.now() + 30_000));
    assert.equal(page.status, 429);
    assert.ok(Number(page.headers?.get('retry-after')) > 0);
    assert.match(textOf(page.html), /Too many attempts/);
  });

  test('a remembered device skips the step for 30 days; another browser is still asked', async () => {
    const { email, secret, codes } = await enrolledCustomer('remember');
    const browser = createBrowserSession();
    await authorizationCodeFlow(strict, { redirectUri: CALLBACK }, async (url) => finish(browser, await submitSecondFactor(browser, await passwordPage(email, browser, url), totpCode(secret, Date.now() + 30_000), { remember: true })));
    assert.ok(browser.cookieNames().includes('foyer_mfa_device'));
    const again = await authorizationCodeFlow(strict, { redirectUri: CALLBACK, parameters: { prompt: 'login' } }, async (url) => {
      const page = await passwordPage(email, browser, url);
      assert.ok(page.redirectedTo, `the remembered browser goes straight back: ${textOf(page.html).slice(0, 200)}`);
      return page.redirectedTo!;
    });
    assert.deepEqual(again.claims['amr'], ['pwd'], 'the ID token says what happened: the password only');
    const other = createBrowserSession();
    await authorizationCodeFlow(strict, { redirectUri: CALLBACK }, async (url) => {
      const page = await passwordPage(email, other, url);
      assert.ok(asksSecondFactor(page));
      // Every live TOTP step is used by now: a recovery code.
      return finish(other, await submitSecondFactor(other, page, codes[0]!, { method: 'recovery_code' }));
    });
  });
});

/** The redirect back to the application that ends the navigation. */
function finish(_browser: BrowserSession, page: Page): URL {
  assert.ok(page.redirectedTo, `expected a redirect to the application, got ${page.status} at ${page.url.pathname}: ${textOf(page.html).slice(0, 300)}`);
  return page.redirectedTo;
}
