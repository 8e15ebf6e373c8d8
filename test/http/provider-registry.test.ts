// The per-tenant provider follows its tenant: a settings change (such as the APIs behind resource
// indicators) reaches it once the tenant directory's cache (http/tenancy) has seen the change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { describeEachEngine } from '../helpers/engines.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { createProviderRegistry } from '../../src/http/oidc/provider-registry.ts';
import { createTenantDirectory } from '../../src/http/tenancy/tenant-directory.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

describeEachEngine('provider registry', (current) => {
  test("rebuilds a tenant's provider once a settings change is seen, and not before", async () => {
    const { db } = current().handle;
    const stores = createStores(db);
    let clock = Date.now();
    const registry = createProviderRegistry({
      stores,
      transaction: createTransaction(db),
      secretBox: createSecretBox(TEST_MASTER_SECRET),
      publicUrl: 'http://localhost:3000',
      masterSecret: TEST_MASTER_SECRET,
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });
    // As a request finds them: the tenant from the directory, then its provider.
    const tenants = createTenantDirectory({ tenants: stores.tenants, now: () => clock });
    const forSlug = async (slug: string) => {
      const tenant = (await tenants.bySlug(slug))!;
      return { tenant, provider: await registry.providerOf(tenant) };
    };
    const tenant = await stores.tenants.create({ id: uuidv7(clock), slug: 'follows', name: 'Follows', now: clock });
    const first = (await forSlug('follows'))!.provider;
    assert.equal((await forSlug('follows'))!.provider, first, 'cached');

    await stores.tenants.updateSettings(tenant.id, { apis: [{ identifier: 'https://api.example.test', scopes: ['read'] }] }, clock + 1);
    assert.equal((await forSlug('follows'))!.provider, first, 'the tenant cache has not seen the change yet');
    clock += 31_000;
    const rebuilt = await forSlug('follows');
    assert.notEqual(rebuilt!.provider, first);
    assert.deepEqual(rebuilt!.tenant.settings, { apis: [{ identifier: 'https://api.example.test', scopes: ['read'] }] });
  });
});
