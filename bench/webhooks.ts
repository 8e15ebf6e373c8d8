// The webhooks scenario (--webhooks, issue 15): the subscriptions' dispatcher measured end to end on
// a server process of its own, against a receiver in this process on loopback. That server runs in
// development mode: production refuses to post to loopback (no SSRF), and the receiver is here.
//  1. Throughput: 20,000 events about 2,000 customers are recorded into the outbox at once (as
//     another node would); deliveries per second from the first arrival to the last, through the
//     fan-out and the signed POSTs.
//  2. Latency: customers' profiles changed through the admin API at 200 per second (open loop); each
//     event's time from its `timestamp` (when it happened) to its arrival, p99.
//  3. Sign-ins with five subscriptions to `identity.signed_in` against the same sign-ins with none,
//     alternating in the same run (none, five, none, five); each side's median round.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createStores, createTransaction } from '../src/storage/stores.ts';
import { recordEvent } from '../src/domain/events/record-event.ts';
import { createSubscription, deleteSubscription } from '../src/domain/subscriptions/subscriptions.service.ts';
import { createApplication } from '../src/domain/applications/applications.service.ts';
import { createSecretBox } from '../src/infra/crypto/secret-box.ts';
import { ADMIN_TENANT_SLUG } from '../src/domain/tenants/tenant.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import { percentile } from './load-loop.ts';
import { runPaced } from './paced-load.ts';
import { createHttpClient } from './http-client.ts';
import { FORWARDED_HEADERS, startServer } from './server-process.ts';
import { signIns } from './scenarios.ts';
import type { Timing } from './scenarios.ts';
import type { Seed } from './seed.ts';
import type { ScenarioResult, WebhookFigures } from './report.ts';

const THROUGHPUT_EVENTS = 20_000;
const THROUGHPUT_CUSTOMERS = 2_000;
export const LATENCY_RATE = 200;
const SUBSCRIBERS = 5;

type Arrival = { readonly at: number; readonly occurredAt: number };
type Receiver = { url: string; arrivals: Arrival[]; close: () => Promise<void> };

/** Answers 204 at once, and notes when each event arrived and when it happened. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', arrivals: [], close: async () => {} };
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      const { timestamp } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
      receiver.arrivals.push({ at, occurredAt: Date.parse(timestamp) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await delay(10);
  }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function webhookFigures(options: { config: DatabaseConfig; dataDir: string; databaseUrl: string; masterSecret: string; seed: Seed; timing: Timing; log: (message: string) => void }): Promise<WebhookFigures> {
  const { seed, log } = options;
  const receiver = await startReceiver();
  const server = await startServer({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, masterSecret: options.masterSecret, env: { NODE_ENV: 'development', ADMIN_API_RATE_LIMIT: '1000000' } });
  const database = await openDatabase(options.config);
  const client = createHttpClient(server.url, 64, server.publicUrl, FORWARDED_HEADERS);
  try {
    const stores = createStores(database.db);
    const transaction = createTransaction(database.db);
    const tenant = (await stores.tenants.findById(seed.tenantId))!;
    const deps = { transaction, secretBox: createSecretBox(options.masterSecret), production: false, natsConfigured: false };
    const actor = { type: 'operator' as const, id: 'bench' };
    const subscribe = async (eventTypes: string[]) => (await createSubscription(deps, tenant, { url: receiver.url, eventTypes, fields: ['email', 'given_name'] }, actor)).subscription.id;
    // The server reads subscriptions every 5 s: give it the time to see a change made here.
    const settle = () => delay(6_000);

    // 1. Throughput.
    const throughputSubscription = await subscribe(['session.revoked']);
    await settle();
    const customers = Array.from({ length: THROUGHPUT_CUSTOMERS }, () => uuidv7());
    for (let start = 0; start < THROUGHPUT_EVENTS; start += 1_000) {
      await transaction(async (tx) => {
        for (let index = start; index < start + 1_000; index += 1) await recordEvent(tx.outbox, { tenantId: tenant.id, aggregateId: customers[index % THROUGHPUT_CUSTOMERS]!, occurredAt: Date.now() }, { type: 'session.revoked', payload: { kind: 'all' } });
      });
    }
    await waitFor(`${THROUGHPUT_EVENTS} deliveries`, () => receiver.arrivals.length >= THROUGHPUT_EVENTS, 300_000);
    const arrivals = receiver.arrivals.map((arrival) => arrival.at).sort((a, b) => a - b);
    const deliveriesPerSecond = (THROUGHPUT_EVENTS - 1) / Math.max((arrivals.at(-1)! - arrivals[0]!) / 1000, 0.001);
    log(`webhooks: ${Math.round(deliveriesPerSecond)} deliveries/s (${THROUGHPUT_EVENTS} events, ${THROUGHPUT_CUSTOMERS} customers)`);
    await deleteSubscription(deps, tenant, throughputSubscription, actor);

    // 2. Latency at 200 events/s, events made by the server itself (an admin API merge patch each).
    const latencySubscription = await subscribe(['identity.updated']);
    const adminTenant = (await stores.tenants.findBySlug(ADMIN_TENANT_SLUG))!;
    const admin = await createApplication({ transaction }, adminTenant.id, { name: 'Bench webhooks', kind: 'machine', adminAccess: { scopes: ['customers:write'], tenant: '*' } }, actor);
    const tokenAnswer = await client.request('/t/admin/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${admin.application.id}:${admin.clientSecret}`).toString('base64')}` },
      form: { grant_type: 'client_credentials', scope: 'customers:write', resource: `${server.publicUrl}/admin/api/v1` },
    });
    if (tokenAnswer.status !== 200) throw new Error(`no admin token: ${tokenAnswer.status} ${tokenAnswer.body}`);
    const token = (JSON.parse(tokenAnswer.body) as { access_token: string }).access_token;
    const identities = (await database.db.selectFrom('identities').select('id').where('tenant_id', '=', tenant.id).limit(500).execute()).map((row) => row.id);
    await settle();
    receiver.arrivals = [];
    let sent = 0;
    const paced = await runPaced({
      rate: LATENCY_RATE,
      warmupMs: options.timing.warmupSeconds * 1000,
      durationMs: options.timing.durationSeconds * 1000,
      request: async () => {
        sent += 1;
        const id = identities[sent % identities.length]!;
        const answer = await client.request(`/admin/api/v1/tenants/${tenant.slug}/customers/${id}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${token}` },
          json: { traits: { given_name: `Bench ${sent}` } },
        });
        if (answer.status !== 200) throw new Error(`PATCH answered ${answer.status}`);
      },
    });
    await waitFor('the last profile changes delivered', () => receiver.arrivals.length >= paced.completed, 30_000).catch(() => {});
    const latencies = receiver.arrivals.map((arrival) => arrival.at - arrival.occurredAt).sort((a, b) => a - b);
    const latency = { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), events: latencies.length, rate: LATENCY_RATE };
    log(`webhooks: event to delivery at ${LATENCY_RATE}/s: p50 ${latency.p50} ms, p99 ${latency.p99} ms (${latencies.length} events; ${paced.failed} changes failed)`);
    await deleteSubscription(deps, tenant, latencySubscription, actor);

    // 3. Sign-ins without and with five subscriptions, alternating.
    const context = { server, http: client, seed, timing: options.timing, tokens: () => Promise.reject(new Error('not used')) };
    const without: ScenarioResult[] = [];
    const with5: ScenarioResult[] = [];
    await signIns(context); // unmeasured, as the main sign-in rounds do
    for (let round = 0; round < 2; round += 1) {
      without.push(await signIns(context));
      // No subscription takes sign-ins yet, so those recorded no event (ADR 26); the pause lets the
      // outbox finish anything else before the subscriptions are made.
      await settle();
      const ids: string[] = [];
      for (let index = 0; index < SUBSCRIBERS; index += 1) ids.push(await subscribe(['identity.signed_in']));
      await settle();
      receiver.arrivals = [];
      with5.push(await signIns(context));
      log(`webhooks: sign-ins round ${round + 1}: ${without.at(-1)!.perSecond.toFixed(1)}/s without subscriptions, ${with5.at(-1)!.perSecond.toFixed(1)}/s with ${SUBSCRIBERS} (${receiver.arrivals.length} deliveries meanwhile)`);
      for (const id of ids) await deleteSubscription(deps, tenant, id, actor);
      await settle();
    }
    const signInsWithout = median(without.map((run) => run.perSecond));
    const signInsWith = median(with5.map((run) => run.perSecond));
    return { deliveriesPerSecond, throughputEvents: THROUGHPUT_EVENTS, latency, signIns: { without: signInsWithout, with: signInsWith, subscribers: SUBSCRIBERS } };
  } finally {
    client.close();
    await database.close();
    await server.stop();
    await receiver.close();
  }
}
