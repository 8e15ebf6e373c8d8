// The admin API's streamed customer import and export through HTTP on each engine: JSON Lines and
// CSV bodies, the answer's rejected lines, committed batches and summary; a dry run writes
// nothing; an imported bcrypt hash signs in and is rehashed; a body that is not a stream is a 400;
// the export streams what the import reads, audited, masked for a masked principal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken, staffToken } from '../helpers/admin.ts';
import type { Tenant } from '../../src/domain/tenants/tenant.ts';
import { createPurpose } from '../../src/domain/privacy/purposes.service.ts';
import { SYSTEM_ACTOR } from '../helpers/oidc-clients.ts';

type Answer = { line?: number; status?: string; errors?: { field: string }[]; committed?: { line: number; created: number }; summary?: { lines: number; created: number; updated: number; rejected: number; skipped: number; dry_run: boolean } };

describeEachEngine('admin API: streamed customer import and export', (current) => {
  let node: ListeningServer;
  let token: string;
  let shop: Tenant;

  before(async () => {
    node = await startListeningServer(current().engine);
    shop = await createTenant(node.server, 'shop');
    token = await machineToken(node.server, ['customers:read', 'customers:write']);
  });
  after(() => node.stop());

  const importBody = (payload: string, type: string, query = '') =>
    node.server.app.inject({ method: 'POST', url: `/admin/api/v1/tenants/shop/customers/import${query}`, headers: { authorization: `Bearer ${token}`, 'content-type': type }, payload });
  const answerOf = (body: string) => body.trim().split('\n').map((line) => JSON.parse(line) as Answer);

  test('JSON Lines: rejected lines, committed batches and the summary stream back; a dry run writes nothing; an imported bcrypt hash signs in and is rehashed', async () => {
    const hash = bcrypt.hashSync('api imported password', 8);
    const body = [
      JSON.stringify({ external_id: 'api-1', traits: { email: 'api.one@example.com' }, verified: true, password_hash: hash }),
      '{"traits": ',
      JSON.stringify({ traits: { email: 'api.two@example.com' } }),
    ].join('\n');
    const dry = await importBody(body, 'application/x-ndjson', '?dry_run=true');
    assert.equal(dry.statusCode, 200, dry.body);
    assert.match(String(dry.headers['content-type']), /^application\/x-ndjson/);
    assert.deepEqual(answerOf(dry.body).filter((line) => line.status).map((line) => [line.line, line.status]), [[1, 'would_be_created'], [2, 'rejected'], [3, 'would_be_created']]);
    assert.equal(await node.server.stores.identities.findByExternalId(shop.id, 'api-1'), undefined);

    const real = await importBody(body, 'application/x-ndjson');
    assert.equal(real.statusCode, 200, real.body);
    const answer = answerOf(real.body);
    assert.deepEqual(answer.filter((line) => line.status).map((line) => [line.line, line.status]), [[2, 'rejected']]);
    assert.deepEqual(answer.find((line) => line.committed)?.committed?.line, 3);
    assert.deepEqual(answer.at(-1)?.summary, { lines: 3, created: 2, updated: 0, skipped: 0, rejected: 1, weakHashes: 0, dry_run: false });
    const customer = (await node.server.stores.identities.findByExternalId(shop.id, 'api-1'))!;
    const post = (url: string, payload?: object) => node.server.app.inject({ method: 'POST', url, payload, remoteAddress: '203.0.113.90' });
    const flow = await post('/t/shop/flows/login');
    assert.equal((await post(`/t/shop/flows/login/${(flow.json() as { id: string }).id}`, { identifier: 'api.one@example.com', password: 'api imported password' })).statusCode, 200);
    const [credential] = await node.server.stores.identities.listCredentials(shop.id, customer.id);
    assert.match(String(credential?.config['hash']), /^\$argon2id\$/);

    const again = await importBody(body, 'application/x-ndjson');
    assert.deepEqual(answerOf(again.body).at(-1)?.summary?.skipped, 2);
    // Over the API an import never replaces a password the customer has.
    const takeover = JSON.stringify({ external_id: 'api-1', traits: { email: 'api.one@example.com' }, password_hash: bcrypt.hashSync('attacker password', 4) });
    // A dry run checks an update with the code that would apply it: the same refusal, nothing written.
    const dryRefused = answerOf((await importBody(takeover, 'application/x-ndjson', '?on_existing=update&dry_run=true')).body);
    assert.deepEqual(dryRefused.filter((line) => line.status).map((line) => [line.status, line.errors?.[0]?.field]), [['rejected', 'password_hash']]);
    const rename = JSON.stringify({ external_id: 'api-1', traits: { email: 'api.one@example.com', name: 'Renamed' } });
    const dryRename = answerOf((await importBody(rename, 'application/x-ndjson', '?on_existing=update&dry_run=true')).body);
    assert.deepEqual(dryRename.filter((line) => line.status).map((line) => line.status), ['would_be_updated']);
    assert.equal((await node.server.stores.identities.findByExternalId(shop.id, 'api-1'))?.traits['name'], undefined);
    assert.equal((await node.server.stores.audit.search(shop.id, { action: 'identity.updated' }, { limit: 5 })).length, 0);
    const refused = answerOf((await importBody(takeover, 'application/x-ndjson', '?on_existing=update')).body);
    assert.equal(refused.find((line) => line.status)?.errors?.[0]?.field, 'password_hash');
    const [kept] = await node.server.stores.identities.listCredentials(shop.id, customer.id);
    assert.equal(kept?.config['hash'], credential?.config['hash']);
  });

  test('consents given by purpose id are recorded in the ledger (method import) for new and updated customers; an unknown purpose rejects the line', async () => {
    await createPurpose({ transaction: node.server.transaction }, shop, { id: 'news', kind: 'optional', legalBasis: 'consent', texts: { en: { name: 'News', description: 'Our letter.' } } }, SYSTEM_ACTOR);
    const shopNow = (await node.server.stores.tenants.findById(shop.id))!;
    shop = shopNow;
    const body = [
      JSON.stringify({ external_id: 'consent-1', traits: { email: 'consent.one@example.com' }, consents: { news: true } }),
      JSON.stringify({ external_id: 'consent-2', traits: { email: 'consent.two@example.com' }, consents: { nope: true } }),
    ].join('\n');
    const answer = answerOf((await importBody(body, 'application/x-ndjson', '?on_existing=update')).body);
    assert.deepEqual(answer.filter((line) => line.status).map((line) => [line.line, line.status, line.errors?.[0]?.field]), [[2, 'rejected', 'consents.nope']]);
    assert.deepEqual([answer.at(-1)?.summary?.created, answer.at(-1)?.summary?.rejected], [1, 1]);
    const one = (await node.server.stores.identities.findByExternalId(shop.id, 'consent-1'))!;
    assert.deepEqual((await node.server.stores.consentLedger.granted(shop.id, one.id)).map((granted) => granted.purposeId), ['news']);
    const records = await node.server.stores.consentLedger.listForIdentity(shop.id, one.id);
    assert.deepEqual(records.map((record) => [record.method, record.action]), [['import', 'granted']]);
    const withdrawn = await importBody(JSON.stringify({ external_id: 'consent-1', consents: { news: false }, traits: { email: 'consent.one@example.com' } }), 'application/x-ndjson', '?on_existing=update');
    assert.equal(answerOf(withdrawn.body).at(-1)?.summary?.updated, 1);
    assert.deepEqual((await node.server.stores.consentLedger.listForIdentity(shop.id, one.id)).map((record) => [record.method, record.action]), [['import', 'granted'], ['import', 'withdrawn']]);
    assert.deepEqual(await node.server.stores.consentLedger.granted(shop.id, one.id), []);
  });

  test('CSV bodies; a body that is not JSON Lines or CSV is a 400 problem', async () => {
    const csv = await importBody('email,name,external_id\napi.csv@example.com,Cee,api-csv-1\n', 'text/csv');
    assert.equal(csv.statusCode, 200, csv.body);
    assert.equal(answerOf(csv.body).at(-1)?.summary?.created, 1);
    assert.equal((await node.server.stores.identities.findByExternalId(shop.id, 'api-csv-1'))?.traits['name'], 'Cee');
    const json = await callAdmin(node.server, token, 'POST', '/tenants/shop/customers/import', { body: { traits: {} } });
    assert.equal(json.statusCode, 400, json.body);
    assert.equal(json.json<{ code: string }>().code, 'request.invalid');
  });

  test('the export streams the customers in the import’s shape, without hashes, audited; a masked principal gets it masked', async () => {
    const exported = await callAdmin(node.server, token, 'GET', '/tenants/shop/customers/export');
    assert.equal(exported.statusCode, 200, exported.body);
    const lines = exported.body.trim().split('\n').map((line) => JSON.parse(line) as { external_id: string | null; password_hash?: string; verified: string[] });
    assert.ok(lines.length >= 3);
    assert.deepEqual(lines.find((line) => line.external_id === 'api-1')?.verified, ['email']);
    assert.ok(lines.every((line) => !('password_hash' in line)));
    const audit = await node.server.stores.audit.search(shop.id, { action: 'customers.exported' }, { limit: 5 });
    assert.deepEqual(audit.map((entry) => entry.details?.['passwordHashes']), [false]);
    const analyst = await staffToken(node, 'analyst');
    const masked = await callAdmin(node.server, analyst.token, 'GET', '/tenants/shop/customers/export');
    assert.equal(masked.statusCode, 200, masked.body);
    const maskedLines = masked.body.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(maskedLines.every((line) => !('traits' in line) && !('external_id' in line)));
    assert.ok(maskedLines.some((line) => line['masked_email'] === 'a•••@example.com' && line['email_verified'] === true));
  });
});
