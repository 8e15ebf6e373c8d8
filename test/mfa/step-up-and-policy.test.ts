// Step-up and the policies (ADR 0024), through HTTP with openid-client as the applications: an
// application's acr_values asks a signed-in customer for the missing factor only, and the ID token's
// acr and amr say what happened; a voluntary request the customer declines is answered with the
// class reached, an essential one they cannot meet ends in unmet_authentication_requirements;
// optional asks only customers who enrolled; adaptive asks on a new device or after wrong
// passwords, and not on a browser that signed in before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import type { MfaPolicy } from '../../src/domain/tenants/tenant-settings.ts';
import { asksSecondFactor, enrolOnSignIn, submitSecondFactor, totpCode } from '../helpers/second-factor.ts';

const CALLBACK = 'https://shop.example.test/callback';
const MFA = 'urn:foyer:acr:mfa';

describeEachEngine('step-up and second-factor policies', (current) => {
  let node: ListeningServer;

  before(async () => {
    node = await startListeningServer(current().engine);
  });
  after(async () => {
    await node?.stop();
  });

  /** A tenant with `policy`, an application of its own policy (`enrol`: required, where customers set up their app) and one without. */
  let tenants = 0;
  async function setUp(policy: MfaPolicy) {
    tenants += 1;
    const tenant = await createTenant(node.server, `${policy}-${tenants}-${process.pid}-${current().engine}`, { mfa: { policy } });
    const issuer = `${node.url}/t/${tenant.slug}`;
    const shop = await relyingParty(issuer, await registerApplication(node.server, tenant.id, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] }));
    const bank = await relyingParty(issuer, await registerApplication(node.server, tenant.id, { name: 'Bank', kind: 'web', redirectUris: [CALLBACK], mfaPolicy: 'required' }));
    return { tenant, issuer, shop, bank };
  }

  async function customer(tenant: Tenant, label: string): Promise<string> {
    const email = uniqueEmail(label);
    await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenant.id, { traits: { email, name: 'Ada' }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    return email;
  }

  /** Enrols the customer through the application that requires a second factor; answers their key and codes. */
  async function enrol(bank: client.Configuration, email: string) {
    const browser = createBrowserSession();
    let enrolment: Awaited<ReturnType<typeof enrolOnSignIn>> | undefined;
    await authorizationCodeFlow(bank, { redirectUri: CALLBACK }, async (url) => {
      const page = await signIn(browser, url, email);
      enrolment = await enrolOnSignIn(browser, page);
      return back(await browser.submit(requireForm(enrolment.codesPage, isAction('/second-factor/continue'))));
    });
    return enrolment!;
  }

  test('acr_values asks a signed-in customer for the second factor only, and the ID token says mfa, pwd and otp', async () => {
    const { tenant, shop, bank } = await setUp('off');
    const email = await customer(tenant, 'step-up');
    const { secret } = await enrol(bank, email);
    const browser = createBrowserSession();
    const plain = await authorizationCodeFlow(shop, { redirectUri: CALLBACK }, async (url) => back(await signIn(browser, url, email)));
    assert.equal(plain.claims['acr'], 'urn:foyer:acr:password', 'policy off: the password alone');
    assert.deepEqual(plain.claims['amr'], ['pwd']);

    const stepped = await authorizationCodeFlow(shop, { redirectUri: CALLBACK, parameters: { acr_values: MFA } }, async (url) => {
      const page = await browser.open(url);
      assert.ok(asksSecondFactor(page), `the missing factor is asked for: ${textOf(page.html).slice(0, 200)}`);
      assert.equal(findForm(page, isAction('/signin')), undefined, 'not the password again');
      return back(await submitSecondFactor(browser, page, totpCode(secret, Date.now() + 30_000)));
    });
    assert.equal(stepped.claims['acr'], MFA);
    assert.deepEqual([...(stepped.claims['amr'] as string[])].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(stepped.claims.sub, plain.claims.sub);

    // The session has reached the class now: the next request for it is single sign-on.
    const again = await authorizationCodeFlow(shop, { redirectUri: CALLBACK, parameters: { acr_values: MFA } }, (url) => browser.authorize(url));
    assert.equal(again.claims['acr'], MFA);
  });

  test('max_age with acr_values: the password again, then the second factor', async () => {
    const { tenant, shop, bank } = await setUp('off');
    const email = await customer(tenant, 'max-age');
    const { codes } = await enrol(bank, email);
    const browser = createBrowserSession();
    await authorizationCodeFlow(shop, { redirectUri: CALLBACK }, async (url) => back(await signIn(browser, url, email)));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { claims } = await authorizationCodeFlow(shop, { redirectUri: CALLBACK, maxAge: 0, parameters: { acr_values: MFA } }, async (url) => {
      const page = await browser.open(url);
      assert.ok(findForm(page, isAction('/signin')), 'max_age=0 asks for the password');
      const second = await signIn(browser, url, email, page);
      assert.ok(asksSecondFactor(second));
      return back(await submitSecondFactor(browser, second, codes[0]!, { method: 'recovery_code' }));
    });
    assert.equal(claims['acr'], MFA);
  });

  test('a voluntary request declined is answered with the class reached; an essential one ends in unmet_authentication_requirements', async () => {
    const { tenant, shop } = await setUp('off');
    const email = await customer(tenant, 'decline');
    const browser = createBrowserSession();
    const voluntary = await authorizationCodeFlow(shop, { redirectUri: CALLBACK, parameters: { acr_values: MFA } }, async (url) => {
      const page = await signIn(browser, url, email);
      assert.match(textOf(page.html), /authenticator app/, 'a customer without a factor is offered to set one up');
      return back(await browser.submit(requireForm(page, isAction('/second-factor/decline'))));
    });
    assert.equal(voluntary.claims['acr'], 'urn:foyer:acr:password', 'never claims more than happened');
    assert.deepEqual(voluntary.claims['amr'], ['pwd']);

    const essential = JSON.stringify({ id_token: { acr: { essential: true, values: [MFA] } } });
    const other = createBrowserSession();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(shop, { redirect_uri: CALLBACK, scope: 'openid', state, claims: essential, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const page = await signIn(other, url, email);
    const cancel = requireForm(page, isAction('/second-factor/decline'));
    const ended = await other.submit(cancel);
    assert.ok(ended.redirectedTo);
    assert.equal(ended.redirectedTo.searchParams.get('error'), 'unmet_authentication_requirements');
    assert.equal(ended.redirectedTo.searchParams.get('state'), state);
  });

  test('optional: a customer without a factor signs in with the password; one who set one up is asked', async () => {
    const { tenant, shop, bank } = await setUp('optional');
    const without = await customer(tenant, 'optional-none');
    const plain = await authorizationCodeFlow(shop, { redirectUri: CALLBACK }, async (url) => back(await signIn(createBrowserSession(), url, without)));
    assert.deepEqual(plain.claims['amr'], ['pwd']);
    const withFactor = await customer(tenant, 'optional-totp');
    const { codes } = await enrol(bank, withFactor);
    const browser = createBrowserSession();
    const { claims } = await authorizationCodeFlow(shop, { redirectUri: CALLBACK }, async (url) => {
      const page = await signIn(browser, url, withFactor);
      assert.ok(asksSecondFactor(page));
      return back(await submitSecondFactor(browser, page, codes[0]!, { method: 'recovery_code' }));
    });
    assert.equal(claims['acr'], MFA);
  });

  test('adaptive: a new device is asked, a browser that signed in before is not, until someone tries wrong passwords', async () => {
    const { tenant, shop, bank } = await setUp('adaptive');
    const email = await customer(tenant, 'adaptive');
    const { codes } = await enrol(bank, email);
    const browser = createBrowserSession();
    await authorizationCodeFlow(shop, { redirectUri: CALLBACK }, async (url) => {
      const page = await signIn(browser, url, email);
      assert.ok(asksSecondFactor(page), 'a browser new to the account is asked');
      return back(await submitSecondFactor(browser, page, codes[0]!, { method: 'recovery_code' }));
    });
    const known = await authorizationCodeFlow(shop, { redirectUri: CALLBACK, parameters: { prompt: 'login' } }, async (url) => back(await signIn(browser, url, email)));
    assert.deepEqual(known.claims['amr'], ['pwd'], 'the browser that signed in before is not asked');

    // Someone elsewhere guesses the password: the known browser is asked again.
    const stranger = createBrowserSession();
    const strangerUrl = client.buildAuthorizationUrl(shop, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const refused = await stranger.submit(requireForm(await stranger.open(strangerUrl), isAction('/signin')), { email, password: 'not the password at all' });
    assert.equal(refused.status, 401);
    await authorizationCodeFlow(shop, { redirectUri: CALLBACK, parameters: { prompt: 'login' } }, async (url) => {
      const page = await signIn(browser, url, email);
      assert.ok(asksSecondFactor(page), 'after a wrong password elsewhere, the second factor is asked');
      return back(await submitSecondFactor(browser, page, codes[1]!, { method: 'recovery_code' }));
    });
  });
});

/** The password on the sign-in page (opened at `url`, or `page` already open). */
async function signIn(browser: BrowserSession, url: URL, email: string, page?: Page): Promise<Page> {
  const start = page ?? (await browser.open(url));
  return browser.submit(requireForm(start, isAction('/signin')), { email, password: PASSWORD });
}

function back(page: Page): URL {
  assert.ok(page.redirectedTo, `expected a redirect to the application, got ${page.status} at ${page.url.pathname}: ${textOf(page.html).slice(0, 300)}`);
  return page.redirectedTo;
}
