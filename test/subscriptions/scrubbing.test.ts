// What leaves Foyer, on both engines: the field allow-list (a property test: whatever traits
// customers have, no trait outside the list, nor its value, ever appears in a delivered payload),
// the purpose filter (no delivery about a customer without the purpose; the withdrawal itself is
// delivered, later events are not), and erasure (`identity.deleted` with the id only, and earlier
// deliveries still to go leave redacted).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';

type Created = { subscription: { id: string }; secret: string };

const TRAIT_NAMES = ['email', 'name', 'given_name', 'family_name', 'nickname', 'birthdate', 'city', 'loyalty_tier', 'phone_number', 'locale'];
/** Any string trait goes: the allow-list, not the schema, decides what leaves. */
const OPEN_SCHEMA = { type: 'object', properties: { email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } } }, required: ['email'], additionalProperties: { type: 'string' } };

describeEachEngine('what leaves Foyer', (current) => {
  let server: TestServer;
  let writer: string;
  let receiver: WebhookReceiver;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme', { identitySchema: OPEN_SCHEMA } as never);
    writer = await machineToken(server, ['subscriptions:read', 'subscriptions:write', 'customers:write', 'customers:read', 'customers:erase', 'consents:read', 'consents:write']);
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
  const subscribe = async (body: Record<string, unknown>) => {
    const created = await callAdmin(server, writer, 'POST', '/tenants/acme/subscriptions', { body });
    assert.equal(created.statusCode, 201, created.body);
    return created.json<Created>().subscription.id;
  };
  const remove = (id: string) => callAdmin(server, writer, 'DELETE', `/tenants/acme/subscriptions/${id}`);

  test('no field outside the allow-list ever appears in a delivered payload (property)', async () => {
    const received = receiver.received;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(TRAIT_NAMES),
        fc.dictionary(fc.constantFrom(...TRAIT_NAMES.filter((name) => name !== 'email')), fc.stringMatching(/^[a-z]{3,12}$/), { minKeys: 1 }),
        fc.dictionary(fc.constantFrom(...TRAIT_NAMES.filter((name) => name !== 'email')), fc.stringMatching(/^[a-z]{3,12}$/)),
        async (allowed, traits, changes) => {
          // Every value is marked, so a leak shows whatever its place in the payload.
          const mark = (name: string, value: string) => `V-${name}-${value}`;
          const stored = Object.fromEntries(Object.entries(traits).map(([name, value]) => [name, mark(name, value)]));
          const id = await subscribe({ url: receiver.url, event_types: ['identity.created', 'identity.updated'], fields: allowed });
          const start = received.length;
          const email = uniqueEmail('allow');
          const created = await callAdmin(server, writer, 'POST', '/tenants/acme/customers', { body: { traits: { email, ...stored } } });
          assert.equal(created.statusCode, 201, created.body);
          const customer = created.json<{ id: string }>().id;
          const patch = Object.fromEntries(Object.entries(changes).map(([name, value]) => [name, mark(name, `${value}x`)]));
          const expected = Object.keys(patch).length > 0 ? 2 : 1;
          if (expected === 2) assert.equal((await callAdmin(server, writer, 'PATCH', `/tenants/acme/customers/${customer}`, { body: { traits: patch }, headers: { 'content-type': 'application/merge-patch+json' } })).statusCode, 200);
          await deliverNow();
          await receiver.waitFor(start + expected);
          const mine = received.slice(start).filter((hook) => hook.body.customer === customer);
          assert.equal(mine.length, expected);
          const every = { ...stored, ...patch, email };
          for (const hook of mine) {
            const traitsSent = (hook.body.data['traits'] ?? {}) as Record<string, unknown>;
            for (const name of Object.keys(traitsSent)) assert.ok(allowed.includes(name), `${name} left without being allowed`);
            for (const name of (hook.body.data['changed'] ?? []) as string[]) assert.ok(allowed.includes(name), `the name ${name} left without being allowed`);
            for (const [name, value] of Object.entries(every)) {
              if (!allowed.includes(name)) assert.ok(!hook.raw.includes(value), `${name}'s value left without being allowed`);
            }
            for (const address of (hook.body.data['addresses'] ?? []) as { kind: string }[]) assert.ok(allowed.includes(address.kind));
            if (allowed.includes('email') && hook.body.type === 'identity.created') assert.equal(traitsSent['email'], email);
          }
          await remove(id);
        },
      ),
      { numRuns: 12 },
    );
  });

  test('purpose filter: nothing about a customer without the purpose; the withdrawal is delivered, later events are not', async () => {
    const purpose = await callAdmin(server, writer, 'POST', '/tenants/acme/consent-purposes', { body: { id: 'marketing', kind: 'optional', legal_basis: 'consent', texts: { en: { name: 'Marketing', description: 'Offers.' } } } });
    assert.equal(purpose.statusCode, 201, purpose.body);
    const id = await subscribe({ url: receiver.url, event_types: ['identity.updated', 'purpose_consent.granted', 'purpose_consent.withdrawn', 'identity.blocked'], fields: ['given_name'], purpose: 'marketing' });
    const customerOf = async (label: string) => (await callAdmin(server, writer, 'POST', '/tenants/acme/customers', { body: { traits: { email: uniqueEmail(label) } } })).json<{ id: string }>().id;
    const consenting = await customerOf('consenting');
    const refusing = await customerOf('refusing');
    const choose = async (customer: string, granted: boolean) => assert.equal((await callAdmin(server, writer, 'POST', `/tenants/acme/customers/${customer}/consents`, { body: { choices: [{ purpose: 'marketing', granted }] } })).statusCode, 200);
    const rename = async (customer: string, name: string) => assert.equal((await callAdmin(server, writer, 'PATCH', `/tenants/acme/customers/${customer}`, { body: { traits: { given_name: name } }, headers: { 'content-type': 'application/merge-patch+json' } })).statusCode, 200);
    const start = receiver.received.length;
    await choose(consenting, true);
    await rename(consenting, 'Granted');
    await rename(refusing, 'Never');
    await deliverNow();
    await choose(consenting, false);
    await rename(consenting, 'AfterWithdrawal');
    await deliverNow();
    await receiver.waitFor(start + 3);
    await deliverNow();
    const got = receiver.received.slice(start);
    assert.deepEqual(got.map((hook) => [hook.body.type, hook.body.customer]), [
      ['purpose_consent.granted', consenting],
      ['identity.updated', consenting],
      ['purpose_consent.withdrawn', consenting],
    ]);
    assert.doesNotMatch(got.map((hook) => hook.raw).join(), /Never|AfterWithdrawal/);
    const log = (await callAdmin(server, writer, 'GET', `/tenants/acme/subscriptions/${id}/deliveries`)).json<{ items: unknown[] }>().items;
    assert.equal(log.length, 3, 'nothing about the customer without the purpose was even queued');
    await remove(id);
  });

  test('erasure: identity.deleted carries the id only, and deliveries still to go leave redacted', async () => {
    const failing = await startWebhookReceiver();
    try {
      failing.answer = () => ({ status: 500 });
      const id = await subscribe({ url: failing.url, event_types: ['identity.created', 'identity.deleted'], fields: ['email', 'family_name'] });
      const email = uniqueEmail('erased');
      const customer = (await callAdmin(server, writer, 'POST', '/tenants/acme/customers', { body: { traits: { email, family_name: 'Erasable' } } })).json<{ id: string }>().id;
      await deliverNow();
      assert.equal(failing.received.length, 0);
      assert.equal((await callAdmin(server, writer, 'DELETE', `/tenants/acme/customers/${customer}`)).statusCode, 204);
      failing.answer = () => ({ status: 200 });
      await server.outboxDispatcher.runOnce();
      // The failed one's retry is due now rather than in 5 s.
      await server.database.db.updateTable('event_deliveries').set({ available_at: Date.now() }).where('subscription_id', '=', id).where('status', '=', 'pending').execute();
      await server.subscriptionDispatcher.runOnce();
      const got = await failing.waitFor(2);
      assert.deepEqual(got.map((hook) => hook.body.type), ['identity.created', 'identity.deleted'], 'in order for the customer');
      assert.deepEqual(got[0]!.body.data, { redacted: true });
      assert.deepEqual(got[1]!.body.data, {});
      assert.equal(got[1]!.body.customer, customer);
      assert.doesNotMatch(got.map((hook) => hook.raw).join(), /Erasable|erased-/);
      const stored = await server.database.db.selectFrom('event_deliveries').select('data').where('aggregate_id', '=', customer).execute();
      assert.doesNotMatch(JSON.stringify(stored), /Erasable|erased-/);
      await remove(id);
    } finally {
      await failing.close();
    }
  });

  test('retention: delivered and dead deliveries older than EVENT_RETENTION_DAYS are pruned, pending ones stay', async () => {
    const id = await subscribe({ url: receiver.url, event_types: ['identity.created'] });
    const start = receiver.received.length;
    await callAdmin(server, writer, 'POST', '/tenants/acme/customers', { body: { traits: { email: uniqueEmail('kept') } } });
    await deliverNow();
    await receiver.waitFor(start + 1);
    const week = 7 * 24 * 3_600_000;
    await server.database.db.updateTable('event_deliveries').set({ finished_at: Date.now() - week - 60_000 }).where('subscription_id', '=', id).execute();
    assert.equal(await server.stores.deliveries.pruneFinished(Date.now() - week, 100), 1);
    assert.equal((await server.database.db.selectFrom('event_deliveries').select('id').where('subscription_id', '=', id).execute()).length, 0);
    await remove(id);
  });
});
