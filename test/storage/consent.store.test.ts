import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createStores } from '../../src/storage/stores.ts';
import { widenConsent } from '../../src/domain/consents/consent.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

let counter = 0;
async function customer(database: TestDatabase): Promise<{ tenantId: string; identityId: string }> {
  const stores = createStores(database.handle.db);
  const now = Date.now();
  const tenant = await stores.tenants.create({ id: uuidv7(now), slug: `consent-${process.pid}-${++counter}`, name: 'T', now });
  const identity = await stores.identities.create({ id: uuidv7(now), tenantId: tenant.id, traits: { email: `c${counter}@example.com` }, addresses: [], credentials: [], now });
  return { tenantId: tenant.id, identityId: identity.id };
}

test('consent only widens, and keeps when it was first given', () => {
  const base = { tenantId: 't', identityId: 'i', applicationId: 'a' };
  const first = widenConsent(undefined, { scopes: ['openid', 'email'], resourceScopes: { 'https://api': ['read'] } }, base, 100);
  const second = widenConsent(first, { scopes: ['profile', 'email'], resourceScopes: { 'https://api': ['write'], 'https://other': ['x'] } }, base, 200);
  assert.deepEqual(second.scopes, ['email', 'openid', 'profile']);
  assert.deepEqual(second.resourceScopes, { 'https://api': ['read', 'write'], 'https://other': ['x'] });
  assert.equal(second.grantedAt, 100);
  assert.equal(second.updatedAt, 200);
});

describeEachEngine('ConsentStore', (current) => {
  const stores = () => createStores(current().handle.db);

  test('saves, finds, replaces and deletes a consent', async () => {
    const { tenantId, identityId } = await customer(current());
    const consent = { tenantId, identityId, applicationId: 'shop', scopes: ['openid', 'email'], resourceScopes: { 'https://api.example': ['orders:read'] }, grantedAt: 1_000, updatedAt: 1_000 };
    await stores().consents.save(consent);
    assert.deepEqual(await stores().consents.find(tenantId, identityId, 'shop'), consent);
    await stores().consents.save({ ...consent, scopes: ['openid', 'email', 'profile'], updatedAt: 2_000 });
    const replaced = await stores().consents.find(tenantId, identityId, 'shop');
    assert.deepEqual(replaced?.scopes, ['openid', 'email', 'profile']);
    assert.equal(replaced?.grantedAt, 1_000, 'first granted stays');
    assert.equal(await stores().consents.delete(tenantId, identityId, 'shop'), true);
    assert.equal(await stores().consents.find(tenantId, identityId, 'shop'), undefined);
    assert.equal(await stores().consents.delete(tenantId, identityId, 'shop'), false);
  });

  test('lists a customer\'s consents, most recent first, never another customer\'s or tenant\'s', async () => {
    const a = await customer(current());
    const b = await customer(current());
    const consent = (who: typeof a, applicationId: string, at: number) => ({ ...who, applicationId, scopes: ['openid'], resourceScopes: {}, grantedAt: at, updatedAt: at });
    await stores().consents.save(consent(a, 'old-app', 1));
    await stores().consents.save(consent(a, 'new-app', 2));
    await stores().consents.save(consent(b, 'old-app', 3));
    assert.deepEqual((await stores().consents.listForIdentity(a.tenantId, a.identityId)).map((c) => c.applicationId), ['new-app', 'old-app']);
    assert.equal(await stores().consents.find(b.tenantId, a.identityId, 'old-app'), undefined);
  });

  test('deleting the customer deletes their consents', async () => {
    const who = await customer(current());
    await stores().consents.save({ ...who, applicationId: 'shop', scopes: ['openid'], resourceScopes: {}, grantedAt: 1, updatedAt: 1 });
    await stores().identities.delete(who.tenantId, who.identityId);
    assert.deepEqual(await stores().consents.listForIdentity(who.tenantId, who.identityId), []);
  });
});
