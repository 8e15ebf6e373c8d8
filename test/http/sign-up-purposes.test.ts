// Sign-up collects consent to the tenant's purposes, on the hosted page and through the JSON flows
// API, on both engines: required purposes must be accepted (refused beside the box otherwise, with
// no account and no email), optional ones are unticked by default, and each purpose accepted is a
// ledger record written with the account: purpose, version, the SHA-256 of the text shown in the
// language shown, the application, IP address, user agent, how, and Sec-GPC. A taken email gets the
// same answer and records nothing for its owner. Under Global Privacy Control a purpose that sells
// or shares data says it stays off unless ticked, and the flows API grants it only by the version
// shown, never by a bare `true` (what an "accept all" default sends).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { codeIn } from '../helpers/mailbox.ts';
import { createTenant, PASSWORD, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createPurpose } from '../../src/domain/privacy/purposes.service.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';

const TERMS = { en: { name: 'Terms of service', description: 'The rules of the shop.' }, de: { name: 'Nutzungsbedingungen', description: 'Die Regeln des Ladens.' } };
const MARKETING = { en: { name: 'Offers by email', description: 'We send offers and share them with partners.' } };

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describeEachEngine('sign-up with consent purposes', (current) => {
  let node: ListeningServer;
  let tenant: Tenant;
  before(async () => {
    node = await startListeningServer(current().engine);
    tenant = await createTenant(node.server, 'shop');
    const deps = { transaction: node.server.transaction };
    await createPurpose(deps, tenant, { id: 'terms', kind: 'required', legalBasis: 'contract', texts: TERMS }, SYSTEM_ACTOR);
    await createPurpose(deps, tenant, { id: 'marketing', kind: 'optional', legalBasis: 'consent', saleOrSharing: true, texts: MARKETING }, SYSTEM_ACTOR);
  });
  after(() => node?.stop());

  async function identityOf(email: string) {
    return node.server.stores.identities.findByAddress(tenant.id, 'email', email);
  }

  async function signUpPage(headers: Record<string, string> = {}, acceptLanguage = 'en') {
    const browser = createBrowserSession({ mailbox: node.server.mailbox, acceptLanguage, headers });
    const signIn = await browser.open(`${node.url}/t/shop/account`);
    const page = await browser.open(`${signIn.url.origin}${signIn.url.pathname}?screen=signup`);
    assert.equal(page.status, 200);
    return { browser, page };
  }

  test('the hosted page shows the purposes unticked, required first, and refuses a sign-up without the required one', async () => {
    const { browser, page } = await signUpPage();
    assert.match(page.html, /<legend>What you agree to<\/legend>/);
    assert.match(page.html, /<input id="field-consents\.terms" name="consents\.terms" type="checkbox" value="1"[^>]*> Terms of service \(required\)<\/label>/);
    assert.match(page.html, /<input id="field-consents\.marketing" name="consents\.marketing" type="checkbox" value="1"[^>]*> Offers by email<\/label>/);
    assert.doesNotMatch(page.html, /checked/);
    assert.ok(page.html.indexOf('consents.terms') < page.html.indexOf('consents.marketing'));
    assert.doesNotMatch(page.html, /Global Privacy Control/);

    const email = uniqueEmail('no-terms');
    const refused = await browser.submit(requireForm(page, isAction('/signup')), { email, password: PASSWORD, 'consents.marketing': '1' });
    assert.equal(refused.status, 400);
    assert.match(refused.html, /<p class="field-error" id="field-consents\.terms-error" role="alert">Please accept Terms of service to continue\.<\/p>/);
    // What the customer ticked stays ticked.
    assert.match(refused.html, /name="consents\.marketing" type="checkbox" value="1" checked/);
    assert.equal(await identityOf(email), undefined);
    assert.equal(await node.server.mailbox.lastId(email), undefined);
  });

  test('accepting the required purpose only: one record with its proof, written with the account', async () => {
    const { browser, page } = await signUpPage({ 'user-agent': 'purposes-test/1.0' }, 'de');
    const email = uniqueEmail('terms');
    const codePage = await browser.submit(requireForm(page, isAction('/signup')), { email, password: PASSWORD, 'consents.terms': '1' });
    assert.ok(findForm(codePage, isAction('/code')), textOf(codePage.html).slice(0, 300));
    const identity = await identityOf(email);
    assert.ok(identity);
    const records = await node.server.stores.consentLedger.listForIdentity(tenant.id, identity.id);
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record!.purposeId, 'terms');
    assert.equal(record!.version, 1);
    assert.equal(record!.action, 'granted');
    assert.equal(record!.locale, 'de');
    assert.equal(record!.textHash, sha256('Nutzungsbedingungen\n\nDie Regeln des Ladens.'));
    assert.equal(record!.method, 'signup_page');
    assert.equal(record!.clientId, 'foyer-account');
    assert.equal(record!.ip, '127.0.0.1');
    assert.equal(record!.userAgent, 'purposes-test/1.0');
    assert.equal(record!.gpc, false);
    assert.deepEqual((await node.server.stores.consentLedger.granted(tenant.id, identity.id)).map((grant) => grant.purposeId), ['terms']);

    // The code signs the customer in: nothing more is recorded.
    const mail = await node.server.mailbox.next(email, 'verify_email');
    await browser.submit(requireForm(codePage, isAction('/code')), { code: codeIn(mail) });
    assert.equal((await node.server.stores.consentLedger.listForIdentity(tenant.id, identity.id)).length, 1);
  });

  test('under Global Privacy Control the sharing purpose says it stays off; ticked, it is granted with gpc recorded', async () => {
    const { browser, page } = await signUpPage({ 'sec-gpc': '1' });
    assert.match(page.html, /Global Privacy Control/);
    assert.doesNotMatch(page.html, /checked/, 'nothing is ticked for the customer');
    const email = uniqueEmail('gpc');
    await browser.submit(requireForm(page, isAction('/signup')), { email, password: PASSWORD, 'consents.terms': '1', 'consents.marketing': '1' });
    const identity = await identityOf(email);
    const records = await node.server.stores.consentLedger.listForIdentity(tenant.id, identity!.id);
    assert.deepEqual(records.map((record) => [record.purposeId, record.action, record.gpc, record.locale]).sort(), [['marketing', 'granted', true, 'en'], ['terms', 'granted', true, 'en']]);
  });

  test('a box posting another version than the current one is not an acceptance', async () => {
    const { browser, page } = await signUpPage();
    const refused = await browser.submit(requireForm(page, isAction('/signup')), { email: uniqueEmail('old'), password: PASSWORD, 'consents.terms': '7' });
    assert.equal(refused.status, 400);
  });

  test('a taken email gets the same answer and records nothing for its owner', async () => {
    const email = uniqueEmail('taken');
    const first = await signUpPage();
    await first.browser.submit(requireForm(first.page, isAction('/signup')), { email, password: PASSWORD, 'consents.terms': '1' });
    const owner = await identityOf(email);
    const second = await signUpPage();
    const answer = await second.browser.submit(requireForm(second.page, isAction('/signup')), { email, password: PASSWORD, 'consents.terms': '1', 'consents.marketing': '1' });
    assert.equal(answer.status, 200);
    assert.ok(findForm(answer, isAction('/code')));
    assert.deepEqual((await node.server.stores.consentLedger.listForIdentity(tenant.id, owner!.id)).map((record) => record.purposeId), ['terms']);
  });

  test('the flows API lists the purposes as fields, refuses a sign-up without the required one, and records what was accepted', async () => {
    const created = await fetch(`${node.url}/t/shop/flows/registration`, { method: 'POST', headers: { 'accept-language': 'de' } });
    assert.equal(created.status, 201);
    const flow = (await created.json()) as { id: string; ui: { action: string; fields: { name: string; type: string; required: boolean; label: string; description?: string; version?: number }[] } };
    const consents = flow.ui.fields.filter((field) => field.name.startsWith('consents.'));
    assert.deepEqual(consents, [
      { name: 'consents.terms', type: 'boolean', required: true, label: 'Nutzungsbedingungen', description: 'Die Regeln des Ladens.', version: 1 },
      { name: 'consents.marketing', type: 'boolean', required: false, label: 'Offers by email', description: 'We send offers and share them with partners.', version: 1, sale_or_sharing: true },
    ]);

    const email = uniqueEmail('api');
    const submit = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(flow.ui.action, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'de', ...headers }, body: JSON.stringify(body) });
    const refused = await submit({ traits: { email }, password: PASSWORD, consents: { terms: false, marketing: true } });
    assert.equal(refused.status, 400);
    const problem = (await refused.json()) as { errors: { field: string; code: string; message: string }[] };
    assert.deepEqual(problem.errors.map((error) => [error.field, error.code]), [['consents.terms', 'consent.required']]);
    assert.equal(await identityOf(email), undefined);

    const accepted = await submit({ traits: { email }, password: PASSWORD, consents: { terms: true, marketing: true } }, { 'user-agent': 'shop-app/2' });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    const identity = await identityOf(email);
    const records = await node.server.stores.consentLedger.listForIdentity(tenant.id, identity!.id);
    const byPurpose = Object.fromEntries(records.map((record) => [record.purposeId, record]));
    assert.equal(byPurpose['terms']!.method, 'flows_api');
    assert.equal(byPurpose['terms']!.textHash, sha256('Nutzungsbedingungen\n\nDie Regeln des Ladens.'));
    assert.equal(byPurpose['terms']!.clientId, null);
    assert.equal(byPurpose['terms']!.userAgent, 'shop-app/2');
    assert.equal(byPurpose['marketing']!.locale, 'en');
    assert.equal(byPurpose['marketing']!.gpc, false);
  });

  test('under Global Privacy Control the flows API does not grant a sale-or-sharing purpose by a bare true (an "accept all" default), only by the version shown; gpc is recorded either way', async () => {
    const signUp = async (consents: Record<string, boolean | number>) => {
      const flow = (await (await fetch(`${node.url}/t/shop/flows/registration`, { method: 'POST' })).json()) as { ui: { action: string } };
      const email = uniqueEmail('api-gpc');
      const answer = await fetch(flow.ui.action, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-gpc': '1' }, body: JSON.stringify({ traits: { email }, password: PASSWORD, consents }) });
      assert.equal(answer.status, 200, await answer.clone().text());
      const identity = await identityOf(email);
      return (await node.server.stores.consentLedger.listForIdentity(tenant.id, identity!.id)).map((record) => [record.purposeId, record.action, record.gpc]).sort();
    };
    // "Accept all": every purpose true. The required one is accepted; the sharing one stays off, and nothing says it was granted.
    assert.deepEqual(await signUp({ terms: true, marketing: true }), [['terms', 'granted', true]]);
    // The customer ticked that very box (the app sends the version it showed): granted, with gpc recorded as proof of the choice.
    assert.deepEqual(await signUp({ terms: 1, marketing: 1 }), [['marketing', 'granted', true], ['terms', 'granted', true]]);
    // Another version than the one current is no acceptance, GPC or not.
    assert.deepEqual(await signUp({ terms: true, marketing: 2 }), [['terms', 'granted', true]]);
    const wrongType = await fetch(`${node.url}/t/shop/flows/registration`, { method: 'POST' }).then(async (created) => fetch(((await created.json()) as { ui: { action: string } }).ui.action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ traits: { email: uniqueEmail('api-bad') }, password: PASSWORD, consents: { terms: 'yes' } }) }));
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });
});
