// The event catalogue as an AsyncAPI 3.0 document beside the OpenAPI one, on both engines: public,
// one channel, operation and message per event a subscriber may receive (none for internal ones),
// every $ref resolving; and what a real receiver gets for a customer's life (created, updated,
// blocked, unblocked, a purpose granted and withdrawn, erased) validates against the document's
// message schemas, so the document and the payloads cannot drift apart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describeEachEngine } from '../helpers/engines.ts';
import { createTestServer } from '../helpers/test-server.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { createTenant, uniqueEmail } from '../helpers/oidc-clients.ts';
import { callAdmin, machineToken } from '../helpers/admin.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import { EVENT_CATALOGUE, INTERNAL_EVENTS } from '../../src/domain/events/catalogue.ts';

type AsyncApi = {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  components: { messages: Record<string, { name: string; summary: string; payload: Record<string, unknown> }> };
};

function resolve(document: unknown, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), ref);
  return ref.slice(2).split('/').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], document);
}

describeEachEngine('the AsyncAPI document of the events', (current) => {
  let server: TestServer;
  let document: AsyncApi;

  before(async () => {
    server = await createTestServer(current().engine);
    await createTenant(server, 'acme');
    const answer = await server.app.inject({ method: 'GET', url: '/admin/api/v1/asyncapi.json' });
    assert.equal(answer.statusCode, 200, 'public, as the OpenAPI document is');
    document = answer.json<AsyncApi>();
  });
  after(() => server.stop());

  test('one channel, operation and message per event a subscriber may receive; every $ref resolves', () => {
    assert.equal(document.asyncapi, '3.0.0');
    const offered = Object.keys(EVENT_CATALOGUE).filter((name) => !INTERNAL_EVENTS.includes(name as never));
    assert.deepEqual(Object.values(document.components.messages).map((message) => message.name).sort(), offered.sort());
    for (const name of INTERNAL_EVENTS) assert.doesNotMatch(JSON.stringify(document.channels), new RegExp(name.replace('.', '\\.')));
    for (const [id, channel] of Object.entries(document.channels)) {
      assert.match(id, /^[A-Za-z0-9_-]+$/);
      assert.match(channel.address, /^foyer\.\{tenant\}\./);
      for (const message of Object.values(channel.messages)) assert.ok(resolve(document, message.$ref), message.$ref);
    }
    for (const operation of Object.values(document.operations)) {
      assert.equal(operation.action, 'receive');
      assert.ok(resolve(document, operation.channel.$ref));
      for (const message of operation.messages) assert.ok(resolve(document, message.$ref), message.$ref);
    }
  });

  test('what a receiver gets for a customer’s life validates against the document’s message schemas', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validators = new Map(Object.values(document.components.messages).map((message) => [message.name, ajv.compile(message.payload)]));
    const receiver = await startWebhookReceiver();
    try {
      const token = await machineToken(server, ['subscriptions:write', 'customers:write', 'customers:support', 'customers:erase', 'consents:write']);
      const purpose = await callAdmin(server, token, 'POST', '/tenants/acme/consent-purposes', { body: { id: 'news', kind: 'optional', legal_basis: 'consent', texts: { en: { name: 'News', description: 'Letters.' } } } });
      assert.equal(purpose.statusCode, 201);
      const types = ['identity.created', 'identity.updated', 'identity.blocked', 'identity.unblocked', 'identity.deleted', 'session.revoked', 'purpose_consent.granted', 'purpose_consent.withdrawn'];
      assert.equal((await callAdmin(server, token, 'POST', '/tenants/acme/subscriptions', { body: { url: receiver.url, event_types: types, fields: ['email', 'given_name'] } })).statusCode, 201);
      const customer = (await callAdmin(server, token, 'POST', '/tenants/acme/customers', { body: { traits: { email: uniqueEmail('life'), given_name: 'Life' } } })).json<{ id: string }>().id;
      const steps = [
        () => callAdmin(server, token, 'PATCH', `/tenants/acme/customers/${customer}`, { body: { traits: { given_name: 'Changed' } }, headers: { 'content-type': 'application/merge-patch+json' } }),
        () => callAdmin(server, token, 'POST', `/tenants/acme/customers/${customer}/consents`, { body: { choices: [{ purpose: 'news', granted: true }] } }),
        () => callAdmin(server, token, 'POST', `/tenants/acme/customers/${customer}/consents`, { body: { choices: [{ purpose: 'news', granted: false }] } }),
        () => callAdmin(server, token, 'POST', `/tenants/acme/customers/${customer}/block`),
        () => callAdmin(server, token, 'POST', `/tenants/acme/customers/${customer}/unblock`),
        () => callAdmin(server, token, 'DELETE', `/tenants/acme/customers/${customer}`),
      ];
      for (const step of steps) assert.ok((await step()).statusCode < 300);
      await server.outboxDispatcher.runOnce();
      await server.subscriptionDispatcher.runOnce();
      const got = await receiver.waitFor(7);
      const seen = new Set<string>();
      for (const hook of got) {
        const validate = validators.get(hook.body.type);
        assert.ok(validate, `${hook.body.type} is in the document`);
        assert.ok(validate(hook.body), `${hook.body.type}: ${JSON.stringify(validate.errors)}`);
        seen.add(hook.body.type);
      }
      for (const type of ['identity.created', 'identity.updated', 'purpose_consent.granted', 'purpose_consent.withdrawn', 'identity.blocked', 'identity.unblocked', 'identity.deleted']) assert.ok(seen.has(type), type);
    } finally {
      await receiver.close();
    }
  });
});
