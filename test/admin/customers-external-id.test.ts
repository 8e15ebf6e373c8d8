// A customer's external id (their id in a CRM or an old login system; migration 0021) through the
// admin API on each engine: set at creation, read back, unique per tenant (409) but free in another
// tenant, changed and cleared by merge patch, searched by, audited, in the events; and the unique
// index itself refuses a second holder when the store is called directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { startListeningServer } from '../helpers/listening-server.ts';
import type { ListeningServer } from '../helpers/listening-server.ts';
import { createTenant } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { createIdentityStore } from '../../src/storage/identity.store.ts';
import { DomainError } from '../../src/domain/errors.ts';

type Customer = { id: string; external_id: string | null; traits: Record<string, unknown> };
type Problem = { code: string };

describeEachEngine('admin API: customers’ external ids', (current) => {
  let node: ListeningServer;
  let writer: string;
  let shopId: string;
  let count = 0;
  const email = (name: string) => `${name}.${++count}@example.com`;

  before(async () => {
    node = await startListeningServer(current().engine);
    shopId = (await createTenant(node.server, 'shop')).id;
    await createTenant(node.server, 'other');
    writer = await machineToken(node.server, ['customers:read', 'customers:write', 'audit:read']);
  });
  after(() => node.stop());

  const call = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => callAdmin(node.server, writer, method, path, body === undefined ? {} : { body });

  test('set at creation and read back; taken in the tenant is 409, free in another; none is null', async () => {
    const created = await call('POST', '/tenants/shop/customers', { traits: { email: email('crm') }, external_id: 'crm-0001' });
    assert.equal(created.statusCode, 201, created.body);
    const customer = created.json<Customer>();
    assert.equal(customer.external_id, 'crm-0001');
    assert.equal((await call('GET', `/tenants/shop/customers/${customer.id}`)).json<Customer>().external_id, 'crm-0001');

    const taken = await call('POST', '/tenants/shop/customers', { traits: { email: email('crm') }, external_id: 'crm-0001' });
    assert.equal(taken.statusCode, 409, taken.body);
    assert.equal(taken.json<Problem>().code, 'identity.external_id_taken');
    const elsewhere = await call('POST', '/tenants/other/customers', { traits: { email: email('crm') }, external_id: 'crm-0001' });
    assert.equal(elsewhere.statusCode, 201, elsewhere.body);

    const none = await call('POST', '/tenants/shop/customers', { traits: { email: email('plain') } });
    assert.equal(none.json<Customer>().external_id, null);
    const blank = await call('POST', '/tenants/shop/customers', { traits: { email: email('blank') }, external_id: ' padded ' });
    assert.equal(blank.statusCode, 400, blank.body);
  });

  test('merge patch sets, changes and clears it (alone or with traits); a taken one is 409; search finds by it; audited and in the event', async () => {
    const customer = (await call('POST', '/tenants/shop/customers', { traits: { email: email('patch') } })).json<Customer>();
    const other = (await call('POST', '/tenants/shop/customers', { traits: { email: email('holder') }, external_id: 'held-1' })).json<Customer>();
    const path = `/tenants/shop/customers/${customer.id}`;

    const set = await call('PATCH', path, { external_id: 'ext-42' });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json<Customer>().external_id, 'ext-42');
    const found = await call('GET', '/tenants/shop/customers?external_id=ext-42');
    assert.deepEqual(found.json<{ items: Customer[] }>().items.map((item) => item.id), [customer.id]);
    assert.deepEqual((await call('GET', '/tenants/shop/customers?external_id=ext-42&status=blocked')).json<{ items: Customer[] }>().items, []);
    assert.deepEqual((await call('GET', '/tenants/other/customers?external_id=ext-42')).json<{ items: Customer[] }>().items, []);

    const taken = await call('PATCH', path, { external_id: 'held-1' });
    assert.equal(taken.statusCode, 409, taken.body);
    assert.equal(taken.json<Problem>().code, 'identity.external_id_taken');
    assert.equal((await call('GET', `/tenants/shop/customers/${other.id}`)).json<Customer>().external_id, 'held-1');

    const both = await call('PATCH', path, { external_id: 'ext-43', traits: { name: 'Pat' } });
    assert.equal(both.statusCode, 200, both.body);
    assert.equal(both.json<Customer>().external_id, 'ext-43');
    assert.equal(both.json<Customer>().traits['name'], 'Pat');
    const unchanged = await call('PATCH', path, { traits: { name: 'Pat B' } });
    assert.equal(unchanged.json<Customer>().external_id, 'ext-43');

    const cleared = await call('PATCH', path, { external_id: null });
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.equal(cleared.json<Customer>().external_id, null);
    assert.equal((await call('PATCH', path, {})).statusCode, 400);

    const events = await node.server.database.db
      .selectFrom('outbox_events')
      .select(['type', 'payload'])
      .where('aggregate_id', '=', customer.id)
      .where('type', '=', 'identity.updated')
      .orderBy('occurred_at').orderBy('id')
      .execute();
    const externalIds = events.map((event) => (typeof event.payload === 'string' ? JSON.parse(event.payload) : event.payload) as { externalId?: string | null }).map((payload) => payload.externalId);
    assert.deepEqual(externalIds, ['ext-42', 'ext-43', undefined, null]);
    const audit = await call('GET', `/tenants/shop/audit?subject_id=${customer.id}&action=identity.updated`);
    assert.equal(audit.statusCode, 200, audit.body);
    assert.equal(audit.json<{ items: { details: { externalId?: boolean } }[] }>().items.filter((entry) => entry.details.externalId === true).length, 3);
  });

  test('the unique index refuses a second holder in the tenant even past the use case’s check', async () => {
    const store = createIdentityStore(node.server.database.db);
    const [first, second] = [await call('POST', '/tenants/shop/customers', { traits: { email: email('idx') } }), await call('POST', '/tenants/shop/customers', { traits: { email: email('idx') } })].map((response) => response.json<Customer>());
    assert.equal(await store.setExternalId(shopId, first!.id, 'unique-1', Date.now()), true);
    await assert.rejects(store.setExternalId(shopId, second!.id, 'unique-1', Date.now()), (error: unknown) => error instanceof DomainError && error.code === 'identity.external_id_taken');
    assert.equal((await store.findByExternalId(shopId, 'unique-1'))?.id, first!.id);
    assert.equal(await store.findByExternalId(shopId, 'nobody'), undefined);
  });
});
