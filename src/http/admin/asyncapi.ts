// The event catalogue as an AsyncAPI 3.0 document, beside the admin API's OpenAPI one
// (/admin/api/v1/asyncapi.json): every event a subscriber may receive (the catalogue's entries that
// are not internal, domain/events/catalogue.ts), its summary and its data's JSON Schema, in the
// envelope webhooks and NATS carry, with the Standard Webhooks headers and the NATS subjects.
// Generated from the catalogue itself, so the two cannot drift.
import { EVENT_CATALOGUE } from '../../domain/events/catalogue.ts';
import { SUBSCRIBABLE_EVENTS } from '../../domain/subscriptions/subscription.ts';

/** AsyncAPI ids allow letters, digits, `_` and `-`: `identity.created` → `identity_created`. */
const idOf = (name: string) => name.replace(/\./g, '_');

const REDACTED = { type: 'object', properties: { redacted: { const: true } }, required: ['redacted'], description: 'The customer was erased since: their earlier events carry nothing else.' } as const;

function envelope(name: string, data: Readonly<Record<string, unknown>>) {
  return {
    type: 'object',
    required: ['id', 'type', 'timestamp', 'tenant', 'customer', 'application', 'data'],
    properties: {
      id: { type: 'string', description: 'The event’s id (UUIDv7): the same in every delivery of it.' },
      type: { const: name },
      timestamp: { type: 'string', format: 'date-time', description: 'When it happened.' },
      tenant: { type: 'string', description: 'The tenant’s slug.' },
      customer: { type: ['string', 'null'], description: 'The customer the event is about; null for events about a tenant or an application.' },
      application: { type: ['string', 'null'], description: 'The application (client id) the event names, if any.' },
      data: { oneOf: [data, REDACTED] },
    },
  };
}

const WEBHOOK_HEADERS = {
  type: 'object',
  required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  properties: {
    'webhook-id': { type: 'string', description: 'The delivery’s id, the same on every retry: deduplicate on it.' },
    'webhook-timestamp': { type: 'string', description: 'Seconds since the epoch, when it was signed.' },
    'webhook-signature': { type: 'string', description: 'Standard Webhooks: `v1,<base64 HMAC-SHA256>` per signing secret, separated by spaces (two during a rotation’s overlap).' },
  },
} as const;

export function asyncApiDocument(adminApiUrl: string) {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const name of SUBSCRIBABLE_EVENTS) {
    const definition = EVENT_CATALOGUE[name];
    const id = idOf(name);
    messages[id] = {
      name,
      title: name,
      summary: definition.summary,
      contentType: 'application/json',
      headers: WEBHOOK_HEADERS,
      payload: envelope(name, definition.schema),
      ...(definition.personalData ? { description: 'Carries personal data: only the fields in the subscription’s allow-list, everything else scrubbed.' } : {}),
    };
    channels[id] = {
      address: `foyer.{tenant}.${name}`,
      title: name,
      summary: definition.summary,
      description: 'On NATS JetStream, this subject of the stream FOYER; to a webhook, a POST to its URL.',
      parameters: { tenant: { description: 'The tenant’s slug.' } },
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`receive_${id}`] = {
      action: 'receive',
      title: `Receive ${name}`,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Foyer events',
      version: '1',
      description:
        'The events a tenant’s subscriptions receive, by webhook (signed with Standard Webhooks) or on NATS JetStream. ' +
        `Subscriptions are made through the admin API (${adminApiUrl}/tenants/{tenant}/subscriptions); delivery is at least once, in order per customer.`,
    },
    defaultContentType: 'application/json',
    servers: {
      nats: { host: '{natsHost}', protocol: 'nats', description: 'The NATS server of NATS_URL (JetStream, stream FOYER).', variables: { natsHost: { default: '127.0.0.1:4222' } } },
    },
    channels,
    operations,
    components: { messages },
  };
}
