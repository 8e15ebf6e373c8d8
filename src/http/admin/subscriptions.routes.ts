// /tenants/{tenant}/subscriptions: a tenant's event subscriptions over the admin API (issue 15,
// docs/events.md): webhooks and NATS JetStream, with their event types, field allow-list and
// purpose filter; the signing secret (shown once, at creation and at each rotation), the delivery
// log, dead letters retried, and a time range replayed. Reading is `subscriptions:read`, changing
// `subscriptions:write`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../domain/errors.ts';
import type { Subscription, SubscriptionInput, SubscriptionKind } from '../../domain/subscriptions/subscription.ts';
import { MAX_FIELDS, SUBSCRIBABLE_EVENTS, SUBSCRIPTION_KINDS } from '../../domain/subscriptions/subscription.ts';
import type { Delivery, DeliveryStatus } from '../../domain/subscriptions/subscription.port.ts';
import {
  DEFAULT_OVERLAP_MS,
  MAX_OVERLAP_MS,
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replayEvents,
  retryDeadLetters,
  rotateSecret,
  updateSubscription,
} from '../../domain/subscriptions/subscriptions.service.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, tenantOf } from './principal.ts';
import { IDEMPOTENCY_HEADERS, IDEMPOTENCY_PROBLEMS, IF_MATCH_HEADERS, NO_CONTENT, PAGE_QUERY, PRECONDITION_FAILED, TENANT_PARAM, checkIfMatch, decodeCursor, encodeCursor, iso, listOf, withEtag } from './conventions.ts';

const TAGS = ['events'];
const PATH = '/tenants/:tenant/subscriptions';
const ITEM = `${PATH}/:id`;

const COLLECTION_PARAMS = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
const ITEM_PARAMS = { type: 'object', required: ['tenant', 'id'], properties: { ...TENANT_PARAM, id: { type: 'string', minLength: 1, maxLength: 100, description: 'The subscription’s id.' } } } as const;

const EVENT_TYPES = { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: { type: 'string', enum: SUBSCRIBABLE_EVENTS }, description: 'The events delivered (the catalogue: /admin/api/v1/asyncapi.json).' } as const;
const FIELDS = {
  type: 'array',
  maxItems: MAX_FIELDS,
  items: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' },
  description: 'The customer’s fields that may leave Foyer: trait names, and `email` / `phone` for addresses. Every other field is scrubbed from the events.',
} as const;
const PURPOSE = { type: ['string', 'null'], minLength: 1, maxLength: 63, description: 'A consent purpose: events about a customer are delivered only while they have granted it (its withdrawal and their erasure are always delivered).' } as const;
const URL_FIELD = { type: ['string', 'null'], minLength: 1, maxLength: 2000, description: 'The webhook’s URL: https in production, never to a loopback, private, link-local or metadata address.' } as const;

const SECRET_VIEW = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'created_at', 'expires_at'],
  properties: { id: { type: 'string' }, created_at: { type: 'string', format: 'date-time' }, expires_at: { type: ['string', 'null'], format: 'date-time', description: 'A rotated-out secret signs until then.' } },
} as const;

const SUBSCRIPTION = {
  $id: 'EventSubscription',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'url', 'description', 'event_types', 'fields', 'purpose', 'enabled', 'secrets', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: SUBSCRIPTION_KINDS, description: '`webhook` (signed HTTP POST) or `nats` (JetStream, subject foyer.<tenant>.<event type>).' },
    url: { type: ['string', 'null'] },
    description: { type: 'string' },
    event_types: { type: 'array', items: { type: 'string' } },
    fields: { type: 'array', items: { type: 'string' } },
    purpose: { type: ['string', 'null'] },
    enabled: { type: 'boolean', description: 'A disabled subscription gets no new events; what was pending waits.' },
    secrets: { type: 'array', items: SECRET_VIEW, description: 'The secrets signing now (never their values).' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;
const SUBSCRIPTION_REF = { $ref: 'EventSubscription#' } as const;
const WITH_SECRET = {
  type: 'object',
  additionalProperties: false,
  required: ['subscription', 'secret'],
  properties: { subscription: SUBSCRIPTION_REF, secret: { type: 'string', description: 'The Standard Webhooks signing secret (whsec_…), shown this once.' } },
} as const;

const DELIVERY = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'event_id', 'event_type', 'customer', 'occurred_at', 'status', 'attempts', 'replay', 'last_attempt_at', 'status_code', 'latency_ms', 'error', 'next_attempt_at', 'finished_at'],
  properties: {
    id: { type: 'string', description: 'Also the `webhook-id` header (and the NATS message id).' },
    event_id: { type: 'string' },
    event_type: { type: 'string' },
    customer: { type: ['string', 'null'] },
    occurred_at: { type: 'string', format: 'date-time' },
    status: { type: 'string', enum: ['pending', 'delivered', 'dead'], description: '`dead`: given up after 24 hours of retries; retry it with …/deliveries/retry.' },
    attempts: { type: 'integer' },
    replay: { type: 'boolean' },
    last_attempt_at: { type: ['string', 'null'], format: 'date-time' },
    status_code: { type: ['integer', 'null'], description: 'The receiver’s answer to the last attempt (null: not reached, or NATS).' },
    latency_ms: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    next_attempt_at: { type: ['string', 'null'], format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

type Body = { kind?: SubscriptionKind; url?: string | null; description?: string; event_types?: string[]; fields?: string[]; purpose?: string | null; enabled?: boolean };

function inputOf(body: Body): SubscriptionInput {
  return { kind: body.kind, url: body.url, description: body.description, eventTypes: body.event_types, fields: body.fields, purposeId: body.purpose, enabled: body.enabled };
}

function subscriptionView(subscription: Subscription, now = Date.now()) {
  return {
    id: subscription.id,
    kind: subscription.kind,
    url: subscription.url,
    description: subscription.description,
    event_types: [...subscription.eventTypes],
    fields: [...subscription.fields],
    purpose: subscription.purposeId,
    enabled: subscription.enabled,
    secrets: subscription.secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now).map((secret) => ({ id: secret.id, created_at: iso(secret.createdAt), expires_at: secret.expiresAt === null ? null : iso(secret.expiresAt) })),
    created_at: iso(subscription.createdAt),
    updated_at: iso(subscription.updatedAt),
  };
}

function deliveryView(delivery: Delivery) {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    customer: delivery.aggregate.type === 'identity' ? delivery.aggregate.id : null,
    occurred_at: iso(delivery.occurredAt),
    status: delivery.status,
    attempts: delivery.attempts,
    replay: delivery.origin !== 'live',
    last_attempt_at: delivery.lastAttemptAt === null ? null : iso(delivery.lastAttemptAt),
    status_code: delivery.lastStatusCode,
    latency_ms: delivery.lastLatencyMs,
    error: delivery.lastError,
    next_attempt_at: delivery.status === 'pending' ? iso(delivery.availableAt) : null,
    finished_at: delivery.finishedAt === null ? null : iso(delivery.finishedAt),
  };
}

/** Domain refusals with the API's field names. */
function withApiFieldNames<T>(work: Promise<T>): Promise<T> {
  const names: Record<string, string> = { eventTypes: 'event_types', purposeId: 'purpose' };
  return work.catch((error: unknown) => {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.problems.map((problem) => ({ ...problem, field: names[problem.field] ?? problem.field })), error.message);
  });
}

export async function subscriptionRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(SUBSCRIPTION);
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const writeDeps = { transaction: deps.transaction, secretBox: deps.secretBox, ...deps.subscriptions };

  app.get(PATH, {
    schema: {
      operationId: 'listEventSubscriptions',
      tags: TAGS,
      summary: 'List the event subscriptions, by id',
      params: COLLECTION_PARAMS,
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf(SUBSCRIPTION_REF, 'A page of event subscriptions.') },
    },
    config: { adminScope: 'subscriptions:read' },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const after = decodeCursor(cursor, ['string']);
    // A tenant has a handful of subscriptions: read whole, paged here by id.
    const rows = (await listSubscriptions(deps.stores, tenantOf(request).id)).filter((subscription) => after === undefined || subscription.id > String(after[0]));
    const items = rows.slice(0, limit);
    return { items: items.map((subscription) => subscriptionView(subscription)), next_cursor: rows.length > limit ? encodeCursor([items.at(-1)!.id]) : null };
  });

  app.post(PATH, {
    schema: {
      operationId: 'createEventSubscription',
      tags: TAGS,
      summary: 'Subscribe a webhook or NATS JetStream to the tenant’s events',
      description: 'The answer holds the signing secret, shown this once. Webhooks are signed with the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature).',
      params: COLLECTION_PARAMS,
      headers: IDEMPOTENCY_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['event_types'],
        properties: {
          kind: { type: 'string', enum: SUBSCRIPTION_KINDS, default: 'webhook' },
          url: URL_FIELD,
          description: { type: 'string', maxLength: 500 },
          event_types: EVENT_TYPES,
          fields: FIELDS,
          purpose: PURPOSE,
          enabled: { type: 'boolean' },
        },
      },
      response: { 201: WITH_SECRET, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: 'subscriptions:write', idempotent: true },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const { subscription, secret } = await withApiFieldNames(createSubscription(writeDeps, tenant, inputOf(request.body as Body), actorOf(request)));
    reply.code(201).header('location', `${deps.baseUrl}/tenants/${tenant.slug}/subscriptions/${subscription.id}`);
    return { subscription: subscriptionView(subscription), secret };
  });

  app.get(ITEM, {
    schema: { operationId: 'getEventSubscription', tags: TAGS, summary: 'Read an event subscription', params: ITEM_PARAMS, response: { 200: SUBSCRIPTION_REF } },
    config: { adminScope: 'subscriptions:read' },
  }, async (request, reply) => withEtag(reply, subscriptionView(await getSubscription(deps.stores, tenantOf(request).id, idOf(request)))));

  app.patch(ITEM, {
    schema: {
      operationId: 'updateEventSubscription',
      tags: TAGS,
      summary: 'Change an event subscription (JSON Merge Patch)',
      params: ITEM_PARAMS,
      headers: IF_MATCH_HEADERS,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { url: URL_FIELD, description: { type: 'string', maxLength: 500 }, event_types: EVENT_TYPES, fields: FIELDS, purpose: PURPOSE, enabled: { type: 'boolean' } } },
      response: { 200: SUBSCRIPTION_REF, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'subscriptions:write' },
  }, async (request, reply) => {
    const updated = await withApiFieldNames(updateSubscription(writeDeps, tenantOf(request), idOf(request), inputOf(request.body as Body), actorOf(request), (current) => checkIfMatch(request, subscriptionView(current))));
    return withEtag(reply, subscriptionView(updated));
  });

  app.delete(ITEM, {
    schema: { operationId: 'deleteEventSubscription', tags: TAGS, summary: 'Delete an event subscription (what it had pending is not delivered)', params: ITEM_PARAMS, headers: IF_MATCH_HEADERS, response: { ...NO_CONTENT, ...PRECONDITION_FAILED } },
    config: { adminScope: 'subscriptions:write' },
  }, async (request, reply) => {
    await deleteSubscription(writeDeps, tenantOf(request), idOf(request), actorOf(request), (current) => checkIfMatch(request, subscriptionView(current)));
    return reply.code(204).send();
  });

  app.post(`${ITEM}/secrets`, {
    schema: {
      operationId: 'rotateEventSubscriptionSecret',
      tags: TAGS,
      summary: 'Rotate the signing secret; the previous one keeps signing through the overlap',
      description: 'Until the overlap ends, each delivery carries a signature per secret (webhook-signature: "v1,… v1,…"), so receivers verify with either while they switch.',
      params: ITEM_PARAMS,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { overlap_seconds: { type: 'integer', minimum: 0, maximum: MAX_OVERLAP_MS / 1000, default: DEFAULT_OVERLAP_MS / 1000, description: 'How long the previous secret keeps signing (24 hours by default, 7 days at most).' } } },
      response: { 201: WITH_SECRET },
    },
    config: { adminScope: 'subscriptions:write' },
  }, async (request, reply) => {
    const body = (request.body ?? {}) as { overlap_seconds?: number };
    const overlapMs = (body.overlap_seconds ?? DEFAULT_OVERLAP_MS / 1000) * 1000;
    const { subscription, secret } = await rotateSecret(writeDeps, tenantOf(request), idOf(request), overlapMs, actorOf(request));
    reply.code(201);
    return { subscription: subscriptionView(subscription), secret };
  });

  app.get(`${ITEM}/deliveries`, {
    schema: {
      operationId: 'listEventDeliveries',
      tags: TAGS,
      summary: 'The delivery log, newest first: status, attempts, the receiver’s status code and latency',
      params: ITEM_PARAMS,
      querystring: { type: 'object', additionalProperties: false, properties: { ...PAGE_QUERY, status: { type: 'string', enum: ['pending', 'delivered', 'dead'], description: '`dead`: the dead letters.' } } },
      response: { 200: listOf(DELIVERY, 'A page of deliveries.') },
    },
    config: { adminScope: 'subscriptions:read' },
  }, async (request) => {
    const { limit, cursor, status } = request.query as { limit: number; cursor?: string; status?: DeliveryStatus };
    const after = decodeCursor(cursor, ['string']);
    const rows = await listDeliveries(deps.stores, tenantOf(request).id, idOf(request), { status, before: after === undefined ? undefined : String(after[0]), limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items: items.map(deliveryView), next_cursor: rows.length > limit ? encodeCursor([items.at(-1)!.id]) : null };
  });

  app.post(`${ITEM}/deliveries/retry`, {
    schema: {
      operationId: 'retryEventDeadLetters',
      tags: TAGS,
      summary: 'Retry dead letters (all of them, or those named), for another 24 hours',
      params: ITEM_PARAMS,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { ids: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 100 } } } },
      response: { 200: { type: 'object', additionalProperties: false, required: ['retried'], properties: { retried: { type: 'integer' } } } },
    },
    config: { adminScope: 'subscriptions:write' },
  }, async (request) => {
    const body = (request.body ?? {}) as { ids?: string[] };
    const retried = await retryDeadLetters({ transaction: deps.transaction }, tenantOf(request), idOf(request), body.ids, actorOf(request));
    return { retried };
  });

  app.post(`${ITEM}/replay`, {
    schema: {
      operationId: 'replayEvents',
      tags: TAGS,
      summary: 'Deliver again the events of a time range (as far back as EVENT_RETENTION_DAYS), with the subscription’s filters as they are now',
      params: ITEM_PARAMS,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time', description: 'Exclusive.' } },
      },
      response: { 202: { type: 'object', additionalProperties: false, required: ['replay', 'queued'], properties: { replay: { type: 'string' }, queued: { type: 'integer', description: 'Deliveries queued.' } } } },
    },
    config: { adminScope: 'subscriptions:write' },
  }, async (request, reply) => {
    const body = request.body as { from: string; to: string };
    const { replayId, queued } = await replayEvents({ stores: deps.stores }, tenantOf(request), idOf(request), { from: Date.parse(body.from), to: Date.parse(body.to) }, actorOf(request));
    reply.code(202);
    return { replay: replayId, queued };
  });
}


