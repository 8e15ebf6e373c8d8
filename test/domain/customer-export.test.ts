// The export's paging (domain/customers/customer-export.ts) on each engine, past its page of 1,000
// and with the next page read ahead: every customer exactly once, newest first by creation time
// (which imported customers keep, unlike their ids' order), even when the customer a page ended
// with is deleted while the export runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { exportCustomers } from '../../src/domain/customers/customer-export.ts';
import type { NewIdentity } from '../../src/domain/identity/identity.ts';
import type { Actor } from '../../src/domain/tenants/tenants.service.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const OPERATOR: Actor = { type: 'operator', id: 'staff:test' };
const CUSTOMERS = 2_345;

describeEachEngine('customer export paging', (current) => {
  test(`${CUSTOMERS} customers: each once, newest first, a page's last one deleted mid-export`, async () => {
    const db = current().handle.db;
    const stores = createStores(db);
    const now = Date.now();
    const tenant = await stores.tenants.create({ id: uuidv7(now), slug: `export-${process.pid}-${current().engine}`, name: 'Export', settings: {}, now });
    // Creation times run against the ids' order, several customers share each one.
    const customers: NewIdentity[] = Array.from({ length: CUSTOMERS }, (_, index) => ({
      id: uuidv7(now + index),
      tenantId: tenant.id,
      traits: { email: `c${index}@example.com` },
      addresses: [{ kind: 'email', value: `c${index}@example.com` }],
      credentials: [],
      now: Date.UTC(2020, 0, 1) + Math.floor((CUSTOMERS - index) / 3) * 1000,
    }));
    for (let start = 0; start < CUSTOMERS; start += 500) await stores.identities.createMany(customers.slice(start, start + 500));

    const seen: { id: string; createdAt: string }[] = [];
    let deleted: string | undefined;
    for await (const customer of exportCustomers({ stores, transaction: createTransaction(db) }, tenant, { passwordHashes: false }, OPERATOR)) {
      seen.push({ id: customer.id, createdAt: customer.created_at });
      // The first page is out and the second read ahead after it: deleting it disturbs nothing.
      if (seen.length === 1000) {
        deleted = customer.id;
        assert.equal(await stores.identities.delete(tenant.id, customer.id), true);
      }
    }
    assert.ok(deleted);
    const expected = customers
      .map((customer) => ({ id: customer.id, createdAt: new Date(customer.now).toISOString() }))
      .toSorted((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    assert.equal(seen.length, CUSTOMERS);
    assert.deepEqual(seen, expected);
  });
});
