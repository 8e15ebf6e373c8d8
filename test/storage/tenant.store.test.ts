import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

describeEachEngine('TenantStore', (current) => {
  const store = () => createTenantStore(current().handle.db);

  test('creates a tenant and finds it by id and by slug', async () => {
    const now = 1_790_000_000_123;
    const created = await store().create({ id: uuidv7(now), slug: 'acme', name: 'Acme', settings: { locale: 'de' }, now });
    assert.deepEqual(await store().findById(created.id), created);
    assert.deepEqual(await store().findBySlug('acme'), created);
    assert.deepEqual(created.settings, { locale: 'de' });
    // Epoch milliseconds come back as numbers, not strings or bigints, on both engines.
    assert.equal(created.createdAt, now);
    assert.equal(typeof (await store().findById(created.id))!.createdAt, 'number');
  });

  test('refuses a slug already in use with a conflict, and keeps the first tenant', async () => {
    const now = Date.now();
    await store().create({ id: uuidv7(now), slug: 'taken', name: 'First', now });
    await assert.rejects(
      store().create({ id: uuidv7(now), slug: 'taken', name: 'Second', now }),
      (error: unknown) => error instanceof DomainError && error.code === 'tenant.slug_taken' && error.kind === 'conflict',
    );
    assert.equal((await store().findBySlug('taken'))?.name, 'First');
  });

  test('finds nothing for unknown ids and slugs', async () => {
    assert.equal(await store().findById(uuidv7()), undefined);
    assert.equal(await store().findBySlug('nobody'), undefined);
  });

  test('lists tenants oldest first', async () => {
    const base = 1_800_000_000_000;
    await store().create({ id: uuidv7(base + 2), slug: 'list-b', name: 'B', now: base + 2 });
    await store().create({ id: uuidv7(base + 1), slug: 'list-a', name: 'A', now: base + 1 });
    const slugs = (await store().list()).map((t) => t.slug).filter((slug) => slug.startsWith('list-'));
    assert.deepEqual(slugs, ['list-a', 'list-b']);
  });
});
