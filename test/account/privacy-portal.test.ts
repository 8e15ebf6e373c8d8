// The account portal's consents and contact section and the one-click unsubscribe link, over HTTP
// on both engines: optional purposes shown ticked while granted and withdrawn by unticking (a
// ledger record: account_page, the portal's client, Sec-GPC, user agent), required ones stated and
// not withdrawable, channels per topic saved as ticked, forms refused without the CSRF token; the
// unsubscribe link (no sign-in) changes nothing when opened, turns the topic's email off from its
// button and from a mail client's RFC 8058 one-click POST (multipart), and refuses a forged token
// and another tenant's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession, findForm, isAction, requireForm, textOf } from '../helpers/browser-session.ts';
import { createTenant, PASSWORD, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import { createCustomer } from '../helpers/client-library-app.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { machineToken } from '../helpers/admin.ts';
import { validateTenantSettings } from '../../src/domain/tenants/tenant-settings.ts';
import { createPurpose } from '../../src/domain/privacy/purposes.service.ts';
import { changeConsents } from '../../src/domain/privacy/ledger.ts';
import { changePreferences } from '../../src/domain/privacy/preferences.ts';
import { ALL_TOPICS, listUnsubscribeHeaders, unsubscribeKeyOf, unsubscribeLinkOf } from '../../src/domain/privacy/unsubscribe.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';

const SETTINGS = { communication: { topics: [{ id: 'newsletter', names: { en: 'Newsletter' } }, { id: 'offers', names: { en: 'Special offers' } }] } };

describeEachEngine('account portal: consents and contact, and the unsubscribe link', (current) => {
  let node: ListeningServer;
  let tenant: Tenant;
  const key = unsubscribeKeyOf(TEST_MASTER_SECRET);

  before(async () => {
    node = await startListeningServer(current().engine);
    await node.server.stores.tenants.updateSettings(node.server.defaultTenant.id, validateTenantSettings(SETTINGS), Date.now());
    tenant = (await node.server.stores.tenants.findById(node.server.defaultTenant.id))!;
    const deps = { transaction: node.server.transaction };
    await createPurpose(deps, tenant, { id: 'terms', kind: 'required', legalBasis: 'contract', texts: { en: { name: 'Terms', description: 'The rules.' } } }, SYSTEM_ACTOR);
    await createPurpose(deps, tenant, { id: 'marketing', kind: 'optional', legalBasis: 'consent', saleOrSharing: true, texts: { en: { name: 'Marketing', description: 'Offers from partners.' } } }, SYSTEM_ACTOR);
  });
  after(() => node?.stop());

  async function customer(label: string): Promise<{ email: string; id: string }> {
    const email = uniqueEmail(label);
    await createCustomer(node.server, { email, password: PASSWORD, name: label });
    const identity = (await node.server.stores.identities.findByAddress(tenant.id, 'email', email))!;
    const deps = { transaction: node.server.transaction };
    await changeConsents(deps, tenant, identity.id, [{ purposeId: 'terms', granted: true }, { purposeId: 'marketing', granted: true }], { locale: 'en', context: { method: 'import', gpc: false } });
    await changePreferences(deps, tenant, identity.id, { 'newsletter.email': true, 'offers.email': true }, SYSTEM_ACTOR);
    return { email, id: identity.id };
  }

  async function subscribed(identityId: string): Promise<string[]> {
    return (await node.server.stores.preferences.list(tenant.id, identityId)).filter((choice) => choice.subscribed).map((choice) => `${choice.topic}.${choice.channel}`).sort();
  }

  test('the section shows where the customer stands; unticking marketing withdraws it, the channels are saved as ticked', async () => {
    const { email, id } = await customer('portal');
    const browser = createBrowserSession({ headers: { 'sec-gpc': '1', 'user-agent': 'portal-test/1' } });
    const page = await browser.drive(await browser.open(`${node.url}/account/privacy`), { credentials: { email, password: PASSWORD } });
    assert.equal(page.status, 200, textOf(page.html).slice(0, 300));
    assert.equal(page.url.pathname, '/account/privacy');
    assert.match(page.html, /<a href="\/account\/privacy" aria-current="page">Consents and contact<\/a>/);
    assert.match(page.html, /<strong>Terms<\/strong> <span class="tag">required<\/span>/);
    assert.match(textOf(page.html), /You accepted this version\./);
    assert.match(page.html, /name="consents\.marketing" type="checkbox" value="1" checked/);
    assert.match(page.html, /Global Privacy Control/);
    assert.match(page.html, /<p class="notice" role="status">Your browser sends Global Privacy Control, and we honour it: nothing that sells or shares your data is turned on unless you tick it yourself\.<\/p>/, 'the portal says the signal is honoured');
    assert.match(page.html, /<fieldset class="purposes"><legend>Newsletter<\/legend>/);
    assert.match(page.html, /<input id="pref-newsletter-email" name="pref\.newsletter\.email" type="checkbox" value="true" checked> Email<\/label>/);
    assert.match(page.html, /<input id="pref-newsletter-sms" name="pref\.newsletter\.sms" type="checkbox" value="true"> SMS<\/label>/);

    const withdrawn = await browser.submit(requireForm(page, isAction('/account/privacy/consents')));
    assert.equal(withdrawn.url.search, '?done=consents');
    assert.match(textOf(withdrawn.html), /Your consents are saved\./);
    assert.match(withdrawn.html, /name="consents\.marketing" type="checkbox" value="1" aria-describedby="[^"]+">/);
    const last = (await node.server.stores.consentLedger.listForIdentity(tenant.id, id)).at(-1)!;
    assert.deepEqual([last.purposeId, last.action, last.method, last.clientId, last.gpc, last.userAgent], ['marketing', 'withdrawn', 'account_page', 'foyer-account', true, 'portal-test/1']);
    assert.deepEqual((await node.server.stores.consentLedger.granted(tenant.id, id)).map((grant) => grant.purposeId), ['terms']);

    // Ticked again: granted again.
    await browser.submit(requireForm(withdrawn, isAction('/account/privacy/consents')), { 'consents.marketing': '1' });
    assert.deepEqual((await node.server.stores.consentLedger.granted(tenant.id, id)).map((grant) => grant.purposeId).sort(), ['marketing', 'terms']);
    // Without the signal the page does not claim it.
    const plain = createBrowserSession();
    const withoutGpc = await plain.drive(await plain.open(`${node.url}/account/privacy`), { credentials: { email, password: PASSWORD } });
    assert.equal(withoutGpc.url.pathname, '/account/privacy');
    assert.doesNotMatch(withoutGpc.html, /Global Privacy Control/);

    const saved = await browser.submit(requireForm(withdrawn, isAction('/account/privacy/preferences')), { 'pref.newsletter.sms': 'true', 'pref.offers.email': 'true' });
    assert.equal(saved.url.search, '?done=preferences');
    assert.deepEqual(await subscribed(id), ['newsletter.sms', 'offers.email']);

    const forged = await browser.open(`${node.url}/account/privacy/preferences`, { method: 'POST', body: new URLSearchParams({ 'pref.newsletter.email': 'true' }) });
    assert.equal(forged.status, 403);
    assert.deepEqual(await subscribed(id), ['newsletter.sms', 'offers.email']);
  });

  test('the unsubscribe link: opening it changes nothing, its button turns the topic off, no sign-in needed', async () => {
    const { id } = await customer('unsubscribe');
    const link = unsubscribeLinkOf(key, node.url, tenant, id, 'offers');
    assert.match(link, new RegExp(`^${node.url}/unsubscribe\\?token=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    const browser = createBrowserSession();
    const question = await browser.open(link);
    assert.equal(question.status, 200);
    assert.match(textOf(question.html), /You will no longer get emails about Special offers\./);
    assert.deepEqual(await subscribed(id), ['newsletter.email', 'offers.email']);
    const done = await browser.submit(requireForm(question, isAction('/unsubscribe')));
    assert.equal(done.status, 200);
    assert.match(textOf(done.html), /You are unsubscribed/);
    assert.ok(done.html.includes('href="/account/privacy"'));
    assert.deepEqual(await subscribed(id), ['newsletter.email']);
    const audit = (await node.server.stores.audit.list(tenant.id, { targetId: id, limit: 5 }))[0]!;
    assert.deepEqual([audit.action, audit.actor.type, audit.actor.id], ['preferences.changed', 'customer', id]);
  });

  test('RFC 8058: a mail client’s one-click POST to the List-Unsubscribe address turns every topic off', async () => {
    const { id } = await customer('one-click');
    const link = unsubscribeLinkOf(key, node.url, tenant, id, ALL_TOPICS);
    const headers = listUnsubscribeHeaders(link);
    assert.deepEqual(headers, { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const response = await fetch(headers['List-Unsubscribe'].slice(1, -1), { method: 'POST', body: form });
    assert.equal(response.status, 200);
    assert.deepEqual(await subscribed(id), []);
    // Again: the same answer, nothing left to do.
    const again = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(again.status, 200);
  });

  test('a forged token, and another tenant’s, are refused without changing anything', async () => {
    const { id } = await customer('forged');
    const link = unsubscribeLinkOf(key, node.url, tenant, id, 'offers');
    const mac = link.slice(link.lastIndexOf('.') + 1);
    const forged = `${link.slice(0, link.lastIndexOf('.') + 1)}${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    assert.equal((await fetch(forged, { method: 'POST' })).status, 400);
    const other = await createTenant(node.server, 'other-shop', validateTenantSettings(SETTINGS));
    const foreign = unsubscribeLinkOf(key, node.url, other, id, 'offers').replace('/t/other-shop/', '/');
    assert.equal((await fetch(foreign, { method: 'POST' })).status, 400);
    assert.equal((await fetch(`${node.url}/unsubscribe?token=nonsense`)).status, 400);
    assert.deepEqual(await subscribed(id), ['newsletter.email', 'offers.email']);
    assert.equal(findForm(await createBrowserSession().open(forged), isAction('/unsubscribe')), undefined);
  });

  test('the admin API hands a tenant’s mail system the link and its RFC 8058 headers for a customer and topic', async () => {
    const { id } = await customer('admin-link');
    const writer = await machineToken(node.server, ['consents:write']);
    const ask = (topic: string, token = writer) => fetch(`${node.url}/admin/api/v1/tenants/default/customers/${id}/consents/unsubscribe-link?topic=${encodeURIComponent(topic)}`, { headers: { authorization: `Bearer ${token}` } });
    const answer = await ask('newsletter');
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as { url: string; headers: Record<string, string> };
    assert.equal(body.url, unsubscribeLinkOf(key, node.url, tenant, id, 'newsletter'));
    assert.deepEqual(body.headers, listUnsubscribeHeaders(body.url));
    assert.equal((await fetch(body.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status, 200);
    assert.deepEqual(await subscribed(id), ['offers.email']);
    assert.equal((await ask('weather')).status, 400);
    assert.equal((await ask('*')).status, 200);
    assert.equal((await ask('newsletter', await machineToken(node.server, ['consents:read']))).status, 403);
  });
});
