// Codes by text message as a second factor (ADR 0031), through HTTP on both engines, with a fake
// SMS gateway on loopback standing in for the provider: the gateway gets the configured request
// (authorization header, body template); a customer adds their number in the account portal (a code
// texted to it proves it), then signs in with the password and a texted code, and the ID token says
// pwd, sms and mfa. The SMS pumping limits hold: per number, per country calling code, and only the
// tenant's countries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import type { BrowserSession, Page } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import type { TenantSettings } from '../../src/domain/tenants/tenant-settings.ts';
import { codeOf, startFakeGateway } from '../helpers/sms-gateway.ts';

const CALLBACK = 'https://shop.example.test/callback';

describeEachEngine('codes by text message', (current) => {
  let node: ListeningServer;
  let gateway: Awaited<ReturnType<typeof startFakeGateway>>;

  before(async () => {
    gateway = await startFakeGateway();
    node = await startListeningServer(current().engine, {
      SMS_GATEWAY_URL: gateway.url,
      SMS_GATEWAY_AUTHORIZATION: 'Bearer gateway-test-key',
      SMS_GATEWAY_BODY: '{"destination":"{{to}}","message":"{{text}}","sender":"{{from}}"}',
      SMS_FROM: 'Shop',
    });
  });
  after(async () => {
    await node?.stop();
    gateway?.server.close();
  });

  let tenants = 0;
  async function tenantWith(settings: TenantSettings): Promise<Tenant> {
    tenants += 1;
    return createTenant(node.server, `sms-${tenants}-${process.pid}-${current().engine}`, settings);
  }

  async function customer(tenant: Tenant, label: string) {
    const email = uniqueEmail(label);
    const identity = await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenant.id, { traits: { email }, password: PASSWORD, verified: true }, { type: 'operator', id: 'test' });
    return { email, id: identity.id };
  }

  /** Signed in to the portal's page for adding a number. */
  async function phonePage(tenant: Tenant, email: string): Promise<{ browser: BrowserSession; page: Page }> {
    const browser = createBrowserSession();
    const page = await browser.drive(await browser.open(`${node.url}/t/${tenant.slug}/account/security/sms`), { credentials: { email, password: PASSWORD } });
    assert.ok(findForm(page, isAction('/account/security/sms')), `the phone form: ${page.status} ${textOf(page.html).slice(0, 200)}`);
    return { browser, page };
  }

  test('add a number in the portal, then sign in with the password and a texted code: the ID token says pwd, sms, mfa', async () => {
    const tenant = await tenantWith({ mfa: { policy: 'optional' } });
    const { email, id } = await customer(tenant, 'sms');
    const { browser, page } = await phonePage(tenant, email);
    const invalid = await browser.submit(requireForm(page, isAction('/account/security/sms')), { phone: '12345' });
    assert.equal(invalid.status, 400);
    assert.match(textOf(invalid.html), /country code/);
    const before = gateway.received.length;
    const codePage = await browser.submit(requireForm(invalid, isAction('/account/security/sms')), { phone: '+44 7400 123456' });
    assert.equal(codePage.status, 200, textOf(codePage.html).slice(0, 300));
    assert.match(textOf(codePage.html), /ending in 56/);
    const enrolText = await gateway.next('+447400123456', before);
    assert.equal(enrolText.authorization, 'Bearer gateway-test-key');
    assert.equal(enrolText.contentType, 'application/json');
    assert.equal(enrolText.body.sender, 'Shop');
    const wrong = await browser.submit(requireForm(codePage, isAction('/account/security/sms/confirm')), { code: codeOf(enrolText) === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 400);
    const done = await browser.submit(requireForm(wrong, isAction('/account/security/sms/confirm')), { code: codeOf(enrolText) });
    assert.match(textOf(done.html), /Codes go to your number ending in 56/);

    const rp = await relyingParty(`${node.url}/t/${tenant.slug}`, await registerApplication(node.server, tenant.id, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] }));
    const other = createBrowserSession();
    const { claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, async (url) => {
      const step = await other.drive(await other.open(url), { credentials: { email, password: PASSWORD } });
      const send = requireForm(step, isAction('/second-factor/send'));
      assert.match(textOf(step.html), /ending in 56/);
      const sentAt = gateway.received.length;
      const codeForm = await other.submit(send);
      const text = await gateway.next('+447400123456', sentAt);
      assert.match(text.body.message, /verification code/);
      const form = requireForm(codeForm, (candidate) => candidate.action.pathname.endsWith('/second-factor') && candidate.fields['method'] === 'sms');
      const refused = await other.submit(form, { code: codeOf(text) === '000000' ? '111111' : '000000' });
      assert.equal(refused.status, 400);
      const signedIn = await other.submit(form, { code: codeOf(text) });
      assert.ok(signedIn.redirectedTo, `signed in: ${signedIn.status} ${textOf(signedIn.html).slice(0, 300)}`);
      // The code works once: the step is over.
      const replay = await other.submit(form, { code: codeOf(text) });
      assert.equal(replay.redirectedTo, undefined);
      assert.equal(replay.status, 400);
      return signedIn.redirectedTo!;
    });
    assert.equal(claims['acr'], 'urn:foyer:acr:mfa');
    assert.deepEqual([...(claims['amr'] as string[])].sort(), ['mfa', 'pwd', 'sms']);
    const entries = await node.server.stores.audit.listForIdentity(tenant.id, id, { limit: 30 });
    assert.ok(entries.some((entry) => entry.action === 'mfa.enrolled' && entry.details?.['method'] === 'sms'));
    assert.ok(entries.some((entry) => entry.action === 'mfa.used' && entry.details?.['method'] === 'sms'));
    assert.ok(entries.some((entry) => entry.action === 'mfa.failed' && entry.details?.['method'] === 'sms'));
  });

  test('pumping limits: three texts an hour to one number; a country calling code has its hourly budget; only the tenant’s countries', async () => {
    const tenant = await tenantWith({ sms: { countryHourlyLimit: 4, allowedCountries: ['GB', 'DE'] } });
    const { email } = await customer(tenant, 'pumping');
    const { browser, page } = await phonePage(tenant, email);
    const send = (phone: string, from: Page = page) => browser.submit(requireForm(from, isAction('/account/security/sms')), { phone });
    const sent = gateway.received.length;
    for (let attempt = 0; attempt < 3; attempt += 1) assert.equal((await send('+447400100001')).status, 200, `text ${attempt + 1} to the number`);
    const fourth = await send('+447400100001');
    assert.equal(fourth.status, 429);
    assert.ok(Number(fourth.headers?.get('retry-after')) > 0);
    // One more text to another GB number uses the country's fourth; the fifth waits.
    assert.equal((await send('+447400100002')).status, 200);
    const overCountry = await send('+447400100003');
    assert.equal(overCountry.status, 429, 'the GB budget is spent');
    // Another country's budget is its own.
    assert.equal((await send('+4915123456789')).status, 200);
    const elsewhere = await send('+14155552671');
    assert.equal(elsewhere.status, 400);
    assert.match(textOf(elsewhere.html), /cannot send text messages to numbers of this country/);
    await gateway.next('+4915123456789', sent);
    const texted = gateway.received.slice(sent).map((message) => message.body.destination);
    assert.deepEqual(texted.filter((to) => to === '+447400100001').length, 3);
    assert.equal(texted.includes('+447400100003'), false);
    assert.equal(texted.includes('+14155552671'), false);
  });
});
