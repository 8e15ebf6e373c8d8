// Conformance suite of the FlowStore port on each engine: round trip, expiry, tenant isolation,
// single completion and the batched sweep of expired flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { createFlowStore } from '../../src/storage/flow.store.ts';
import { createTenantStore } from '../../src/storage/tenant.store.ts';
import { FLOW_LIFETIME_MS, newFlow } from '../../src/domain/flows/flow.ts';
import type { Flow } from '../../src/domain/flows/flow.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const T0 = 1_790_000_000_000;

let tenantCount = 0;
// Flows reference their tenant, so each test makes real tenants of its own.
async function newTenant(database: TestDatabase): Promise<string> {
  const tenant = await createTenantStore(database.handle.db).create({ id: uuidv7(T0), slug: `flows${++tenantCount}-${process.pid}`, name: 'T', now: T0 });
  return tenant.id;
}

function loginFlow(tenantId: string, now = T0, extra: { interactionUid?: string } = {}): Flow {
  return newFlow({ id: uuidv7(now), tenantId, type: 'login', kind: 'browser', now, ...extra });
}

describeEachEngine('FlowStore', (current) => {
  const store = () => createFlowStore(current().handle.db);

  test('creates a flow and finds it, every field intact', async () => {
    const tenantId = await newTenant(current());
    const browser = loginFlow(tenantId, T0, { interactionUid: 'interaction-1' });
    const api = newFlow({ id: uuidv7(T0), tenantId, type: 'registration', kind: 'api', now: T0 });
    await store().create(browser);
    await store().create(api);
    assert.deepEqual(await store().find(tenantId, browser.id, T0), browser);
    assert.deepEqual(await store().find(tenantId, api.id, T0), api);
    assert.equal(browser.state, 'active');
    assert.equal(browser.expiresAt, T0 + FLOW_LIFETIME_MS);
    assert.notEqual(browser.csrfToken, api.csrfToken);
    assert.equal(await store().find(tenantId, uuidv7(T0), T0), undefined);
  });

  test('an expired flow is not found, from its expiry instant on', async () => {
    const tenantId = await newTenant(current());
    const flow = loginFlow(tenantId);
    await store().create(flow);
    assert.ok(await store().find(tenantId, flow.id, flow.expiresAt - 1));
    assert.equal(await store().find(tenantId, flow.id, flow.expiresAt), undefined);
    assert.equal(await store().find(tenantId, flow.id, flow.expiresAt + 1), undefined);
  });

  test('tenants are isolated: another tenant can neither find nor complete the flow', async () => {
    const [a, b] = [await newTenant(current()), await newTenant(current())];
    const flow = loginFlow(a);
    await store().create(flow);
    assert.equal(await store().find(b, flow.id, T0), undefined);
    assert.equal(await store().complete(b, flow.id, uuidv7(T0), T0 + 1), false);
    assert.equal((await store().find(a, flow.id, T0))?.state, 'active');
  });

  test('completes an active flow once only, recording who completed it', async () => {
    const tenantId = await newTenant(current());
    const flow = loginFlow(tenantId);
    await store().create(flow);
    const [first, second] = [uuidv7(T0), uuidv7(T0)];
    assert.equal(await store().complete(tenantId, flow.id, first, T0 + 1), true);
    assert.equal(await store().complete(tenantId, flow.id, second, T0 + 2), false);
    assert.deepEqual(await store().find(tenantId, flow.id, T0 + 3), { ...flow, state: 'complete', identityId: first });
    assert.equal(await store().complete(tenantId, uuidv7(T0), first, T0 + 1), false);
  });

  test('claim stores a flow once: a second claim of its id, concurrent or later, leaves the first as it was', async () => {
    const tenantId = await newTenant(current());
    const id = uuidv7(T0);
    const claims = Array.from({ length: 8 }, () => ({ ...loginFlow(tenantId), id, state: 'complete' as const, identityId: uuidv7(T0) }));
    const results = await Promise.all(claims.map((flow) => store().claim(flow)));
    assert.equal(results.filter(Boolean).length, 1);
    const winner = claims[results.indexOf(true)]!;
    assert.deepEqual(await store().find(tenantId, id, T0 + 1), winner);
    assert.equal(await store().claim({ ...winner, identityId: uuidv7(T0), state: 'active' }), false);
    assert.deepEqual(await store().find(tenantId, id, T0 + 1), winner);
  });

  test('concurrent completions of one flow: exactly one wins', async () => {
    const tenantId = await newTenant(current());
    const flow = loginFlow(tenantId);
    await store().create(flow);
    const identities = Array.from({ length: 10 }, () => uuidv7(T0));
    const results = await Promise.all(identities.map((identityId) => store().complete(tenantId, flow.id, identityId, T0 + 1)));
    assert.equal(results.filter(Boolean).length, 1);
    const winner = identities[results.indexOf(true)];
    assert.equal((await store().find(tenantId, flow.id, T0 + 2))?.identityId, winner);
  });

  test('an expired flow can no longer be completed', async () => {
    const tenantId = await newTenant(current());
    const flow = loginFlow(tenantId);
    await store().create(flow);
    assert.equal(await store().complete(tenantId, flow.id, uuidv7(T0), flow.expiresAt), false);
    assert.equal((await store().find(tenantId, flow.id, flow.expiresAt - 1))?.state, 'active');
  });

  test('removeExpired removes expired flows of every tenant in batches and leaves live ones', async () => {
    // Far in the future of every other test's flows, so this test counts only its own.
    const base = 4_000_000_000_000;
    const [a, b] = [await newTenant(current()), await newTenant(current())];
    const expiringAt = (at: number) => at - FLOW_LIFETIME_MS;
    const expired: Flow[] = [];
    for (let i = 0; i < 3; i++) expired.push(loginFlow(a, expiringAt(base + i)));
    for (let i = 0; i < 2; i++) expired.push(loginFlow(b, expiringAt(base + i)));
    const live = loginFlow(a, expiringAt(base + 60_000));
    for (const flow of [...expired, live]) await store().create(flow);
    // Earlier tests' flows expired long before `base`: sweep them first.
    while ((await store().removeExpired(base - 1, 1_000)) === 1_000);
    const now = base + 10;
    assert.equal(await store().removeExpired(now, 2), 2);
    assert.equal(await store().removeExpired(now, 2), 2);
    assert.equal(await store().removeExpired(now, 2), 1);
    assert.equal(await store().removeExpired(now, 2), 0);
    for (const flow of expired) assert.equal(await store().find(flow.tenantId, flow.id, flow.expiresAt - 1), undefined);
    assert.deepEqual(await store().find(a, live.id, now), live);
  });
});
