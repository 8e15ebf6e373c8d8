import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createSigningKeyStore } from '../../src/storage/signing-key.store.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import type { NewSigningKey, SigningAlgorithm } from '../../src/domain/keys/signing-key.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;

let tenantCounter = 0;

describeEachEngine('SigningKeyStore', (current) => {
  const store = () => createSigningKeyStore(current().handle.db);

  async function newTenant(): Promise<string> {
    tenantCounter += 1;
    const tenant = await createTenantStore(current().handle.db).create({ id: uuidv7(T0), slug: `keys-${tenantCounter}`, name: 'Keys', now: T0 });
    return tenant.id;
  }

  // Key material is opaque to the store: fake values show exactly what it keeps and returns.
  function newKey(tenantId: string, algorithm: SigningAlgorithm, createdAt: number): NewSigningKey {
    const kid = `kid-${algorithm}-${createdAt}-${Math.random().toString(36).slice(2, 8)}`;
    const members = algorithm === 'ES256' ? { kty: 'EC', crv: 'P-256', x: 'x-value', y: 'y-value' } : { kty: 'RSA', n: 'n-value', e: 'AQAB' };
    return {
      id: uuidv7(createdAt),
      tenantId,
      algorithm,
      publicJwk: { ...(members as { kty: 'EC' | 'RSA' }), kid, alg: algorithm, use: 'sig' },
      sealedPrivateJwk: `v1.sealed-${kid}`,
      createdAt,
    };
  }

  test('inserts an active key and lists it back exactly, times as numbers', async () => {
    const tenantId = await newTenant();
    const input = newKey(tenantId, 'ES256', T0 + 1);
    const inserted = await store().insert(input);
    const expected = { ...input, kid: input.publicJwk.kid, status: 'active', retiredAt: null, unpublishAt: null };
    assert.deepEqual(inserted, expected);
    const [listed] = await store().listPublished(tenantId, T0 + 2);
    assert.deepEqual(listed, expected);
    assert.equal(typeof listed?.createdAt, 'number');
  });

  test('lists active keys first, newest first within each status, and only the tenant asked for', async () => {
    const tenantId = await newTenant();
    const other = await newTenant();
    const oldActive = await store().insert(newKey(tenantId, 'RS256', T0 + 10));
    const retiredEarly = await store().insert(newKey(tenantId, 'ES256', T0 + 11));
    const retiredLate = await store().insert(newKey(tenantId, 'ES256', T0 + 12));
    const newActive = await store().insert(newKey(tenantId, 'ES256', T0 + 13));
    await store().insert(newKey(other, 'ES256', T0 + 14));
    await store().retire(tenantId, [retiredEarly.id, retiredLate.id], { retiredAt: T0 + 20, unpublishAt: T0 + 1_000 });
    const listed = await store().listPublished(tenantId, T0 + 30);
    assert.deepEqual(
      listed.map((key) => key.id),
      [newActive.id, oldActive.id, retiredLate.id, retiredEarly.id],
    );
  });

  test('retire sets status, retired_at and unpublish_at on active keys of that tenant only', async () => {
    const tenantId = await newTenant();
    const other = await newTenant();
    const mine = await store().insert(newKey(tenantId, 'ES256', T0));
    const kept = await store().insert(newKey(tenantId, 'RS256', T0));
    const theirs = await store().insert(newKey(other, 'ES256', T0));
    assert.equal(await store().retire(tenantId, [mine.id, theirs.id], { retiredAt: T0 + 5, unpublishAt: T0 + 500 }), 1);
    // Retiring again changes nothing: an already retired key keeps its dates.
    assert.equal(await store().retire(tenantId, [mine.id], { retiredAt: T0 + 6, unpublishAt: T0 + 900 }), 0);
    assert.equal(await store().retire(tenantId, [], { retiredAt: T0 + 6, unpublishAt: T0 + 900 }), 0);
    const byId = new Map((await store().listPublished(tenantId, T0 + 10)).map((key) => [key.id, key]));
    assert.deepEqual(
      { status: byId.get(mine.id)?.status, retiredAt: byId.get(mine.id)?.retiredAt, unpublishAt: byId.get(mine.id)?.unpublishAt },
      { status: 'retired', retiredAt: T0 + 5, unpublishAt: T0 + 500 },
    );
    assert.equal(byId.get(kept.id)?.status, 'active');
    assert.equal((await store().listPublished(other, T0 + 10))[0]?.status, 'active');
  });

  test('a retired key is published until its unpublish_at, then deleted on request', async () => {
    const tenantId = await newTenant();
    const other = await newTenant();
    const retired = await store().insert(newKey(tenantId, 'ES256', T0));
    const active = await store().insert(newKey(tenantId, 'ES256', T0 + 1));
    const otherRetired = await store().insert(newKey(other, 'ES256', T0));
    await store().retire(tenantId, [retired.id], { retiredAt: T0 + 2, unpublishAt: T0 + 100 });
    await store().retire(other, [otherRetired.id], { retiredAt: T0 + 2, unpublishAt: T0 + 100 });

    const ids = async (now: number) => (await store().listPublished(tenantId, now)).map((key) => key.id);
    assert.deepEqual(await ids(T0 + 99), [active.id, retired.id]);
    assert.deepEqual(await ids(T0 + 100), [active.id]);

    assert.equal(await store().deleteUnpublished(tenantId, T0 + 99), 0);
    assert.equal(await store().deleteUnpublished(tenantId, T0 + 100), 1);
    // The row is gone even for a reader whose clock is behind; the other tenant's key is untouched.
    assert.deepEqual(await ids(T0), [active.id]);
    assert.equal((await store().listPublished(other, T0 + 50)).length, 1);
  });

  test('lockTenantKeys runs only inside a transaction, and serialises two writers of one tenant', async () => {
    const tenantId = await newTenant();
    await assert.rejects(store().lockTenantKeys(tenantId), /inside a transaction/);

    // PostgreSQL: the pool gives each transaction its own connection, and the advisory lock makes
    // the second wait. SQLite: the one connection runs one transaction at a time (and across
    // processes BEGIN IMMEDIATE does the same), so the second waits as well.
    const db = current().handle.db;
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    const first = db.transaction().execute(async (tx) => {
      await createSigningKeyStore(tx).lockTenantKeys(tenantId);
      locked();
      await held;
      await createSigningKeyStore(tx).insert(newKey(tenantId, 'ES256', T0));
      order.push('first committed');
    });
    await firstLocked;
    const second = db.transaction().execute(async (tx) => {
      await createSigningKeyStore(tx).lockTenantKeys(tenantId);
      order.push(`second saw ${(await createSigningKeyStore(tx).listPublished(tenantId, T0 + 1)).length} key(s)`);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    order.push('released');
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['released', 'first committed', 'second saw 1 key(s)']);
  });
});
