// The tenant directory (http/tenancy) finds a request's tenant by slug: a tenant found is read from
// the database once per TENANT_CACHE_MS, a slug nobody has is asked again each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores } from '../../src/storage/stores.ts';
import { createTenantDirectory, TENANT_CACHE_MS } from '../../src/http/tenancy/tenant-directory.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

describeEachEngine('tenant directory', (current) => {
  test('a tenant found is remembered for TENANT_CACHE_MS: a change is seen after that, not before', async () => {
    const stores = createStores(current().handle.db);
    let clock = Date.now();
    const reads: string[] = [];
    const tenants = createTenantDirectory({ tenants: { findBySlug: (slug) => (reads.push(slug), stores.tenants.findBySlug(slug)) }, now: () => clock });
    const created = await stores.tenants.create({ id: uuidv7(clock), slug: 'remembered', name: 'Remembered', now: clock });
    assert.equal(tenants.cached('remembered'), undefined, 'nothing is remembered before the first lookup');

    assert.equal((await tenants.bySlug('remembered'))?.id, created.id);
    assert.equal((await tenants.bySlug('remembered'))?.id, created.id);
    assert.equal(tenants.cached('remembered')?.id, created.id);
    assert.deepEqual(reads, ['remembered'], 'one database read for both lookups');

    await stores.tenants.updateSettings(created.id, { defaultLocale: 'de' }, clock + 1);
    clock += TENANT_CACHE_MS - 1;
    assert.deepEqual((await tenants.bySlug('remembered'))?.settings, {}, 'not seen yet');
    clock += 1;
    assert.equal(tenants.cached('remembered'), undefined, 'stale');
    assert.deepEqual((await tenants.bySlug('remembered'))?.settings, { defaultLocale: 'de' });
    assert.deepEqual(reads, ['remembered', 'remembered']);
  });

  test('a forgotten slug is read again at once: a change made on this node is seen without waiting', async () => {
    const stores = createStores(current().handle.db);
    const reads: string[] = [];
    const tenants = createTenantDirectory({ tenants: { findBySlug: (slug) => (reads.push(slug), stores.tenants.findBySlug(slug)) } });
    const created = await stores.tenants.create({ id: uuidv7(Date.now()), slug: 'forgotten', name: 'Forgotten', now: Date.now() });
    await tenants.bySlug('forgotten');
    await stores.tenants.updateSettings(created.id, { defaultLocale: 'fr' }, Date.now() + 1);
    tenants.forget('forgotten');
    assert.equal(tenants.cached('forgotten'), undefined);
    assert.deepEqual((await tenants.bySlug('forgotten'))?.settings, { defaultLocale: 'fr' });
    assert.deepEqual(reads, ['forgotten', 'forgotten']);
  });

  test('a slug nobody has is not remembered: a tenant created after a miss is found at once', async () => {
    const stores = createStores(current().handle.db);
    const reads: string[] = [];
    const tenants = createTenantDirectory({ tenants: { findBySlug: (slug) => (reads.push(slug), stores.tenants.findBySlug(slug)) } });
    assert.equal(await tenants.bySlug('later'), undefined);
    assert.equal(tenants.cached('later'), undefined);
    await stores.tenants.create({ id: uuidv7(Date.now()), slug: 'later', name: 'Later', now: Date.now() });
    assert.equal((await tenants.bySlug('later'))?.slug, 'later');
    assert.deepEqual(reads, ['later', 'later']);
  });
});
