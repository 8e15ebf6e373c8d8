// The outbox dispatcher over the real outbox, on each engine: a handled event reaches its handler
// once with its payload and is published; an event no handler consumes is published at once; a
// failing handler is retried with growing delays, then given up and logged; and the expired-rows
// sweep prunes published events after the retention, never pending ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createOutboxStore } from '../../src/storage/outbox.store.ts';
import { recordEvent } from '../../src/domain/events/record-event.ts';
import { startOutboxDispatcher } from '../../src/infra/jobs/outbox-dispatcher.job.ts';
import { publishedEventsOf, startExpiredRowsCleanup } from '../../src/infra/jobs/expired-rows.job.ts';
import type { EventHandlers } from '../../src/domain/events/event-handler.port.ts';

const T0 = 1_800_000_000_000;
const DAY = 24 * 60 * 60_000;

describeEachEngine('outbox dispatcher', (current) => {
  const store = () => createOutboxStore(current().handle.db);
  const row = (aggregateId: string) => current().handle.db.selectFrom('outbox_events').selectAll().where('aggregate_id', '=', aggregateId).executeTakeFirstOrThrow();

  function start(handlers: EventHandlers, clock: { now: number }) {
    const logs: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const log = (level: string) => (fields: Record<string, unknown>, message: string) => void logs.push({ level, fields, message });
    // Polls once an hour: only runOnce makes it deliver during a test.
    const dispatcher = startOutboxDispatcher({
      store: store(),
      handlers,
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      pollIntervalMs: 3_600_000,
      batchSize: 2,
      leaseMs: 60_000,
      retry: { firstDelayMs: 5_000, maxDelayMs: 20_000, giveUpAfterMs: 60_000 },
      now: () => clock.now,
    });
    return { dispatcher, logs };
  }

  test('hands each handled event to its handler once, and publishes the ones nobody handles', async () => {
    const clock = { now: T0 };
    const seen: unknown[] = [];
    const { dispatcher, logs } = start({ 'browser_sessions.ended': async (event) => void seen.push([event.tenantId, event.aggregateId, event.payload]) }, clock);
    try {
      await dispatcher.runOnce();
      const applications = [{ clientId: 'shop', sid: 'sid-1' }];
      await recordEvent(store(), { tenantId: 't1', aggregateId: 'ended-1', occurredAt: T0 }, { type: 'browser_sessions.ended', payload: { applications } });
      for (let i = 0; i < 3; i++) await recordEvent(store(), { tenantId: 't1', aggregateId: `blocked-${i}`, occurredAt: T0 }, { type: 'identity.blocked', payload: { status: 'blocked' } });
      // Batches of two: a full batch brings the next claim at once.
      await dispatcher.runOnce();
      assert.deepEqual(seen, [['t1', 'ended-1', { applications }]]);
      for (const id of ['ended-1', 'blocked-0', 'blocked-2']) assert.equal((await row(id)).published_at, T0, id);
      await dispatcher.runOnce();
      assert.equal(seen.length, 1, 'delivered once');
      assert.deepEqual(logs.map((line) => [line.level, line.message, line.fields['type']]), [['info', 'outbox sent', 'browser_sessions.ended']], 'unhandled events are published without a line each');
    } finally {
      await dispatcher.stop();
    }
  });

  test('a failing handler is retried with growing delays, then given up and logged', async () => {
    const clock = { now: T0 + DAY };
    let calls = 0;
    const { dispatcher, logs } = start({
      'browser_sessions.ended': async () => {
        calls += 1;
        throw new Error('back-channel logout delivery failed (application shop): connect ECONNREFUSED');
      },
    }, clock);
    try {
      await dispatcher.runOnce();
      await recordEvent(store(), { tenantId: 't2', aggregateId: 'unheard', occurredAt: clock.now }, { type: 'browser_sessions.ended', payload: { applications: [{ clientId: 'shop', sid: 's' }] } });
      const delays = [];
      await dispatcher.runOnce();
      for (let latest = await row('unheard'); latest.published_at === null; latest = await row('unheard')) {
        delays.push(latest.available_at - clock.now);
        clock.now = latest.available_at;
        await dispatcher.runOnce();
        assert.ok(delays.length < 10, 'gives up eventually');
      }
      assert.deepEqual(delays, [5_000, 10_000, 20_000, 20_000], 'doubling, capped');
      assert.equal(calls, 5);
      const given = await row('unheard');
      assert.equal(given.attempts, 5);
      assert.match(String(given.last_error), /ECONNREFUSED/);
      assert.equal(logs.filter((line) => line.level === 'warn' && line.message === 'outbox delivery failed; will retry').length, 4);
      const gaveUp = logs.find((line) => line.level === 'error' && line.message === 'outbox delivery failed; giving up');
      assert.equal(gaveUp?.fields['type'], 'browser_sessions.ended');
      assert.match(String(gaveUp?.fields['error']), /application shop/);
    } finally {
      await dispatcher.stop();
    }
  });

  test('the expired-rows sweep deletes events published longer ago than the retention, and no pending one', async () => {
    const clock = { now: T0 + 10 * DAY };
    await recordEvent(store(), { tenantId: 't3', aggregateId: 'old', occurredAt: clock.now }, { type: 'tenant.configured', payload: { sections: ['mail'] } });
    await recordEvent(store(), { tenantId: 't3', aggregateId: 'recent', occurredAt: clock.now + DAY }, { type: 'tenant.configured', payload: { sections: ['mail'] } });
    await recordEvent(store(), { tenantId: 't3', aggregateId: 'pending', occurredAt: T0 + 100 * DAY }, { type: 'tenant.configured', payload: { sections: ['mail'] } });
    const { dispatcher } = start({}, clock);
    await dispatcher.runOnce();
    clock.now += DAY;
    await dispatcher.runOnce();
    await dispatcher.stop();
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const sweep = (now: number) => startExpiredRowsCleanup({ store: publishedEventsOf(store(), 7 * DAY), intervalMs: 3_600_000, batchSize: 100, logger: quiet, now: () => now });
    const left = async () => (await current().handle.db.selectFrom('outbox_events').select('aggregate_id').where('tenant_id', '=', 't3').orderBy('aggregate_id').execute()).map((r) => r.aggregate_id);
    const early = sweep(T0 + 17 * DAY);
    await early.runOnce();
    await early.stop();
    assert.deepEqual(await left(), ['old', 'pending', 'recent'], 'seven days are not over yet');
    const later = sweep(T0 + 17 * DAY + 1);
    assert.ok((await later.runOnce()) >= 1);
    await later.stop();
    assert.deepEqual(await left(), ['pending', 'recent']);
  });
});
