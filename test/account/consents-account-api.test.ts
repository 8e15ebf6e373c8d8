// The customer's consents and communication preferences through the Account API, with an access
// token from a real authorization code flow, on both engines: every purpose listed with where the
// customer stands, granting and withdrawing an optional purpose by the same call (each a ledger
// record naming the application, the address, the user agent and Sec-GPC), a required purpose
// that cannot be withdrawn, preferences per topic and channel with `preferences.changed`, and the
// data download carrying the ledger.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createBrowserSession } from '../helpers/browser-session.ts';
import { authorizationCodeFlow, PASSWORD, registerApplication, relyingParty, SYSTEM_ACTOR, uniqueEmail } from '../helpers/oidc-clients.ts';
import type { RegisteredApplication } from '../helpers/oidc-clients.ts';
import { validateTenantSettings } from '../../src/domain/tenants/tenant-settings.ts';
import { createPurpose } from '../../src/domain/privacy/purposes.service.ts';

const CALLBACK = 'https://web.example.test/callback';

describeEachEngine('account API: consents and communication preferences', (current) => {
  let node: ListeningServer;
  let web: RegisteredApplication;
  let token: string;
  let sub: string;

  before(async () => {
    node = await startListeningServer(current().engine);
    const tenant = node.server.defaultTenant;
    await node.server.stores.tenants.updateSettings(tenant.id, validateTenantSettings({ communication: { topics: [{ id: 'newsletter', names: { en: 'Newsletter', de: 'Newsletter' } }, { id: 'offers' }] } }), Date.now());
    web = await registerApplication(node.server, tenant.id, { name: 'Web', kind: 'web', firstParty: true, redirectUris: [CALLBACK] });
    const rp = await relyingParty(node.url, web);
    const browser = createBrowserSession({ mailbox: node.server.mailbox });
    const { tokens, claims } = await authorizationCodeFlow(rp, { redirectUri: CALLBACK, scope: 'openid email account' }, (url) => browser.signUpAndAuthorize(url, { email: uniqueEmail('consents'), password: PASSWORD }));
    token = tokens.access_token;
    sub = claims.sub;
    // Purposes come after the sign-up here: this file is about the account, not the sign-up step.
    const fresh = (await node.server.stores.tenants.findById(tenant.id))!;
    await createPurpose({ transaction: node.server.transaction }, fresh, { id: 'terms', kind: 'required', legalBasis: 'contract', texts: { en: { name: 'Terms', description: 'Our terms.' } } }, SYSTEM_ACTOR);
    await createPurpose({ transaction: node.server.transaction }, fresh, { id: 'marketing', kind: 'optional', legalBasis: 'consent', saleOrSharing: true, texts: { en: { name: 'Marketing', description: 'Offers.' } } }, SYSTEM_ACTOR);
  });
  after(() => node?.stop());

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${node.url}/api/account${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
  type Purposes = { purposes: { id: string; granted: boolean; granted_version: number | null; name: string; kind: string }[] };

  test('consents: listed unticked, granted and withdrawn by the same call, each a ledger record with its proof', async () => {
    const listed = await api('GET', '/consents');
    assert.equal(listed.status, 200);
    assert.deepEqual((listed.body as Purposes).purposes.map((p) => [p.id, p.kind, p.granted, p.name]), [['marketing', 'optional', false, 'Marketing'], ['terms', 'required', false, 'Terms']]);
    const granted = await api('PATCH', '/consents', { marketing: true, terms: true }, { 'sec-gpc': '1', 'user-agent': 'account-test' });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.deepEqual((granted.body as Purposes).purposes.map((p) => [p.id, p.granted, p.granted_version]), [['marketing', true, 1], ['terms', true, 1]]);
    const withdrawn = await api('PATCH', '/consents', { marketing: false });
    assert.deepEqual((withdrawn.body as Purposes).purposes.map((p) => [p.id, p.granted]), [['marketing', false], ['terms', true]]);
    const refused = await api('PATCH', '/consents', { terms: false });
    assert.equal(refused.status, 400);
    assert.equal(refused.body['code'], 'consent.required_purpose');
    assert.equal((await api('PATCH', '/consents', { nope: true })).status, 404);
    assert.equal((await api('PATCH', '/consents', { marketing: 'yes' })).status, 400);
    const rows = await node.server.database.db.selectFrom('consent_records').selectAll().where('identity_id', '=', sub).orderBy('id').execute();
    assert.deepEqual(rows.map((row) => [row.purpose_id, row.action, row.method, Number(row.gpc), row.client_id]), [
      ['marketing', 'granted', 'account_api', 1, web.application.id],
      ['terms', 'granted', 'account_api', 1, web.application.id],
      ['marketing', 'withdrawn', 'account_api', 0, web.application.id],
    ]);
    assert.equal(rows[0]?.user_agent, 'account-test');
    assert.ok(rows[0]?.ip);
  });

  test('preferences: every topic × channel, off until turned on; a change records preferences.changed with the names only', async () => {
    const listed = await api('GET', '/preferences');
    assert.deepEqual(listed.body, {
      topics: [
        { id: 'newsletter', name: 'Newsletter', channels: { email: false, sms: false, push: false } },
        { id: 'offers', name: 'offers', channels: { email: false, sms: false, push: false } },
      ],
    });
    const changed = await api('PATCH', '/preferences', { 'newsletter.email': true, 'offers.sms': false });
    assert.equal(changed.status, 200);
    assert.deepEqual((changed.body as { topics: { channels: object }[] }).topics[0]?.channels, { email: true, sms: false, push: false });
    const unknown = await api('PATCH', '/preferences', { 'newsletter.fax': true, 'gossip.email': true });
    assert.equal(unknown.status, 400);
    assert.deepEqual((unknown.body['errors'] as { field: string }[]).map((problem) => problem.field).sort(), ['gossip.email', 'newsletter.fax']);
    const events = await node.server.database.db.selectFrom('outbox_events').select(['payload']).where('aggregate_id', '=', sub).where('type', '=', 'preferences.changed').execute();
    assert.deepEqual(events.map((event) => JSON.parse(event.payload)), [{ changed: ['newsletter.email'] }]);
  });

  test('the data download carries the consent ledger and the preferences', async () => {
    const exported = await api('GET', '/export');
    assert.equal(exported.status, 200);
    const consents = exported.body['consents'] as { purposeId: string; action: string; textHash: string; at: string }[];
    assert.deepEqual(consents.map((record) => [record.purposeId, record.action]), [['marketing', 'granted'], ['terms', 'granted'], ['marketing', 'withdrawn']]);
    assert.match(consents[0]!.textHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(exported.body['communicationPreferences'], [
      { topic: 'newsletter', channels: { email: true, sms: false, push: false } },
      { topic: 'offers', channels: { email: false, sms: false, push: false } },
    ]);
  });
});
