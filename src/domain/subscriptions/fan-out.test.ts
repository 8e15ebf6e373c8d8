import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewDelivery } from './subscription.port.ts';
import { coalescedDeliveries } from './fan-out.ts';

const row = (id: string, subscriptionId = 'sub-1'): NewDelivery => ({
  id,
  tenantId: 't',
  subscriptionId,
  eventId: `event-${id}`,
  eventType: 'identity.updated',
  aggregate: { type: 'identity', id: 'c' },
  occurredAt: 1,
  origin: 'live',
  data: {},
  now: 1,
});

test('the deliveries of events fanned out together go in one add; each event learns which of its own were added', async () => {
  const calls: string[][] = [];
  const already = new Set(['b2']);
  const deliveries = coalescedDeliveries({
    async add(rows) {
      calls.push(rows.map((entry) => entry.id));
      return rows.filter((entry) => !already.has(entry.id)).map((entry) => entry.id);
    },
  });
  const [a, b] = await Promise.all([deliveries.add([row('a1'), row('a2')]), deliveries.add([row('b1'), row('b2')])]);
  assert.deepEqual(calls, [['a1', 'a2', 'b1', 'b2']]);
  assert.deepEqual([a, b], [['a1', 'a2'], ['b1']]);
});

test('when the one add fails, each event is added alone: only the one that cannot be fails', async () => {
  const calls: string[][] = [];
  const deliveries = coalescedDeliveries({
    async add(rows) {
      calls.push(rows.map((entry) => entry.id));
      if (rows.some((entry) => entry.subscriptionId === 'gone')) throw new Error('foreign key violation');
      return rows.map((entry) => entry.id);
    },
  });
  const outcomes = await Promise.allSettled([deliveries.add([row('a1')]), deliveries.add([row('b1', 'gone')]), deliveries.add([row('c1')])]);
  assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual((outcomes[0] as PromiseFulfilledResult<readonly string[]>).value, ['a1']);
  assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /foreign key violation/);
  assert.deepEqual(calls, [['a1', 'b1', 'c1'], ['a1'], ['b1'], ['c1']]);
});
