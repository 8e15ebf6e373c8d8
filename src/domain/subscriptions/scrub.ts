// What a subscriber receives of an event: the envelope (id, type, time, tenant, customer,
// application) and the data scrubbed down to the subscription's field allow-list. Events whose
// catalogue entry carries no personal data go as they are; the others keep only the allowed
// traits, the addresses of allowed kinds (`email`, `phone`), the allowed names among `changed`, and
// `externalId` when `external_id` is allowed.
// Anything else in such a payload is dropped, so a field added to an event later never leaks by
// default. An erased customer's earlier events carry `{ redacted: true }` and nothing more.
import { EVENT_CATALOGUE } from '../events/catalogue.ts';
import type { EventName } from '../events/catalogue.ts';

type Data = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function scrubbedData(type: string, payload: Data, fields: readonly string[]): Data {
  if (payload['redacted'] === true) return { redacted: true };
  const definition = Object.hasOwn(EVENT_CATALOGUE, type) ? EVENT_CATALOGUE[type as EventName] : undefined;
  if (definition && !definition.personalData) return payload;
  const allowed = new Set(fields);
  const data: Record<string, unknown> = {};
  const { changed, traits, addresses } = payload;
  if (Object.hasOwn(payload, 'externalId') && allowed.has('external_id')) data['externalId'] = payload['externalId'];
  if (Array.isArray(changed)) data['changed'] = changed.filter((name) => typeof name === 'string' && allowed.has(name));
  if (isRecord(traits)) data['traits'] = Object.fromEntries(Object.entries(traits).filter(([name]) => allowed.has(name)));
  if (Array.isArray(addresses)) {
    data['addresses'] = addresses
      .filter((address): address is Record<string, unknown> => isRecord(address) && typeof address['kind'] === 'string' && allowed.has(address['kind']))
      .map((address) => ({ kind: address['kind'], value: address['value'], verified: address['verifiedAt'] !== null && address['verifiedAt'] !== undefined }));
  }
  return data;
}

/** The JSON a subscriber receives (Standard Webhooks' `type`, `timestamp`, `data`, with Foyer's ids beside them). */
type EventEnvelope = {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly tenant: string;
  /** The customer the event is about; null for events about a tenant or an application. */
  readonly customer: string | null;
  /** The application (client id) the event names, if any. */
  readonly application: string | null;
  readonly data: Data;
};

export function envelopeOf(delivery: { eventId: string; eventType: string; occurredAt: number; aggregate: { type: string; id: string }; data: Data }, tenantSlug: string): EventEnvelope {
  const { data } = delivery;
  const application = typeof data['applicationId'] === 'string' ? data['applicationId'] : typeof data['clientId'] === 'string' ? data['clientId'] : null;
  return {
    id: delivery.eventId,
    type: delivery.eventType,
    timestamp: new Date(delivery.occurredAt).toISOString(),
    tenant: tenantSlug,
    customer: delivery.aggregate.type === 'identity' ? delivery.aggregate.id : null,
    application,
    data,
  };
}
