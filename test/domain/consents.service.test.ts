// Consent decided and recorded in one module, on each engine through the real stores: what a
// resumed authorization's grant may hold (first-party applications get what they ask; third-party
// ones what the customer consented to), and what the consent screen's "Allow" records (the grant
// gains exactly what was asked, the standing consent widens, audited and announced together).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { giveConsent, standingGrant } from '../../src/domain/consents/consents.service.ts';
import type { GrantDecision } from '../../src/domain/consents/consents.service.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const API = 'https://api.example.test';
const CONTEXT = { ip: '203.0.113.9', userAgent: 'test-agent', requestId: 'req-consent' };

describeEachEngine('consents service', (current) => {
  let counter = 0;
  async function customer() {
    const stores = createStores(current().handle.db);
    const now = Date.now();
    const tenant = await stores.tenants.create({ id: uuidv7(now), slug: `consents-${process.pid}-${++counter}`, name: 'T', now });
    const identity = await stores.identities.create({ id: uuidv7(now), tenantId: tenant.id, traits: { email: `c${counter}@example.com` }, addresses: [], credentials: [], now });
    return { stores, tenantId: tenant.id, identityId: identity.id };
  }

  test('a first-party application gets what it asks, without a consent record; a third-party one nothing until the customer consents', async () => {
    const { stores, tenantId, identityId } = await customer();
    const ask = { tenantId, identityId, applicationId: 'shop', scopes: ['openid', 'email'], resourceScopes: [[API, ['orders:read']], ['https://empty.example.test', []]] as const };
    assert.deepEqual(await standingGrant(stores.consents, { ...ask, firstParty: true }), { scopes: ['openid', 'email'], resourceScopes: [[API, ['orders:read']]] });
    assert.equal(await standingGrant(stores.consents, { ...ask, firstParty: false }), undefined);
  });

  test('"Allow" gives the grant exactly what was asked, then widens, audits and announces the consent; a resumed authorization gets only what was consented', async () => {
    const { stores, tenantId, identityId } = await customer();
    const transaction = createTransaction(current().handle.db);
    const decisions: GrantDecision[] = [];
    const grant = async (decision: GrantDecision) => {
      decisions.push(decision);
      return `grant-${decisions.length}`;
    };
    const asked = { scopes: ['openid', 'email'], claims: ['email_verified'], resourceScopes: { [API]: ['orders:read'] } };
    assert.equal(await giveConsent(transaction, { tenantId, identityId, applicationId: 'shop', asked, context: CONTEXT }, grant), 'grant-1');
    assert.deepEqual(decisions, [{ scopes: ['openid', 'email'], claims: ['email_verified'], resourceScopes: [[API, ['orders:read']]] }]);
    // Later, only a new scope is asked: the grant gains just that, the record keeps the old ones.
    await giveConsent(transaction, { tenantId, identityId, applicationId: 'shop', asked: { scopes: ['profile'] }, context: CONTEXT }, grant);
    assert.deepEqual(decisions[1], { scopes: ['profile'], claims: undefined, resourceScopes: [] });
    const consent = await stores.consents.find(tenantId, identityId, 'shop');
    assert.deepEqual([consent?.scopes, consent?.resourceScopes], [['email', 'openid', 'profile'], { [API]: ['orders:read'] }]);

    const audited = await stores.audit.list(tenantId, { limit: 10 });
    assert.deepEqual(audited.map((entry) => [entry.action, entry.actor.id, entry.target?.id, entry.details?.['scopes'], entry.context?.requestId]), [
      ['consent.granted', identityId, 'shop', ['profile'], 'req-consent'],
      ['consent.granted', identityId, 'shop', ['openid', 'email'], 'req-consent'],
    ]);
    const { rows } = await sql<{ type: string; aggregate_id: string; payload: unknown }>`select type, aggregate_id, payload from outbox_events where tenant_id = ${tenantId} order by id`.execute(current().handle.db);
    const payloads = rows.map((row) => [row.type, row.aggregate_id, typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload]);
    assert.deepEqual(payloads, [
      ['consent.granted', identityId, { applicationId: 'shop', scopes: ['email', 'openid'], resourceScopes: { [API]: ['orders:read'] } }],
      ['consent.granted', identityId, { applicationId: 'shop', scopes: ['email', 'openid', 'profile'], resourceScopes: { [API]: ['orders:read'] } }],
    ]);

    // The grant is gone (a sign-out): the standing consent makes the new one, never more than asked or consented.
    const resumed = await standingGrant(stores.consents, { tenantId, identityId, applicationId: 'shop', firstParty: false, scopes: ['openid', 'email', 'phone'], resourceScopes: [[API, ['orders:read', 'orders:write']]] });
    assert.deepEqual(resumed, { scopes: ['openid', 'email'], resourceScopes: [[API, ['orders:read']]] });
    assert.equal(await standingGrant(stores.consents, { tenantId, identityId, applicationId: 'shop', firstParty: false, scopes: ['phone'], resourceScopes: [] }), undefined, 'nothing consented: the screen asks');
  });
});
