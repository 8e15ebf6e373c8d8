// Conformance suite of the LatestCodeStore port on each engine: the newest code of an address
// replaces the one before, per tenant, until it expires; the sweep deletes expired rows in batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createLatestCodeStore } from '../../src/storage/latest-code.store.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;

describeEachEngine('LatestCodeStore', (current) => {
  const store = () => createLatestCodeStore(current().handle.db);

  test('the newest code of an address replaces the older one, per tenant, until it expires', async () => {
    const [tenantA, tenantB] = [uuidv7(T0), uuidv7(T0)];
    await store().record(tenantA, 'ann@example.com', 'flow-1', T0 + 1000);
    assert.equal(await store().flowOf(tenantA, 'ann@example.com', T0), 'flow-1');
    await store().record(tenantA, 'ann@example.com', 'flow-2', T0 + 2000);
    assert.equal(await store().flowOf(tenantA, 'ann@example.com', T0), 'flow-2');
    assert.equal(await store().flowOf(tenantB, 'ann@example.com', T0), undefined);
    assert.equal(await store().flowOf(tenantA, 'bob@example.com', T0), undefined);
    assert.equal(await store().flowOf(tenantA, 'ann@example.com', T0 + 2000), undefined, 'expired');
  });

  test('the sweep deletes expired rows in batches and keeps live ones', async () => {
    const tenant = uuidv7(T0);
    for (let i = 0; i < 5; i += 1) await store().record(tenant, `old${i}@example.com`, `flow-${i}`, T0 + i);
    await store().record(tenant, 'live@example.com', 'flow-live', T0 + 60_000);
    let removed = 0;
    let batch: number;
    do {
      batch = await store().removeExpired(T0 + 10, 2);
      assert.ok(batch <= 2);
      removed += batch;
    } while (batch === 2);
    assert.ok(removed >= 5);
    assert.equal(await store().flowOf(tenant, 'old0@example.com', T0), undefined);
    assert.equal(await store().flowOf(tenant, 'live@example.com', T0 + 10), 'flow-live');
  });
});
