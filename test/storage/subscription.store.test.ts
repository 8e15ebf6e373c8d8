// The subscription and delivery stores on both engines: a fan-out repeated adds nothing; a claim
// takes a delivery only when no earlier event to the same subscription about the same customer is
// pending (order per customer), skips the subscriptions it is told to and disabled ones, and two
// claims at once never share a delivery; a failure is retried at its time or becomes a dead letter,
// retried on request; the log pages newest first; finished deliveries are pruned after the retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createStores } from '../../src/storage/stores.ts';
import { uuidv7 } from '../../src/lib/ids.ts';
import type { NewDelivery } from '../../src/domain/subscriptions/subscription.port.ts';
import type { Subscription } from '../../src/domain/subscriptions/subscription.ts';

const T0 = 1_790_000_000_000;
const LEASE = 30_000;
const OK = { statusCode: 200, latencyMs: 3, error: null };

describeEachEngine('SubscriptionStore and DeliveryStore', (current) => {
  const stores = () => createStores(current().handle.db);

  async function fixture(label: string) {
    const tenant = await stores().tenants.create({ id: uuidv7(), slug: `${label}-${Date.now().toString(36)}`, name: label, settings: {}, now: T0 });
    const subscriptionOf = async (enabled = true): Promise<Subscription> => {
      const subscription: Subscription = { id: uuidv7(), tenantId: tenant.id, kind: 'webhook', url: 'http://127.0.0.1:1/hooks', description: '', eventTypes: ['identity.created'], fields: [], purposeId: null, enabled, secrets: [], createdAt: T0, updatedAt: T0 };
      await stores().subscriptions.create(subscription);
      return subscription;
    };
    const delivery = (subscription: Subscription, customer: string, at: number, origin = 'live'): NewDelivery => ({
      id: uuidv7(at),
      tenantId: tenant.id,
      subscriptionId: subscription.id,
      eventId: uuidv7(at),
      eventType: 'identity.created',
      aggregate: { type: 'identity', id: customer },
      occurredAt: at,
      origin,
      data: { at },
      now: at,
    });
    return { tenant, subscriptionOf, delivery };
  }

  test('a repeated fan-out adds nothing; listEnabled names the tenant’s slug', async () => {
    const { tenant, subscriptionOf, delivery } = await fixture('repeat');
    const subscription = await subscriptionOf();
    const row = delivery(subscription, 'c1', T0);
    assert.deepEqual(await stores().deliveries.add([row]), [row.id]);
    assert.deepEqual(await stores().deliveries.add([row]), []);
    const replay = { ...row, id: uuidv7(), origin: 'replay:1' };
    assert.deepEqual(await stores().deliveries.add([replay]), [replay.id], 'a replay is a delivery of its own');
    const enabled = (await stores().subscriptions.listEnabled()).find((entry) => entry.id === subscription.id);
    assert.equal(enabled?.tenantSlug, tenant.slug);
  });

  test('order per customer: a later delivery waits while an earlier one to the same subscription is pending; others go', async () => {
    const { subscriptionOf, delivery } = await fixture('order');
    const [a, b] = [await subscriptionOf(), await subscriptionOf()];
    const disabled = await subscriptionOf(false);
    const rows = [delivery(a, 'c1', T0 + 1), delivery(a, 'c1', T0 + 2), delivery(a, 'c2', T0 + 3), delivery(b, 'c1', T0 + 4), delivery(disabled, 'c3', T0 + 5)];
    await stores().deliveries.add(rows);
    const now = T0 + 10;
    const mine = <T extends { subscriptionId: string }>(claimed: T[]) => claimed.filter((row) => [a.id, b.id, disabled.id].includes(row.subscriptionId));
    const enabled = [a.id, b.id];
    assert.deepEqual(await stores().deliveries.claimDue(now, 100, LEASE, []), [], 'no subscription to claim for: nothing');
    const first = mine(await stores().deliveries.claimDue(now, 100, LEASE, enabled));
    assert.deepEqual(first.map((row) => row.id).sort(), [rows[0]!.id, rows[2]!.id, rows[3]!.id].sort(), 'c1’s second event waits for its first; the disabled subscription gets nothing');
    // The first fails and is retried later: the second still waits.
    await stores().deliveries.markFailed(rows[0]!.id, { statusCode: 500, latencyMs: 4, error: 'the receiver answered 500' }, now + 5_000, now);
    assert.deepEqual(mine(await stores().deliveries.claimDue(now + 1, 100, LEASE, enabled)), []);
    const retried = mine(await stores().deliveries.claimDue(now + 5_000, 100, LEASE, enabled));
    assert.deepEqual(retried.map((row) => [row.id, row.attempts]), [[rows[0]!.id, 2]]);
    // Given up: a dead letter no longer holds the second back.
    await stores().deliveries.markFailed(rows[0]!.id, { statusCode: null, latencyMs: 9, error: 'timeout' }, undefined, now + 5_001);
    const next = mine(await stores().deliveries.claimDue(now + 5_002, 100, LEASE, [a.id]));
    assert.deepEqual(next.map((row) => row.id), [rows[1]!.id]);
    await stores().deliveries.markDelivered([{ id: rows[1]!.id, outcome: OK }], now + 5_003);
    const dead = await stores().deliveries.list(rows[0]!.tenantId, a.id, { status: 'dead', limit: 10 });
    assert.deepEqual(dead.map((row) => [row.id, row.lastError, row.lastStatusCode]), [[rows[0]!.id, 'timeout', null]]);
    assert.equal(await stores().deliveries.retryDead(rows[0]!.tenantId, a.id, undefined, now + 6_000), 1);
    const again = mine(await stores().deliveries.claimDue(now + 6_000, 100, LEASE, enabled));
    assert.deepEqual(again.map((row) => [row.id, row.attempts, row.startedAt]), [[rows[0]!.id, 1, now + 6_000]]);
    const log = await stores().deliveries.list(rows[0]!.tenantId, a.id, { limit: 2 });
    assert.deepEqual(log.map((row) => row.id), [rows[2]!.id, rows[1]!.id], 'newest first');
    assert.deepEqual((await stores().deliveries.list(rows[0]!.tenantId, a.id, { limit: 5, before: rows[1]!.id })).map((row) => row.id), [rows[0]!.id]);
  });

  test('two claims at once never share a delivery', async () => {
    const { subscriptionOf, delivery } = await fixture('race');
    const subscription = await subscriptionOf();
    const rows = Array.from({ length: 60 }, (_, index) => delivery(subscription, `c${index}`, T0 + index));
    await stores().deliveries.add(rows);
    const claims = await Promise.all([0, 1, 2].map(() => stores().deliveries.claimDue(T0 + 1_000, 40, LEASE, [subscription.id])));
    const ids = claims.flat().filter((row) => row.subscriptionId === subscription.id).map((row) => row.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('deliveries marked together keep each its own outcome; one no longer pending is left as it is', async () => {
    const { subscriptionOf, delivery } = await fixture('batch');
    const subscription = await subscriptionOf();
    const rows = Array.from({ length: 5 }, (_, index) => delivery(subscription, `b${index}`, T0 + index));
    await stores().deliveries.add(rows);
    await stores().deliveries.markFailed(rows[4]!.id, { statusCode: 500, latencyMs: 3, error: 'the receiver answered 500' }, undefined, T0 + 10);
    await stores().deliveries.markDelivered([], T0 + 11);
    await stores().deliveries.markDelivered(
      rows.map((row, index) => ({ id: row.id, outcome: { statusCode: index === 0 ? null : 200 + index, latencyMs: 10 * index, error: null } })),
      T0 + 20,
    );
    const log = await stores().deliveries.list(rows[0]!.tenantId, subscription.id, { limit: 10 });
    const byId = new Map(log.map((row) => [row.id, row]));
    for (const [index, row] of rows.slice(0, 4).entries()) {
      const marked = byId.get(row.id)!;
      assert.deepEqual([marked.status, marked.lastStatusCode, marked.lastLatencyMs, marked.finishedAt, marked.lastAttemptAt, marked.lastError], ['delivered', index === 0 ? null : 200 + index, 10 * index, T0 + 20, T0 + 20, null]);
    }
    const dead = byId.get(rows[4]!.id)!;
    assert.deepEqual([dead.status, dead.lastStatusCode, dead.finishedAt], ['dead', 500, T0 + 10], 'a dead letter stays dead');
  });

  test('finished deliveries are pruned after the retention; pending ones stay', async () => {
    const { subscriptionOf, delivery } = await fixture('prune');
    const subscription = await subscriptionOf();
    const [done, pending] = [delivery(subscription, 'p1', T0), delivery(subscription, 'p2', T0)];
    await stores().deliveries.add([done, pending]);
    await stores().deliveries.markDelivered([{ id: done.id, outcome: OK }], T0 + 1);
    assert.ok((await stores().deliveries.pruneFinished(T0 + 2, 1_000)) >= 1);
    const left = await stores().deliveries.list(done.tenantId, subscription.id, { limit: 10 });
    assert.deepEqual(left.map((row) => row.id), [pending.id]);
  });
});
