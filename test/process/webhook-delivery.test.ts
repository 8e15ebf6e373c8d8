// At least once across crashes, on both engines: `node src/main.ts` delivers a stream of events to
// a real receiver that sometimes fails; the test kills it with SIGKILL in the middle of the stream
// (deliveries in flight, leases held, retries scheduled), records more events while it is down,
// starts it again, and counts: every event arrives at least once, each customer's events in the
// order they happened, none lost, every delivery ends `delivered`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { describeEachEngine } from '../helpers/engines.ts';
import { TEST_MASTER_SECRET } from '../helpers/test-server.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { createStores, createTransaction } from '../../src/storage/stores.ts';
import { recordEvent } from '../../src/domain/events/record-event.ts';
import { createSubscription } from '../../src/domain/subscriptions/subscriptions.service.ts';
import { createSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { uuidv7 } from '../../src/lib/ids.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const CUSTOMERS = 12;
const EVENTS = 144;
const KILL_AFTER = 40;

type Server = { child: ChildProcessByStdio<null, Readable, Readable>; output: () => string; closed: Promise<unknown> };

function startServer(env: Record<string, string>, cwd: string): Server {
  const child = spawn(process.execPath, [MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const closed = new Promise((resolve) => child.once('close', resolve));
  return { child, output: () => output, closed };
}

async function until(what: string, condition: () => boolean, timeoutMs: number, server?: Server): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms${server ? `\n${server.output().slice(-4000)}` : ''}`);
    await delay(25);
  }
}

describeEachEngine('webhook delivery across a SIGKILL', (current) => {
  let receiver: WebhookReceiver;
  let cwd: string;
  const servers: Server[] = [];

  before(async () => {
    receiver = await startWebhookReceiver();
    cwd = mkdtempSync(path.join(tmpdir(), 'foyer-webhook-kill-'));
  });
  after(async () => {
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await receiver.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  test('every event arrives at least once, in order per customer, after the node was killed mid-stream', async () => {
    const { db } = current().handle;
    const stores = createStores(db);
    const transaction = createTransaction(db);
    const tenant = await stores.tenants.create({ id: uuidv7(), slug: `kill-${Date.now().toString(36)}`, name: 'Kill', settings: {}, now: Date.now() });
    const { secret } = await createSubscription(
      { transaction, secretBox: createSecretBox(TEST_MASTER_SECRET), production: false, natsConfigured: false },
      tenant,
      { url: receiver.url, eventTypes: ['session.revoked'] },
      { type: 'system' },
    );
    receiver.secrets = [secret];
    // Sometimes failing: every seventh request is refused (the delivery is retried some seconds later).
    receiver.answer = ({ count }) => ({ status: count % 7 === 0 ? 500 : 200 });

    const env = { ...current().env, PORT: '0', HOST: '127.0.0.1', METRICS_ENABLED: 'false', MASTER_SECRET: TEST_MASTER_SECRET, DATA_DIR: cwd, LOG_LEVEL: 'warn', WEBHOOK_TIMEOUT_MS: '1000', PATH: process.env['PATH'] ?? '' };
    const customers = Array.from({ length: CUSTOMERS }, () => uuidv7());
    const recorded = new Map<string, string[]>(customers.map((customer) => [customer, []]));
    let written = 0;
    // Events are recorded from outside the node (as the CLI or another node would): it finds them at its poll.
    const record = async (count: number, pauseMs: number) => {
      for (let index = 0; index < count; index += 1) {
        const customer = customers[written % CUSTOMERS]!;
        const occurredAt = Date.now();
        await transaction(async (tx) => recordEvent(tx.outbox, { tenantId: tenant.id, aggregateId: customer, occurredAt }, { type: 'session.revoked', payload: { kind: 'all' } }));
        const [row] = await db.selectFrom('outbox_events').select('id').where('aggregate_id', '=', customer).orderBy('id', 'desc').limit(1).execute();
        recorded.get(customer)!.push(row!.id);
        written += 1;
        if (pauseMs > 0) await delay(pauseMs);
      }
    };

    const first = startServer(env, cwd);
    servers.push(first);
    const firstRecording = record(EVENTS / 2, 15);
    await until(`${KILL_AFTER} deliveries`, () => receiver.received.length >= KILL_AFTER, 60_000, first);
    first.child.kill('SIGKILL');
    await first.closed;
    assert.equal(first.child.signalCode, 'SIGKILL');
    await firstRecording;
    const beforeRestart = receiver.received.length;
    assert.ok(beforeRestart < EVENTS / 2, 'the node died with events still to deliver');
    await record(EVENTS / 2, 0);

    const second = startServer(env, cwd);
    servers.push(second);
    const distinct = () => new Set(receiver.received.map((hook) => hook.body.id)).size;
    await until(`all ${EVENTS} events delivered`, () => distinct() >= EVENTS, 90_000, second);

    // Counted: every event, at least once; each delivery signed; nothing that was not recorded.
    const all = [...recorded.values()].flat();
    assert.equal(all.length, EVENTS);
    const arrived = new Set(receiver.received.map((hook) => hook.body.id));
    assert.deepEqual(all.filter((id) => !arrived.has(id)), [], 'no event lost');
    assert.equal(arrived.size, EVENTS, 'nothing else arrived');
    assert.ok(receiver.received.every((hook) => hook.verifiedWith.length === 1), 'every delivery verifies');
    // In order per customer: the first arrival of each event follows the order they were recorded in.
    for (const customer of customers) {
      const firstArrivals: string[] = [];
      for (const hook of receiver.received) if (hook.body.customer === customer && !firstArrivals.includes(hook.body.id)) firstArrivals.push(hook.body.id);
      assert.deepEqual(firstArrivals, recorded.get(customer), `customer ${customer}'s events in order`);
    }
    let pending = Infinity;
    for (let attempt = 0; attempt < 40 && pending > 0; attempt += 1) {
      pending = (await db.selectFrom('event_deliveries').select('id').where('tenant_id', '=', tenant.id).where('status', '!=', 'delivered').execute()).length;
      if (pending > 0) await delay(250);
    }
    assert.equal(pending, 0, 'every delivery ends delivered');
    second.child.kill('SIGTERM');
    await second.closed;
  });
});
