// The purposes, consent ledger and preference stores on both engines: purposes by id with their
// JSON texts, a taken id, texts kept once per hash; the ledger's latest record per purpose wins
// (among purposes that still exist), the required purposes not granted at their current version
// (the sign-in probe), a purpose's records paged in order, erasure forgetting address and agent;
// preferences set and replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createStores } from '../../src/storage/stores.ts';
import type { Purpose } from '../../src/domain/privacy/purpose.ts';
import type { ConsentRecord } from '../../src/domain/privacy/consent-record.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

let counter = 0;
async function customer(database: TestDatabase): Promise<{ tenantId: string; identityId: string }> {
  const stores = createStores(database.handle.db);
  const now = Date.now();
  const tenant = await stores.tenants.create({ id: uuidv7(now), slug: `privacy-${process.pid}-${++counter}`, name: 'T', now });
  const identity = await stores.identities.create({ id: uuidv7(now), tenantId: tenant.id, traits: { email: `p${counter}@example.com` }, addresses: [], credentials: [], now });
  return { tenantId: tenant.id, identityId: identity.id };
}

function purpose(tenantId: string, id: string, fields: Partial<Purpose> = {}): Purpose {
  return { tenantId, id, version: 1, kind: 'optional', legalBasis: 'consent', saleOrSharing: false, texts: { en: { name: id, description: `About ${id}.` } }, createdAt: 1_000, updatedAt: 1_000, ...fields };
}

let at = 10_000;
function record(tenantId: string, identityId: string, purposeId: string, version: number, action: 'granted' | 'withdrawn'): ConsentRecord {
  at += 1;
  return { id: uuidv7(at), tenantId, identityId, purposeId, version, textHash: 'a'.repeat(64), locale: 'en', action, occurredAt: at, clientId: 'shop', ip: '198.51.100.7', userAgent: 'UA', method: 'account_api', gpc: true };
}

describeEachEngine('privacy stores', (current) => {
  const stores = () => createStores(current().handle.db);

  test('purposes: create, find, list by id, update, delete; a taken id is a conflict; texts kept once per hash', async () => {
    const { tenantId } = await customer(current());
    const terms = purpose(tenantId, 'terms', { kind: 'required', legalBasis: 'contract', saleOrSharing: true, texts: { en: { name: 'Terms', description: 'T' }, ja: { name: '規約', description: '本文' } } });
    await stores().purposes.create(terms);
    await stores().purposes.create(purpose(tenantId, 'analytics'));
    assert.deepEqual(await stores().purposes.find(tenantId, 'terms'), terms);
    await assert.rejects(stores().purposes.create(terms), { code: 'purpose.id_taken' });
    assert.deepEqual((await stores().purposes.list(tenantId)).map((p) => p.id), ['analytics', 'terms']);
    assert.equal(await stores().purposes.update({ ...terms, version: 2, updatedAt: 2_000 }), true);
    assert.equal((await stores().purposes.find(tenantId, 'terms'))?.version, 2);
    const text = { hash: 'h1', purposeId: 'terms', version: 1, locale: 'en', text: 'Terms\n\nT' };
    await stores().purposes.keepTexts(tenantId, [text], 1);
    await stores().purposes.keepTexts(tenantId, [{ ...text, version: 2 }, { ...text, hash: 'h2' }], 2);
    const kept = await current().handle.db.selectFrom('consent_texts').select(['hash', 'version']).where('tenant_id', '=', tenantId).orderBy('hash').execute();
    assert.deepEqual(kept.map((row) => [row.hash, Number(row.version)]), [['h1', 1], ['h2', 1]]);
    assert.equal(await stores().purposes.delete(tenantId, 'analytics'), true);
    assert.equal(await stores().purposes.delete(tenantId, 'analytics'), false);
  });

  test('ledger: the latest record per purpose wins, deleted purposes drop out, the sign-in probe finds required purposes not granted at their version', async () => {
    const { tenantId, identityId } = await customer(current());
    const other = await customer(current());
    await stores().purposes.create(purpose(tenantId, 'terms', { kind: 'required', version: 2 }));
    await stores().purposes.create(purpose(tenantId, 'privacy', { kind: 'required' }));
    await stores().purposes.create(purpose(tenantId, 'marketing'));
    await stores().purposes.create(purpose(tenantId, 'gone'));
    await stores().consentLedger.append([
      record(tenantId, identityId, 'terms', 1, 'granted'),
      record(tenantId, identityId, 'privacy', 1, 'granted'),
      record(tenantId, identityId, 'marketing', 1, 'granted'),
      record(tenantId, identityId, 'gone', 1, 'granted'),
    ]);
    await stores().consentLedger.append([record(tenantId, identityId, 'marketing', 1, 'withdrawn')]);
    await stores().purposes.delete(tenantId, 'gone');
    const granted = await stores().consentLedger.granted(tenantId, identityId);
    assert.deepEqual(granted.map((grant) => [grant.purposeId, grant.version]).sort(), [['privacy', 1], ['terms', 1]]);
    assert.deepEqual((await stores().consentLedger.requiredNotGranted(tenantId, identityId)).map((p) => [p.id, p.version]), [['terms', 2]]);
    await stores().consentLedger.append([record(tenantId, identityId, 'terms', 2, 'granted')]);
    assert.deepEqual(await stores().consentLedger.requiredNotGranted(tenantId, identityId), []);
    // Another tenant's customer has none of these purposes.
    assert.deepEqual(await stores().consentLedger.granted(other.tenantId, identityId), []);
    const history = await stores().consentLedger.listForIdentity(tenantId, identityId);
    assert.equal(history.length, 6);
    assert.deepEqual([history[0]?.purposeId, history[0]?.action, history[0]?.gpc, history[0]?.ip, history[0]?.method], ['terms', 'granted', true, '198.51.100.7', 'account_api']);
  });

  test('ledger: a purpose’s records page in order; erasure forgets the address and agent only', async () => {
    const { tenantId, identityId } = await customer(current());
    await stores().purposes.create(purpose(tenantId, 'news'));
    const written = Array.from({ length: 5 }, (_, index) => record(tenantId, identityId, 'news', 1, index % 2 === 0 ? 'granted' : 'withdrawn'));
    await stores().consentLedger.append(written);
    const first = await stores().consentLedger.pageForPurpose(tenantId, 'news', undefined, 3);
    assert.deepEqual(first.records.map((r) => r.id), written.slice(0, 3).map((r) => r.id));
    const second = await stores().consentLedger.pageForPurpose(tenantId, 'news', first.next, 3);
    assert.deepEqual(second.records.map((r) => r.id), written.slice(3).map((r) => r.id));
    assert.equal(second.next, undefined);
    assert.equal(await stores().consentLedger.forgetPersonalData(tenantId, identityId), 5);
    const after = await stores().consentLedger.listForIdentity(tenantId, identityId);
    assert.deepEqual(after.map((r) => [r.ip, r.userAgent, r.textHash, r.clientId]), written.map((r) => [null, null, r.textHash, r.clientId]));
  });

  test('preferences: set, replaced, listed per customer', async () => {
    const { tenantId, identityId } = await customer(current());
    await stores().preferences.set(tenantId, identityId, [{ topic: 'news', channel: 'email', subscribed: true }, { topic: 'news', channel: 'sms', subscribed: true }], 1);
    await stores().preferences.set(tenantId, identityId, [{ topic: 'news', channel: 'sms', subscribed: false }], 2);
    const listed = (await stores().preferences.list(tenantId, identityId)).sort((a, b) => a.channel.localeCompare(b.channel));
    assert.deepEqual(listed, [{ topic: 'news', channel: 'email', subscribed: true }, { topic: 'news', channel: 'sms', subscribed: false }]);
  });
});
