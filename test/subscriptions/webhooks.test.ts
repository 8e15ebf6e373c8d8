// Webhook subscriptions through the admin API and real HTTP, on both engines: create (the secret
// shown once, Location, Idempotency-Key), read with ETag, merge patch under If-Match, refusals
// naming each field (an unknown event type, a metadata address, an unknown purpose), delete; a
// delivery that a real receiver verifies with the `standardwebhooks` package, in the envelope the
// catalogue documents; the delivery log; a rotation whose overlap signs with both secrets; a failing
// receiver retried, then dead-lettered and retried on request; a replay of a time range; and a slow
// receiver that holds back neither another subscriber nor sign-ins.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

type Created = { subscription: { id: string; secrets: { id: string; expires_at: string | null }[] }; secret: string };
type DeliveryView = { id: string; event_id: string; event_type: string; status: string; attempts: number; status_code: number | null; latency_ms: number | null; error: string | null; replay: boolean };

describeEachEngine('webhook subscriptions', (current) => {
  let server: TestServer;
  let writer: string;
  let reader: string;
  let receiver: WebhookReceiver;

  before(async () => {
    server = await createTestServer(current().engine, { WEBHOOK_TIMEOUT_MS: '3000' });
    await createTenant(server, 'acme');
    await createTenant(server, 'globex');
    writer = await machineToken(server, ['subscriptions:read', 'subscriptions:write', 'customers:write', 'customers:read', 'customers:erase', 'consents:write']);
    reader = await machineToken(server, ['subscriptions:read']);
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver.close();
    await server.stop();
  });

  const deliverNow = async () => {
    await server.outboxDispatcher.runOnce();
    await server.subscriptionDispatcher.runOnce();
  };
  const subscribe = async (tenant: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const created = await callAdmin(server, writer, 'POST', `/tenants/${tenant}/subscriptions`, { body, headers });
    assert.equal(created.statusCode, 201, created.body);
    return created;
  };
  const createCustomer = async (tenant: string, traits: Record<string, unknown>) => {
    const created = await callAdmin(server, writer, 'POST', `/tenants/${tenant}/customers`, { body: { traits } });
    assert.equal(created.statusCode, 201, created.body);
    return created.json<{ id: string }>().id;
  };
  const logOf = async (tenant: string, id: string, query = '') => (await callAdmin(server, reader, 'GET', `/tenants/${tenant}/subscriptions/${id}/deliveries${query}`)).json<{ items: DeliveryView[] }>().items;

  test('create shows the secret once; read with ETag; merge patch under If-Match; refusals name each field; another tenant’s subscription is 404', async () => {
    const headers = { 'idempotency-key': 'sub-create-1' };
    const body = { url: receiver.url, event_types: ['identity.created'], fields: ['email'], description: 'CRM' };
    const created = await subscribe('globex', body, headers);
    const { subscription, secret } = created.json<Created>();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.match(String(created.headers['location']), new RegExp(`/tenants/globex/subscriptions/${subscription.id}$`));
    assert.equal(subscription.secrets.length, 1);
    assert.doesNotMatch(JSON.stringify(subscription), /whsec_/);
    const again = await callAdmin(server, writer, 'POST', '/tenants/globex/subscriptions', { body, headers });
    assert.deepEqual(again.json(), created.json(), 'a repeat with the same Idempotency-Key gets the first answer');

    const read = await callAdmin(server, reader, 'GET', `/tenants/globex/subscriptions/${subscription.id}`);
    assert.equal(read.statusCode, 200);
    assert.doesNotMatch(read.body, /whsec_/);
    const stale = await callAdmin(server, writer, 'PATCH', `/tenants/globex/subscriptions/${subscription.id}`, { body: { enabled: false }, headers: { 'if-match': '"stale"' } });
    assert.equal(stale.statusCode, 412);
    const patched = await callAdmin(server, writer, 'PATCH', `/tenants/globex/subscriptions/${subscription.id}`, { body: { enabled: false, fields: ['email', 'given_name'] }, headers: { 'if-match': String(read.headers['etag']) } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json<{ enabled: boolean; fields: string[] }>().fields, ['email', 'given_name']);
    assert.equal((await callAdmin(server, reader, 'GET', `/tenants/acme/subscriptions/${subscription.id}`)).statusCode, 404);
    assert.equal((await callAdmin(server, reader, 'POST', '/tenants/globex/subscriptions', { body })).statusCode, 403);

    const refused = await callAdmin(server, writer, 'POST', '/tenants/globex/subscriptions', { body: { url: 'http://169.254.169.254/latest/meta-data', event_types: ['identity.created'], purpose: 'nope' } });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json<{ errors: { field: string }[] }>().errors.map((problem) => problem.field), ['url']);
    const unknownPurpose = await callAdmin(server, writer, 'POST', '/tenants/globex/subscriptions', { body: { url: receiver.url, event_types: ['identity.created'], purpose: 'nope' } });
    assert.equal(unknownPurpose.statusCode, 400);
    assert.equal(unknownPurpose.json<{ errors: { field: string; code: string }[] }>().errors[0]?.field, 'purpose');
    const internal = await callAdmin(server, writer, 'POST', '/tenants/globex/subscriptions', { body: { url: receiver.url, event_types: ['browser_sessions.ended'] } });
    assert.equal(internal.statusCode, 400, 'internal events are never offered to subscribers');
    const noNats = await callAdmin(server, writer, 'POST', '/tenants/globex/subscriptions', { body: { kind: 'nats', event_types: ['identity.created'] } });
    assert.equal(noNats.statusCode, 400);
    assert.equal(noNats.json<{ errors: { code: string }[] }>().errors[0]?.code, 'subscription.nats_not_configured');

    const gone = await callAdmin(server, writer, 'DELETE', `/tenants/globex/subscriptions/${subscription.id}`);
    assert.equal(gone.statusCode, 204);
    assert.equal((await callAdmin(server, reader, 'GET', `/tenants/globex/subscriptions/${subscription.id}`)).statusCode, 404);
  });

  test('a delivery is signed (verified with standardwebhooks), in the documented envelope, scrubbed to the allow-list, and logged', async () => {
    const { subscription, secret } = (await subscribe('acme', { url: receiver.url, event_types: ['identity.created', 'identity.updated'], fields: ['email', 'given_name'] })).json<Created>();
    receiver.secrets = [secret];
    const before = receiver.received.length;
    const customer = await createCustomer('acme', { email: uniqueEmail('signed'), given_name: 'Ada', family_name: 'Secret-Family-Name', name: 'Ada Secret-Family-Name' });
    const [delivered] = (await receiver.waitFor(before + 1)).slice(before);
    assert.deepEqual(delivered!.verifiedWith, [0], 'the signature verifies with the subscription’s secret');
    assert.match(String(delivered!.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
    const body = delivered!.body;
    assert.equal(body.type, 'identity.created');
    assert.equal(body.tenant, 'acme');
    assert.equal(body.customer, customer);
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
    assert.deepEqual(Object.keys(body.data['traits'] as object).sort(), ['email', 'given_name']);
    assert.doesNotMatch(delivered!.raw, /Secret-Family-Name/);
    assert.deepEqual((body.data['addresses'] as { kind: string }[]).map((address) => address.kind), ['email']);

    // The receiver has the body before the node records its answer: wait for the log to say so.
    let log = await logOf('acme', subscription.id);
    for (let tries = 0; tries < 100 && log[0]?.status === 'pending'; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      log = await logOf('acme', subscription.id);
    }
    assert.equal(log.length, 1);
    assert.equal(log[0]!.id, delivered!.id, 'webhook-id is the delivery’s id');
    assert.equal(log[0]!.status, 'delivered');
    assert.equal(log[0]!.status_code, 200);
    assert.equal(typeof log[0]!.latency_ms, 'number');
    await callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${subscription.id}`);
  });

  test('a sign-in is recorded only while a subscription of its tenant takes identity.signed_in, and then delivered with the method and no personal data', async () => {
    const email = uniqueEmail('signs-in');
    const password = 'a long passphrase for webhooks';
    const created = await callAdmin(server, writer, 'POST', '/tenants/acme/customers', { body: { traits: { email }, password, verified: true } });
    assert.equal(created.statusCode, 201, created.body);
    const customer = created.json<{ id: string }>().id;
    const signIn = async () => {
      const flow = await server.app.inject({ method: 'POST', url: '/t/acme/flows/login' });
      assert.equal(flow.statusCode, 201, flow.body);
      const signedIn = await server.app.inject({ method: 'POST', url: `/t/acme/flows/login/${flow.json<{ id: string }>().id}`, payload: { identifier: email, password } });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
    };
    const signInRows = async () => (await server.database.db.selectFrom('outbox_events').select('id').where('aggregate_id', '=', customer).where('type', '=', 'identity.signed_in').execute()).length;
    // Nobody takes sign-ins (another tenant's subscription does not count): the sign-in writes no outbox row.
    const elsewhere = (await subscribe('globex', { url: receiver.url, event_types: ['identity.signed_in'] })).json<Created>().subscription;
    const other = (await subscribe('acme', { url: receiver.url, event_types: ['identity.created'] })).json<Created>().subscription;
    await signIn();
    assert.equal(await signInRows(), 0, 'no subscription of the tenant takes identity.signed_in: no outbox row');
    await callAdmin(server, writer, 'DELETE', `/tenants/globex/subscriptions/${elsewhere.id}`);
    await callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${other.id}`);

    const { subscription, secret } = (await subscribe('acme', { url: receiver.url, event_types: ['identity.signed_in'] })).json<Created>();
    receiver.secrets = [secret];
    const before = receiver.received.length;
    await signIn();
    assert.equal(await signInRows(), 1);
    const [delivered] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(delivered!.body.type, 'identity.signed_in');
    assert.equal(delivered!.body.customer, customer);
    assert.deepEqual(delivered!.body.data, { method: 'password', amr: ['pwd'], acr: delivered!.body.data['acr'] });
    assert.doesNotMatch(delivered!.raw, new RegExp(email));
    await callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${subscription.id}`);
  });

  test('a rotated secret keeps signing beside the new one through the overlap', async () => {
    const { subscription, secret: first } = (await subscribe('acme', { url: receiver.url, event_types: ['identity.created'] })).json<Created>();
    const rotated = await callAdmin(server, writer, 'POST', `/tenants/acme/subscriptions/${subscription.id}/secrets`, { body: { overlap_seconds: 3600 } });
    assert.equal(rotated.statusCode, 201, rotated.body);
    const { secret: second, subscription: after } = rotated.json<Created>();
    assert.notEqual(second, first);
    assert.equal(after.secrets.length, 2);
    assert.ok(after.secrets.some((secret) => secret.expires_at !== null));
    receiver.secrets = [first, second];
    const before = receiver.received.length;
    await createCustomer('acme', { email: uniqueEmail('rotated') });
    const [delivered] = (await receiver.waitFor(before + 1)).slice(before);
    assert.deepEqual(delivered!.verifiedWith, [0, 1], 'either secret verifies');
    assert.equal(String(delivered!.headers['webhook-signature']).split(' ').length, 2);
    // No overlap: the old secret stops at once.
    const third = (await callAdmin(server, writer, 'POST', `/tenants/acme/subscriptions/${subscription.id}/secrets`, { body: { overlap_seconds: 0 } })).json<Created>().secret;
    receiver.secrets = [first, second, third];
    const next = receiver.received.length;
    await createCustomer('acme', { email: uniqueEmail('rotated-again') });
    const [later] = (await receiver.waitFor(next + 1)).slice(next);
    assert.deepEqual(later!.verifiedWith, [2]);
    await callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${subscription.id}`);
  });

  test('a failing receiver is retried with backoff; after 24 hours the delivery is a dead letter, retried on request', async () => {
    const failing = await startWebhookReceiver();
    try {
      failing.answer = () => ({ status: 503 });
      const { subscription } = (await subscribe('acme', { url: failing.url, event_types: ['identity.created'] })).json<Created>();
      await createCustomer('acme', { email: uniqueEmail('failing') });
      await deliverNow();
      let [entry] = await logOf('acme', subscription.id);
      assert.equal(entry!.status, 'pending');
      assert.equal(entry!.status_code, 503);
      assert.equal(entry!.attempts, 1);
      const retryIn = Date.parse((entry as DeliveryView & { next_attempt_at: string }).next_attempt_at) - Date.now();
      assert.ok(retryIn > 2_000 && retryIn < 7_000, `the first retry comes about 5 s later (±25 %), not ${retryIn} ms`);
      // A day later, the next failure gives up.
      await server.database.db.updateTable('event_deliveries').set({ started_at: Date.now() - 25 * 3_600_000, available_at: Date.now() - 1 }).where('subscription_id', '=', subscription.id).execute();
      await server.subscriptionDispatcher.runOnce();
      [entry] = await logOf('acme', subscription.id, '?status=dead');
      assert.equal(entry?.status, 'dead');
      assert.equal(entry!.attempts, 2);
      failing.answer = () => ({ status: 204 });
      const retried = await callAdmin(server, writer, 'POST', `/tenants/acme/subscriptions/${subscription.id}/deliveries/retry`, { body: {} });
      assert.equal(retried.statusCode, 200, retried.body);
      assert.deepEqual(retried.json(), { retried: 1 });
      await server.subscriptionDispatcher.runOnce();
      await failing.waitFor(1);
      [entry] = await logOf('acme', subscription.id);
      assert.equal(entry!.status, 'delivered');
      assert.equal(entry!.status_code, 204);
      await callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${subscription.id}`);
    } finally {
      await failing.close();
    }
  });

  test('a replay delivers the retained events of a time range again, with the filters as they are now', async () => {
    const replayed = await startWebhookReceiver();
    try {
      const from = new Date(Date.now() - 1000).toISOString();
      const emails = [uniqueEmail('replay-a'), uniqueEmail('replay-b')];
      for (const email of emails) await createCustomer('acme', { email, family_name: 'Hidden' });
      await deliverNow();
      const to = new Date(Date.now() + 1000).toISOString();
      const { subscription } = (await subscribe('acme', { url: replayed.url, event_types: ['identity.created'], fields: ['email'] })).json<Created>();
      const replay = await callAdmin(server, writer, 'POST', `/tenants/acme/subscriptions/${subscription.id}/replay`, { body: { from, to } });
      assert.equal(replay.statusCode, 202, replay.body);
      assert.ok(replay.json<{ queued: number }>().queued >= 2);
      await server.subscriptionDispatcher.runOnce();
      const got = await replayed.waitFor(2);
      const delivered = got.map((hook) => (hook.body.data['traits'] as { email: string }).email);
      for (const email of emails) assert.ok(delivered.includes(email), `${email} replayed`);
      assert.doesNotMatch(got.map((hook) => hook.raw).join(), /Hidden/);
      assert.ok((await logOf('acme', subscription.id)).every((entry) => entry.replay));
      await callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${subscription.id}`);
    } finally {
      await replayed.close();
    }
  });

  test('a slow receiver holds back neither another subscriber nor sign-ups', async () => {
    const slow = await startWebhookReceiver();
    const fast = await startWebhookReceiver();
    try {
      slow.answer = () => ({ status: 200, delayMs: 2_500 });
      const a = (await subscribe('acme', { url: slow.url, event_types: ['identity.created'] })).json<Created>().subscription;
      const b = (await subscribe('acme', { url: fast.url, event_types: ['identity.created'] })).json<Created>().subscription;
      const started = Date.now();
      for (let index = 0; index < 5; index += 1) await createCustomer('acme', { email: uniqueEmail(`slow-${index}`) });
      const created = Date.now() - started;
      await fast.waitFor(5, 2_000);
      assert.ok(Date.now() - started < 2_400, 'the fast receiver got all five while the slow one still holds its first');
      assert.ok(created < 2_000, `creating customers did not wait for the slow receiver (${created} ms)`);
      await slow.waitFor(5, 10_000);
      for (const id of [a.id, b.id]) await callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${id}`);
    } finally {
      await slow.close();
      await fast.close();
    }
  });
});
