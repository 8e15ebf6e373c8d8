// /tenants/{tenant}/consent-purposes: a tenant's consent purposes over the admin API (issue 15,
// docs/consent.md), and /tenants/{tenant}/customers/{id}/consents: where a customer stands on each
// purpose with their ledger, and an operator recording a customer's choice (given on paper, by
// phone, or imported from an earlier system), and /tenants/{tenant}/consent-purposes/{purpose}/ledger:
// a purpose's whole ledger as streamed JSON lines. Reading is `consents:read`, changing
// `consents:write`. A masked principal (analysts) sees ledger records without IP address or user agent.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import type { Purpose, PurposeInput, PurposeText } from '../../domain/privacy/purpose.ts';
import { LEGAL_BASES, MAX_VERSION, PURPOSE_KINDS } from '../../domain/privacy/purpose.ts';
import { createPurpose, deletePurpose, getPurpose, listPurposes, updatePurpose } from '../../domain/privacy/purposes.service.ts';
import type { ConsentRecord } from '../../domain/privacy/consent-record.ts';
import { changeConsents, consentsOf, exportPurposeLedger, ledgerOf } from '../../domain/privacy/ledger.ts';
import type { CustomerConsent } from '../../domain/privacy/ledger.ts';
import { ALL_TOPICS, listUnsubscribeHeaders, unsubscribeLinkOf } from '../../domain/privacy/unsubscribe.ts';
import { DEFAULT_LOCALE, LOCALES } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, principalOf, tenantOf } from './principal.ts';
import { CONFLICT, IDEMPOTENCY_HEADERS, IDEMPOTENCY_PROBLEMS, IF_MATCH_HEADERS, NO_CONTENT, PAGE_QUERY, PRECONDITION_FAILED, TENANT_PARAM, checkIfMatch, compareKeys, decodeCursor, etagOf, iso, listOf, pageOf, withEtag } from './conventions.ts';

const TAGS = ['consents'];
const PATH = '/tenants/:tenant/consent-purposes';
const ITEM = `${PATH}/:purpose`;
const CUSTOMER_CONSENTS = '/tenants/:tenant/customers/:id/consents';

const COLLECTION_PARAMS = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
const ITEM_PARAMS = { type: 'object', required: ['tenant', 'purpose'], properties: { ...TENANT_PARAM, purpose: { type: 'string', minLength: 1, maxLength: 63, description: 'The purpose’s id.' } } } as const;
const CUSTOMER_PARAMS = { type: 'object', required: ['tenant', 'id'], properties: { ...TENANT_PARAM, id: { type: 'string', minLength: 1, maxLength: 100, description: 'The customer’s id.' } } } as const;

const TEXT = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', minLength: 1, maxLength: 4000 } },
} as const;
const TEXTS = {
  type: 'object',
  description: 'Name and description per language (en, de, fr, es, pt-BR, it, nl, ja, zh-CN, ar); the tenant’s default language is required, and is shown where a language is missing.',
  additionalProperties: false,
  properties: Object.fromEntries(LOCALES.map((locale) => [locale, TEXT])),
} as const;
const TEXTS_PATCH = {
  ...TEXTS,
  description: 'A merge patch of the texts: languages sent are set, null removes one.',
  properties: Object.fromEntries(LOCALES.map((locale) => [locale, { ...TEXT, type: ['object', 'null'] }])),
} as const;

const PURPOSE = {
  $id: 'ConsentPurpose',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'kind', 'legal_basis', 'sale_or_sharing', 'texts', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    version: { type: 'integer', description: 'Raised when what is asked changes; customers are asked again for a required purpose at their next sign-in.' },
    kind: { type: 'string', enum: PURPOSE_KINDS, description: '`required` for the service (sign-up needs it); `optional`, unticked by default.' },
    legal_basis: { type: 'string', enum: LEGAL_BASES, description: 'GDPR Art. 6(1).' },
    sale_or_sharing: { type: 'boolean', description: 'Counts as sale or sharing of personal data: never granted by default, and not at all by default under Global Privacy Control (Sec-GPC: 1).' },
    texts: { type: 'object', additionalProperties: TEXT },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;
const PURPOSE_REF = { $ref: 'ConsentPurpose#' } as const;

const SETTABLE = {
  version: { type: 'integer', minimum: 1, maximum: MAX_VERSION },
  kind: { type: 'string', enum: PURPOSE_KINDS },
  legal_basis: { type: 'string', enum: LEGAL_BASES },
  sale_or_sharing: { type: 'boolean' },
} as const;

const RECORD = {
  $id: 'ConsentRecord',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'customer_id', 'purpose', 'version', 'text_hash', 'locale', 'action', 'at', 'client_id', 'ip', 'user_agent', 'method', 'gpc'],
  properties: {
    id: { type: 'string' },
    customer_id: { type: 'string' },
    purpose: { type: 'string' },
    version: { type: 'integer' },
    text_hash: { type: 'string', description: 'SHA-256 (hex) of the text shown: the name, a blank line, the description.' },
    locale: { type: 'string', description: 'The language of the text shown.' },
    action: { type: 'string', enum: ['granted', 'withdrawn'] },
    at: { type: 'string', format: 'date-time' },
    client_id: { type: ['string', 'null'], description: 'The application the customer came from.' },
    ip: { type: ['string', 'null'], description: 'Null for analysts, and after the customer’s erasure.' },
    user_agent: { type: ['string', 'null'] },
    method: { type: 'string', description: 'How: signup_page, signin_page, flows_api, account_page, account_api, unsubscribe_link, admin or import.' },
    gpc: { type: 'boolean', description: 'The request carried Sec-GPC: 1.' },
  },
} as const;

const STANDING = {
  type: 'object',
  additionalProperties: false,
  required: ['purpose', 'kind', 'version', 'granted', 'granted_version', 'granted_at'],
  properties: {
    purpose: { type: 'string' },
    kind: { type: 'string', enum: PURPOSE_KINDS },
    version: { type: 'integer', description: 'The purpose’s current version.' },
    granted: { type: 'boolean', description: 'Their latest record for it is a grant.' },
    granted_version: { type: ['integer', 'null'] },
    granted_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const CUSTOMER_CONSENTS_VIEW = {
  type: 'object',
  additionalProperties: false,
  required: ['purposes', 'records'],
  properties: { purposes: { type: 'array', items: STANDING }, records: { type: 'array', items: { $ref: 'ConsentRecord#' } } },
} as const;

type Body = { id?: string; version?: number; kind?: string; legal_basis?: string; sale_or_sharing?: boolean; texts?: Record<string, PurposeText | null> };

function purposeView(purpose: Purpose) {
  return {
    id: purpose.id,
    version: purpose.version,
    kind: purpose.kind,
    legal_basis: purpose.legalBasis,
    sale_or_sharing: purpose.saleOrSharing,
    // In the catalogue's order of languages, whatever order the database keeps JSON keys in (the ETag depends on it).
    texts: Object.fromEntries(LOCALES.filter((locale) => purpose.texts[locale]).map((locale) => [locale, purpose.texts[locale]])),
    created_at: iso(purpose.createdAt),
    updated_at: iso(purpose.updatedAt),
  };
}

/** One JSON line per record, gathered into chunks of about 64 kB; pulled, so it reads only as fast as it is sent. */
async function* ledgerLines(records: AsyncIterable<ConsentRecord>, masked: boolean): AsyncGenerator<string> {
  let chunk = '';
  for await (const record of records) {
    chunk += `${JSON.stringify(recordView(record, masked))}\n`;
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

function recordView(record: ConsentRecord, masked: boolean) {
  return {
    id: record.id,
    customer_id: record.identityId,
    purpose: record.purposeId,
    version: record.version,
    text_hash: record.textHash,
    locale: record.locale,
    action: record.action,
    at: iso(record.occurredAt),
    client_id: record.clientId,
    ip: masked ? null : record.ip,
    user_agent: masked ? null : record.userAgent,
    method: record.method,
    gpc: record.gpc,
  };
}

function standingView(consent: CustomerConsent) {
  return {
    purpose: consent.purpose.id,
    kind: consent.purpose.kind,
    version: consent.purpose.version,
    granted: consent.grantedVersion !== null,
    granted_version: consent.grantedVersion,
    granted_at: consent.grantedAt === null ? null : iso(consent.grantedAt),
  };
}

function inputOf(body: Body): PurposeInput {
  return { id: body.id, version: body.version, kind: body.kind, legalBasis: body.legal_basis, saleOrSharing: body.sale_or_sharing, texts: body.texts };
}

/** Domain refusals with the API's field names. */
function withApiFieldNames<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.problems.map((problem) => ({ ...problem, field: problem.field === 'legalBasis' ? 'legal_basis' : problem.field })), error.message);
  });
}

export async function consentRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(PURPOSE);
  app.addSchema(RECORD);
  const purposeIdOf = (request: FastifyRequest) => (request.params as { purpose: string }).purpose;
  const writeDeps = { transaction: deps.transaction };

  app.get(PATH, {
    schema: {
      operationId: 'listConsentPurposes',
      tags: TAGS,
      summary: 'List the consent purposes, by id',
      params: COLLECTION_PARAMS,
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf(PURPOSE_REF, 'A page of consent purposes.') },
    },
    config: { adminScope: 'consents:read' },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const after = decodeCursor(cursor, ['string']);
    // A tenant has tens of purposes: read whole, paged here by id.
    const rows = (await listPurposes(deps.stores, tenantOf(request).id)).filter((purpose) => after === undefined || compareKeys([purpose.id], after) > 0);
    return pageOf(rows.slice(0, limit + 1), limit, (purpose) => [purpose.id], purposeView);
  });

  app.post(PATH, {
    schema: {
      operationId: 'createConsentPurpose',
      tags: TAGS,
      summary: 'Create a consent purpose',
      params: COLLECTION_PARAMS,
      headers: IDEMPOTENCY_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'kind', 'legal_basis', 'texts'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 63, description: 'Lower-case letters, digits, "-" and "_", starting with a letter.' }, ...SETTABLE, texts: TEXTS },
      },
      response: { 201: PURPOSE_REF, ...CONFLICT, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: 'consents:write', idempotent: true },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const purpose = await withApiFieldNames(createPurpose(writeDeps, tenant, inputOf(request.body as Body), actorOf(request)));
    const view = purposeView(purpose);
    reply.code(201).header('location', `${deps.baseUrl}/tenants/${tenant.slug}/consent-purposes/${encodeURIComponent(purpose.id)}`).header('etag', etagOf(view));
    return view;
  });

  app.get(ITEM, {
    schema: { operationId: 'getConsentPurpose', tags: TAGS, summary: 'Read a consent purpose', params: ITEM_PARAMS, response: { 200: PURPOSE_REF } },
    config: { adminScope: 'consents:read' },
  }, async (request, reply) => withEtag(reply, purposeView(await getPurpose(deps.stores, tenantOf(request).id, purposeIdOf(request)))));

  app.patch(ITEM, {
    schema: {
      operationId: 'updateConsentPurpose',
      tags: TAGS,
      summary: 'Change a consent purpose (JSON Merge Patch; `version` may only go up)',
      description: 'Raising `version` makes a new version: a customer who granted an earlier version of a required purpose is asked again at their next sign-in.',
      params: ITEM_PARAMS,
      headers: IF_MATCH_HEADERS,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { ...SETTABLE, texts: TEXTS_PATCH } },
      response: { 200: PURPOSE_REF, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'consents:write' },
  }, async (request, reply) => {
    const updated = await withApiFieldNames(
      updatePurpose(writeDeps, tenantOf(request), purposeIdOf(request), inputOf(request.body as Body), actorOf(request), (current) => checkIfMatch(request, purposeView(current))),
    );
    return withEtag(reply, purposeView(updated));
  });

  app.delete(ITEM, {
    schema: {
      operationId: 'deleteConsentPurpose',
      tags: TAGS,
      summary: 'Delete a consent purpose (its ledger records and texts stay)',
      params: ITEM_PARAMS,
      headers: IF_MATCH_HEADERS,
      response: { ...NO_CONTENT, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'consents:write' },
  }, async (request, reply) => {
    await deletePurpose(writeDeps, tenantOf(request), purposeIdOf(request), actorOf(request), (current) => checkIfMatch(request, purposeView(current)));
    return reply.code(204).send();
  });

  app.get(`${ITEM}/ledger`, {
    schema: {
      operationId: 'exportPurposeLedger',
      tags: TAGS,
      summary: 'Export every ledger record of a purpose, oldest first, as JSON lines (streamed)',
      description: 'Every grant and withdrawal of the purpose with its proof, deleted purposes included (their records stay). Analysts get records without IP address or user agent.',
      params: ITEM_PARAMS,
      response: {
        200: {
          description: 'One ConsentRecord as JSON per line (JSON Lines), streamed.',
          content: { 'application/x-ndjson': { schema: { $ref: 'ConsentRecord#' } } },
        },
      },
    },
    config: { adminScope: 'consents:read' },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const purposeId = purposeIdOf(request);
    const { masked } = principalOf(request);
    // The id as asked for may be anything: only a purpose id's own characters go into a header.
    const fileName = `consents-${tenant.slug}-${purposeId.replace(/[^a-z0-9_-]/g, '_')}.jsonl`;
    reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`);
    return reply.send(Readable.from(ledgerLines(exportPurposeLedger(deps.stores, tenant.id, purposeId), masked), { objectMode: false }));
  });

  const customerOf = async (request: FastifyRequest) => {
    const id = (request.params as { id: string }).id;
    const identity = await deps.stores.identities.findById(tenantOf(request).id, id);
    if (!identity) throw new DomainError('identity.not_found', 'not_found', `This tenant has no customer "${id}".`, { id });
    return identity;
  };

  app.get(CUSTOMER_CONSENTS, {
    schema: {
      operationId: 'getCustomerConsents',
      tags: TAGS,
      summary: 'Where a customer stands on each purpose, and their ledger (oldest first)',
      params: CUSTOMER_PARAMS,
      response: { 200: CUSTOMER_CONSENTS_VIEW },
    },
    config: { adminScope: 'consents:read' },
  }, async (request) => {
    const tenantId = tenantOf(request).id;
    const identity = await customerOf(request);
    const { masked } = principalOf(request);
    const [standing, records] = await Promise.all([consentsOf(deps.stores, tenantId, identity.id), ledgerOf(deps.stores, tenantId, identity.id)]);
    return { purposes: standing.map(standingView), records: records.map((record) => recordView(record, masked)) };
  });

  app.get(`${CUSTOMER_CONSENTS}/unsubscribe-link`, {
    schema: {
      operationId: 'getCustomerUnsubscribeLink',
      tags: TAGS,
      summary: 'A one-click unsubscribe link for a customer and topic, and the mail headers that carry it (RFC 8058)',
      description: 'For mail the tenant sends its customers about a topic of its settings (`communication.topics`), or `*` for all of them: the link needs no sign-in, and turns the topic’s email off for this customer.',
      params: CUSTOMER_PARAMS,
      querystring: { type: 'object', required: ['topic'], additionalProperties: false, properties: { topic: { type: 'string', minLength: 1, maxLength: 63, description: 'A topic id of the tenant, or `*`.' } } },
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'headers'],
          properties: {
            url: { type: 'string', format: 'uri' },
            headers: {
              type: 'object',
              additionalProperties: false,
              required: ['List-Unsubscribe', 'List-Unsubscribe-Post'],
              properties: { 'List-Unsubscribe': { type: 'string' }, 'List-Unsubscribe-Post': { type: 'string' } },
            },
          },
        },
      },
    },
    config: { adminScope: 'consents:write' },
  }, async (request) => {
    const tenant = tenantOf(request);
    const identity = await customerOf(request);
    const { topic } = request.query as { topic: string };
    if (topic !== ALL_TOPICS && !(tenant.settings.communication?.topics ?? []).some((known) => known.id === topic)) {
      throw new ValidationError([{ field: 'topic', code: 'preferences.unknown', message: 'is not a topic of this tenant (its settings’ communication.topics), nor *' }]);
    }
    const url = unsubscribeLinkOf(deps.unsubscribeKey, deps.publicUrl, tenant, identity.id, topic);
    return { url, headers: listUnsubscribeHeaders(url) };
  });

  app.post(CUSTOMER_CONSENTS, {
    schema: {
      operationId: 'recordCustomerConsents',
      tags: TAGS,
      summary: 'Record a customer’s choices given outside Foyer (on paper, by phone, imported)',
      description: 'Each choice is appended to the ledger at the purpose’s current version, with the text in `locale` (the tenant’s default language otherwise); a choice that changes nothing is not recorded. A required purpose cannot be withdrawn.',
      params: CUSTOMER_PARAMS,
      headers: IDEMPOTENCY_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['choices'],
        properties: {
          choices: {
            type: 'array',
            minItems: 1,
            maxItems: 100,
            items: { type: 'object', additionalProperties: false, required: ['purpose', 'granted'], properties: { purpose: { type: 'string', minLength: 1, maxLength: 63 }, granted: { type: 'boolean' } } },
          },
          method: { type: 'string', enum: ['admin', 'import'], default: 'admin', description: '`import` for choices carried over from an earlier system.' },
          locale: { type: 'string', enum: LOCALES, description: 'The language the customer was shown the texts in.' },
          gpc: { type: 'boolean', default: false, description: 'The customer had expressed Global Privacy Control.' },
        },
      },
      response: { 200: CUSTOMER_CONSENTS_VIEW, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: 'consents:write', idempotent: true },
  }, async (request) => {
    const tenant = tenantOf(request);
    const identity = await customerOf(request);
    const body = request.body as { choices: { purpose: string; granted: boolean }[]; method: 'admin' | 'import'; locale?: Locale; gpc: boolean };
    const actor = actorOf(request);
    await changeConsents(writeDeps, tenant, identity.id, body.choices.map((choice) => ({ purposeId: choice.purpose, granted: choice.granted })), {
      locale: body.locale ?? tenant.settings.defaultLocale ?? DEFAULT_LOCALE,
      context: { method: body.method, gpc: body.gpc },
      operator: actor,
    });
    const { masked } = principalOf(request);
    const [standing, records] = await Promise.all([consentsOf(deps.stores, tenant.id, identity.id), ledgerOf(deps.stores, tenant.id, identity.id)]);
    return { purposes: standing.map(standingView), records: records.map((record) => recordView(record, masked)) };
  });
}
