// Consent purposes and customers' consents over the admin API, through HTTP on both engines:
// create (Location, ETag, Idempotency-Key), refusals naming each field, the tenant's default
// language required, 409 for a taken id, list by cursor, merge patch under If-Match (412 for a
// stale one, a version that may only go up), delete; an operator recording a customer's choices,
// the ledger as proof (hash of the text shown), the events recorded with it, grantedPurposes
// (latest record wins), a required purpose that cannot be withdrawn, and erasure forgetting the
// ledger's IP address and user agent while the proof stays.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { changeConsents, grantedPurposes } from '../../src/domain/privacy/ledger.ts';

const TERMS = {
  id: 'terms',
  kind: 'required',
  legal_basis: 'contract',
  texts: { en: { name: 'Terms of service', description: 'You accept our terms.' }, de: { name: 'Nutzungsbedingungen', description: 'Sie akzeptieren unsere Bedingungen.' } },
};
const MARKETING = { id: 'marketing', kind: 'optional', legal_basis: 'consent', sale_or_sharing: true, texts: { en: { name: 'Marketing', description: 'Offers by email.' } } };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describeEachEngine('admin API: consent purposes and the ledger', (current) => {
  let server: TestServer;
  let writer: string;
  let reader: string;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme');
    await createTenant(server, 'globex', { defaultLocale: 'fr' });
    writer = await machineToken(server, ['consents:read', 'consents:write', 'customers:write', 'customers:erase']);
    reader = await machineToken(server, ['consents:read']);
  });
  after(() => server.stop());

  test('create answers 201 with Location and ETag; a repeat with the same Idempotency-Key gets the same answer; a taken id 409', async () => {
    const headers = { 'idempotency-key': 'create-terms-1' };
    const created = await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: TERMS, headers });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json<Record<string, unknown>>();
    assert.equal(body['version'], 1);
    assert.equal(body['sale_or_sharing'], false);
    assert.match(String(created.headers['location']), /\/admin\/api\/v1\/tenants\/acme\/consent-purposes\/terms$/);
    const again = await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: TERMS, headers });
    assert.equal(again.statusCode, 201);
    assert.deepEqual(again.json(), body);
    const taken = await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: TERMS });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json<{ code: string }>().code, 'purpose.id_taken');
    const read = await callAdmin(server, reader, 'GET', '/tenants/acme/consent-purposes/terms');
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['etag'], created.headers['etag']);
    assert.equal((await callAdmin(server, reader, 'POST', '/tenants/acme/consent-purposes', { body: MARKETING })).statusCode, 403);
  });

  test('refusals name each field; the tenant’s default language must have a text', async () => {
    const bad = await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: { ...MARKETING, id: 'Not A Slug', texts: { de: { name: 'X', description: 'Y' } } } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json<{ errors: { field: string }[] }>().errors.map((problem) => problem.field).sort(), ['id', 'texts.en']);
    // globex speaks French by default: an English-only purpose lacks its fallback text.
    const noFrench = await callAdmin(server, writer, 'POST', '/tenants/globex/consent-purposes', { body: MARKETING });
    assert.equal(noFrench.statusCode, 400);
    assert.equal(noFrench.json<{ errors: { field: string }[] }>().errors[0]?.field, 'texts.fr');
    const badKind = await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: { ...MARKETING, kind: 'maybe', legal_basis: 'whim' } });
    assert.equal(badKind.statusCode, 400);
    const blank = await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: { ...MARKETING, texts: { en: { name: '   ', description: 'x' } } } });
    assert.equal(blank.statusCode, 400);
    assert.equal(blank.json<{ errors: { field: string }[] }>().errors[0]?.field, 'texts.en.name');
  });

  test('lists page by cursor, by id', async () => {
    for (const id of ['p-a', 'p-b', 'p-c']) assert.equal((await callAdmin(server, writer, 'POST', '/tenants/globex/consent-purposes', { body: { ...MARKETING, id, texts: { fr: { name: id, description: 'd' } } } })).statusCode, 201);
    const first = (await callAdmin(server, reader, 'GET', '/tenants/globex/consent-purposes?limit=2')).json<{ items: { id: string }[]; next_cursor: string }>();
    assert.deepEqual(first.items.map((item) => item.id), ['p-a', 'p-b']);
    const second = (await callAdmin(server, reader, 'GET', `/tenants/globex/consent-purposes?limit=2&cursor=${first.next_cursor}`)).json<{ items: { id: string }[]; next_cursor: string | null }>();
    assert.deepEqual(second.items.map((item) => item.id), ['p-c']);
    assert.equal(second.next_cursor, null);
  });

  test('update is a merge patch under If-Match: 412 for a stale ETag, the version only goes up, a language removed with null', async () => {
    await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: { ...MARKETING, id: 'news' } });
    const path = '/tenants/acme/consent-purposes/news';
    const etag = String((await callAdmin(server, reader, 'GET', path)).headers['etag']);
    const patch = (body: unknown, ifMatch?: string) => callAdmin(server, writer, 'PATCH', path, { body, headers: { 'content-type': 'application/merge-patch+json', ...(ifMatch ? { 'if-match': ifMatch } : {}) } });
    const bumped = await patch({ version: 2, texts: { de: { name: 'Neuigkeiten', description: 'Per E-Mail.' } } }, etag);
    assert.equal(bumped.statusCode, 200, bumped.body);
    assert.equal(bumped.json<{ version: number }>().version, 2);
    assert.deepEqual(Object.keys(bumped.json<{ texts: object }>().texts).sort(), ['de', 'en']);
    const stale = await patch({ kind: 'required' }, etag);
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.json<{ code: string }>().code, 'request.precondition_failed');
    const lowered = await patch({ version: 1 }, String(bumped.headers['etag']));
    assert.equal(lowered.statusCode, 400);
    assert.equal(lowered.json<{ errors: { field: string; code: string }[] }>().errors[0]?.code, 'purpose.version_lowered');
    const dropped = await patch({ texts: { de: null } });
    assert.deepEqual(Object.keys(dropped.json<{ texts: object }>().texts), ['en']);
    const noDefault = await patch({ texts: { en: null } });
    assert.equal(noDefault.statusCode, 400);
    const gone = await callAdmin(server, writer, 'DELETE', path, { headers: { 'if-match': etag } });
    assert.equal(gone.statusCode, 412);
    assert.equal((await callAdmin(server, writer, 'DELETE', path, { headers: { 'if-match': String(dropped.headers['etag']) } })).statusCode, 204);
    assert.equal((await callAdmin(server, reader, 'GET', path)).statusCode, 404);
  });

  test('an operator records a customer’s choices: the ledger proves the text shown, events follow, latest record wins, required cannot be withdrawn', async () => {
    await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: MARKETING });
    const customer = (await callAdmin(server, writer, 'POST', '/tenants/acme/customers', { body: { traits: { email: uniqueEmail('ledger') } } })).json<{ id: string }>();
    const path = `/tenants/acme/customers/${customer.id}/consents`;
    const recorded = await callAdmin(server, writer, 'POST', path, { body: { choices: [{ purpose: 'terms', granted: true }, { purpose: 'marketing', granted: true }], locale: 'de' }, headers: { 'user-agent': 'ledger-test' } });
    assert.equal(recorded.statusCode, 200, recorded.body);
    const view = recorded.json<{ purposes: { purpose: string; granted: boolean; granted_version: number | null }[]; records: Record<string, unknown>[] }>();
    assert.deepEqual(view.purposes.filter((p) => p.granted).map((p) => p.purpose).sort(), ['marketing', 'terms']);
    const terms = view.records.find((record) => record['purpose'] === 'terms')!;
    assert.equal(terms['locale'], 'de');
    assert.equal(terms['text_hash'], sha256('Nutzungsbedingungen\n\nSie akzeptieren unsere Bedingungen.'));
    assert.equal(terms['method'], 'admin');
    // Marketing has no German text: the English one was shown, and the record says so.
    const marketing = view.records.find((record) => record['purpose'] === 'marketing')!;
    assert.equal(marketing['locale'], 'en');
    assert.equal(marketing['text_hash'], sha256('Marketing\n\nOffers by email.'));
    // Granting again what is granted writes nothing.
    const repeat = await callAdmin(server, writer, 'POST', path, { body: { choices: [{ purpose: 'marketing', granted: true }] } });
    assert.equal(repeat.json<{ records: unknown[] }>().records.length, 2);
    const withdrawn = await callAdmin(server, writer, 'POST', path, { body: { choices: [{ purpose: 'marketing', granted: false }], method: 'import' } });
    assert.equal(withdrawn.json<{ records: unknown[] }>().records.length, 3);
    const tenant = (await server.stores.tenants.findBySlug('acme'))!;
    assert.deepEqual((await grantedPurposes(server.stores, tenant.id, customer.id)).map((grant) => [grant.purposeId, grant.version]), [['terms', 1]]);
    const refused = await callAdmin(server, writer, 'POST', path, { body: { choices: [{ purpose: 'terms', granted: false }] } });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json<{ code: string }>().code, 'consent.required_purpose');
    const unknown = await callAdmin(server, writer, 'POST', path, { body: { choices: [{ purpose: 'nope', granted: true }] } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json<{ code: string }>().code, 'purpose.not_found');
    const { db } = server.database;
    const events = await db.selectFrom('outbox_events').select(['type', 'payload', 'aggregate_type']).where('aggregate_id', '=', customer.id).where('type', 'like', 'purpose_consent.%').orderBy('id').execute();
    assert.deepEqual(events.map((event) => [event.type, event.aggregate_type, JSON.parse(event.payload)]), [
      ['purpose_consent.granted', 'identity', { purposeId: 'terms', version: 1 }],
      ['purpose_consent.granted', 'identity', { purposeId: 'marketing', version: 1 }],
      ['purpose_consent.withdrawn', 'identity', { purposeId: 'marketing', version: 1 }],
    ]);
    const read = await callAdmin(server, reader, 'GET', path);
    assert.equal(read.statusCode, 200);
    assert.equal(read.json<{ records: unknown[] }>().records.length, 3);
    assert.equal((await callAdmin(server, reader, 'GET', '/tenants/acme/customers/nobody/consents')).statusCode, 404);
    assert.equal((await callAdmin(server, reader, 'GET', `/tenants/globex/customers/${customer.id}/consents`)).statusCode, 404);
  });

  test('erasing the customer keeps the ledger’s proof but forgets the IP address and user agent', async () => {
    const customer = (await callAdmin(server, writer, 'POST', '/tenants/acme/customers', { body: { traits: { email: uniqueEmail('erased') } } })).json<{ id: string }>();
    const tenant = (await server.stores.tenants.findBySlug('acme'))!;
    await changeConsents(server, tenant, customer.id, [{ purposeId: 'terms', granted: true }], { locale: 'en', context: { ip: '203.0.113.9', userAgent: 'erase-test', method: 'account_api', gpc: false } });
    const { db } = server.database;
    const before = await db.selectFrom('consent_records').selectAll().where('identity_id', '=', customer.id).execute();
    assert.equal(before[0]?.user_agent, 'erase-test');
    assert.equal(before[0]?.ip, '203.0.113.9');
    assert.equal((await callAdmin(server, writer, 'DELETE', `/tenants/acme/customers/${customer.id}`)).statusCode, 204);
    const afterwards = await db.selectFrom('consent_records').selectAll().where('identity_id', '=', customer.id).execute();
    assert.equal(afterwards.length, 1);
    assert.equal(afterwards[0]?.ip, null);
    assert.equal(afterwards[0]?.user_agent, null);
    assert.equal(afterwards[0]?.text_hash, before[0]?.text_hash);
  });
});
