// Sign-in by a texted code (ADR 0031) for a tenant whose customers have a phone number as an
// identifier, through HTTP on both engines with a fake SMS gateway on loopback: the hosted pages
// (the code signs in; the ID token says sms and the SMS class) and the JSON flows API; an unknown
// number gets the same answer and no text, and still counts against the pumping limits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, createTenant, PASSWORD, registerApplication, relyingParty, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { codeOf, startFakeGateway } from '../helpers/sms-gateway.ts';

const CALLBACK = 'https://shop.example.test/callback';
const SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
    phone: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'phone' } },
  },
  required: ['email'],
};

describeEachEngine('sign-in by a texted code', (current) => {
  let node: ListeningServer;
  let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
  let tenant: Tenant;
  let issuer: string;

  before(async () => {
    gateway = await startFakeGateway();
    node = await startListeningServer(current().engine, { SMS_GATEWAY_URL: gateway.url, SMS_GATEWAY_BODY: '{"destination":"{{to}}","message":"{{text}}","sender":"{{from}}"}' });
    tenant = await createTenant(node.server, `sms-in-${process.pid}-${current().engine}`, { identitySchema: SCHEMA, passwordless: { sms: true } });
    issuer = `${node.url}/t/${tenant.slug}`;
  });
  after(async () => {
    await node?.stop();
    gateway?.server.close();
  });

  async function customer(phone: string) {
    const identity = await createIdentityByOperator({ transaction: node.server.transaction, tenants: node.server.stores.tenants }, tenant.id, { traits: { email: uniqueEmail('sms-in'), phone }, password: PASSWORD }, { type: 'operator', id: 'test' });
    return identity.id;
  }

  test('hosted: "Text me a sign-in code instead", the number, the texted code: signed in, amr sms; an unknown number gets the same page and no text', async () => {
    const id = await customer('+447400200001');
    const rp = await relyingParty(issuer, await registerApplication(node.server, tenant.id, { name: 'Shop', kind: 'web', redirectUris: [CALLBACK] }));
    const codePages: string[] = [];
    const { claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK }, async (url) => {
      const browser = createBrowserSession();
      const signIn = await browser.open(url);
      const link = /href="([^"]*\?screen=sms-code)"/.exec(signIn.html);
      assert.ok(link, 'the sign-in page offers a texted code');
      const phonePage = await browser.open(new URL(link[1]!.replace(/&amp;/g, '&'), signIn.url));
      const sent = gateway.received.length;
      const codePage = await browser.submit(requireForm(phonePage, isAction('/sms-code')), { phone: '+44 7400 200001' });
      assert.equal(codePage.status, 200);
      codePages.push(textOf(codePage.html).replace('+447400200001', 'N'));
      const text = await gateway.next('+447400200001', sent);
      assert.match(text.body.message, /sign-in code/);
      const page = await browser.submit(requireForm(codePage, isAction('/sms-code/verify')), { code: codeOf(text) });
      assert.ok(page.redirectedTo, `signed in: ${page.status} ${textOf(page.html).slice(0, 200)}`);
      return page.redirectedTo!;
    });
    assert.equal(claims.sub, id);
    assert.equal(claims['acr'], 'urn:foyer:acr:sms');
    assert.deepEqual(claims['amr'], ['sms']);

    const browser = createBrowserSession();
    const url = new URL(`${issuer}/auth?${new URLSearchParams({ client_id: rp.clientMetadata().client_id, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`);
    const signIn = await browser.open(url);
    const phonePage = await browser.open(`${signIn.url.href}?screen=sms-code`);
    const before = gateway.received.length;
    const unknown = await browser.submit(requireForm(phonePage, isAction('/sms-code')), { phone: '+447400299999' });
    assert.equal(unknown.status, 200);
    assert.equal(textOf(unknown.html).replace('+447400299999', 'N'), codePages[0]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(gateway.received.slice(before).filter((message) => message.body.destination === '+447400299999').length, 0, 'nobody is texted');
  });

  test('flows API: POST /flows/login/{id}/sms, then the code: a session whose amr is sms; wrong codes throttled; unknown numbers still count against the number limit', async () => {
    const id = await customer('+447400200002');
    const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = (await (await fetch(`${issuer}/flows/login`, { method: 'POST' })).json()) as { id: string; ui: { alternatives: { method: string; action: string }[] } };
    const alternative = created.ui.alternatives.find((candidate) => candidate.method === 'sms_code');
    assert.ok(alternative);
    const sent = gateway.received.length;
    const started = await post(alternative.action, { phone: '+447400200002' });
    assert.equal(started.status, 200);
    const view = (await started.json()) as { ui: { action: string } };
    const text = await gateway.next('+447400200002', sent);
    const wrong = await post(view.ui.action, { code: codeOf(text) === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 400);
    const signedIn = await post(view.ui.action, { code: codeOf(text) });
    assert.equal(signedIn.status, 200);
    const body = (await signedIn.json()) as { session: { amr: string[] }; identity: { id: string; addresses: { kind: string; value: string; verified: boolean }[] } };
    assert.deepEqual(body.session.amr, ['sms']);
    assert.equal(body.identity.id, id);
    assert.ok(body.identity.addresses.some((address) => address.kind === 'phone' && address.verified), 'the number is verified now');

    // An unknown number: the same answer, and its three texts an hour are counted all the same.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const flow = (await (await fetch(`${issuer}/flows/login`, { method: 'POST' })).json()) as { id: string };
      statuses.push((await post(`${issuer}/flows/login/${flow.id}/sms`, { phone: '+447400288888' })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });
});
