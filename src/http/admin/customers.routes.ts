// /tenants/{tenant}/customers: a tenant's customers over the admin API (docs/admin-api.md). Each
// handler parses, calls one use case of domain/customers or domain/identity (the ones `foyer users`
// calls), and renders. Scopes: reading is `customers:read`; creating and changing traits
// `customers:write`; acting on the account without changing its data (block, unblock, the recovery
// and verification emails, ending sessions and grants) `customers:support`; erasure `customers:erase`. A
// principal whose customer data is masked (analysts) sees lists and customers as maskCustomer
// renders them, may not search by what names a person, and sees sessions and activity without
// where they came from (no address, no user agent, no details).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Identity } from '../../domain/identity/identity.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { AuditEvent } from '../../domain/audit/audit.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { blockIdentity, createIdentityByOperator, deleteIdentity, unblockIdentity } from '../../domain/identity/identities.service.ts';
import { traitSchemaOf } from '../../domain/identity/traits.ts';
import type { CustomerSummary } from '../../domain/customers/customer-search.ts';
import { getCustomer, searchCustomers } from '../../domain/customers/customer-search.ts';
import { maskCustomer } from '../../domain/customers/masking.ts';
import { patchCustomerTraits } from '../../domain/customers/customer-traits.ts';
import { resendVerificationEmail, sendRecoveryEmail } from '../../domain/customers/customer-mail.ts';
import { listCustomerGrants, listCustomerSessions, revokeAllCustomerSessions, revokeCustomerGrant, revokeCustomerSession } from '../../domain/customers/customer-access.ts';
import { customerActivity } from '../../domain/customers/customer-activity.ts';
import { resetCustomerSecondFactors } from '../../domain/customers/customer-second-factors.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, principalOf, tenantOf } from './principal.ts';
import { CONFLICT, IDEMPOTENCY_HEADERS, IDEMPOTENCY_PROBLEMS, IF_MATCH_HEADERS, NO_CONTENT, PAGE_QUERY, PRECONDITION_FAILED, TENANT_PARAM, checkIfMatch, etagOf, iso, listOf } from './conventions.ts';
import { CUSTOMER, CUSTOMER_LIST_QUERY, CUSTOMER_REF, GRANT, MASKED_CUSTOMER, SESSION, ACTIVITY_ENTRY, SENT_EMAIL, CREATE_BODY, PATCH_BODY } from './customers.schemas.ts';

const TAGS = ['customers'];
const PATH = '/tenants/:tenant/customers';
const ITEM = `${PATH}/:id`;

const COLLECTION_PARAMS = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
const ID = { id: { type: 'string', minLength: 1, maxLength: 100, description: 'The customer’s id.' } } as const;
const ITEM_PARAMS = { type: 'object', required: ['tenant', 'id'], properties: { ...TENANT_PARAM, ...ID } } as const;
const SESSION_PARAMS = { type: 'object', required: ['tenant', 'id', 'session_id'], properties: { ...TENANT_PARAM, ...ID, session_id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const GRANT_PARAMS = { type: 'object', required: ['tenant', 'id', 'client_id'], properties: { ...TENANT_PARAM, ...ID, client_id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** Criteria that name a person: a masked principal may not search by them (a list by email would unmask it). */
const PERSONAL_CRITERIA = ['email', 'email_prefix', 'identifier', 'identifier_prefix', 'name', 'external_id', 'trait_name', 'trait_value'] as const;

type ListQuery = {
  limit: number;
  cursor?: string;
  email?: string;
  email_prefix?: string;
  identifier?: string;
  identifier_prefix?: string;
  name?: string;
  status?: 'active' | 'blocked';
  verified?: boolean;
  external_id?: string;
  created_after?: string;
  created_before?: string;
  last_sign_in_after?: string;
  last_sign_in_before?: string;
  trait_name?: string;
  trait_value?: string;
};

/** The customer as the API shows it; its ETag covers all of it but the last sign-in, which changes without the customer changing. */
function customerView(identity: Identity) {
  return {
    id: identity.id,
    external_id: identity.externalId,
    status: identity.status,
    traits: identity.traits,
    addresses: identity.addresses.map((address) => ({ kind: address.kind, value: address.value, verified: address.verifiedAt !== null, verified_at: address.verifiedAt === null ? null : iso(address.verifiedAt) })),
    metadata_public: identity.metadataPublic,
    metadata_admin: identity.metadataAdmin,
    created_at: iso(identity.createdAt),
    updated_at: iso(identity.updatedAt),
  };
}

function summaryView(summary: CustomerSummary, masked: boolean) {
  if (masked) {
    const view = maskCustomer(summary);
    return { id: view.id, status: view.status, masked_email: view.maskedEmail, email_verified: view.emailVerified, created_at: iso(view.createdAt), last_signed_in_at: view.lastSignedInAt === null ? null : iso(view.lastSignedInAt) };
  }
  return { ...customerView(summary.identity), last_signed_in_at: summary.lastSignedInAt === null ? null : iso(summary.lastSignedInAt) };
}

function activityView(entry: AuditEvent, masked: boolean) {
  return {
    id: entry.id,
    at: iso(entry.occurredAt),
    action: entry.action,
    outcome: entry.outcome,
    actor: { type: entry.actor.type, id: entry.actor.id ?? null },
    ip: masked ? null : (entry.context?.ip ?? null),
    user_agent: masked ? null : (entry.context?.userAgent ?? null),
    details: masked ? {} : (entry.details ?? {}),
  };
}

/** RFC 3339 query times as epoch milliseconds; ValidationError naming each that is not one. */
function timesOf(query: ListQuery): Record<'created_after' | 'created_before' | 'last_sign_in_after' | 'last_sign_in_before', number | undefined> {
  const problems = [];
  const out: Record<string, number | undefined> = {};
  for (const name of ['created_after', 'created_before', 'last_sign_in_after', 'last_sign_in_before'] as const) {
    const given = query[name];
    const time = given === undefined ? undefined : Date.parse(given);
    if (time !== undefined && Number.isNaN(time)) problems.push({ field: name, code: 'field.format', message: 'must be an RFC 3339 date-time', params: { format: 'date-time' } });
    out[name] = time;
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return out as ReturnType<typeof timesOf>;
}

export async function customerRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  for (const schema of [CUSTOMER, MASKED_CUSTOMER, SESSION, GRANT, ACTIVITY_ENTRY]) app.addSchema(schema);
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const searchDeps = { stores: deps.stores };
  const accessDeps = { stores: deps.stores, transaction: deps.transaction };
  const identityDeps = { transaction: deps.transaction };
  const locationOf = (tenant: Tenant, id: string) => `${deps.baseUrl}/tenants/${tenant.slug}/customers/${encodeURIComponent(id)}`;
  /** The customer now, with the ETag of their representation, or 404. */
  const current = async (request: FastifyRequest) => customerView((await getCustomer(searchDeps, tenantOf(request).id, idOf(request))).identity);

  app.get(PATH, {
    schema: {
      operationId: 'listCustomers',
      tags: TAGS,
      summary: 'List and search the customers, newest first',
      description: 'Every criterion given must hold. Email and identifiers match exactly or by prefix, names by prefix, a trait’s value exactly; text is compared in any case. Analysts get masked customers and may filter by status, verified and times only.',
      params: COLLECTION_PARAMS,
      querystring: { type: 'object', additionalProperties: false, properties: { ...PAGE_QUERY, ...CUSTOMER_LIST_QUERY } },
      response: { 200: listOf({ anyOf: [CUSTOMER_REF, { $ref: 'MaskedCustomer#' }] }, 'A page of customers.') },
    },
    config: { adminScope: 'customers:read' },
  }, async (request) => {
    const query = request.query as ListQuery;
    const { masked } = principalOf(request);
    if (masked) {
      const named = PERSONAL_CRITERIA.filter((name) => query[name] !== undefined);
      if (named.length > 0) throw new DomainError('token.insufficient_scope', 'forbidden', `Customer data is masked for this credential: ${named.join(', ')} cannot be searched by.`);
    }
    const tenant = tenantOf(request);
    const criteria = { ...query, ...timesOf(query) };
    const page = await searchCustomers(searchDeps, { id: tenant.id, schema: traitSchemaOf(tenant.settings) }, criteria, { limit: query.limit, cursor: query.cursor });
    return { items: page.items.map((item) => summaryView(item, masked)), next_cursor: page.nextCursor };
  });

  app.post(PATH, {
    schema: {
      operationId: 'createCustomer',
      tags: TAGS,
      summary: 'Create a customer (traits checked against the tenant’s schema)',
      params: COLLECTION_PARAMS,
      headers: IDEMPOTENCY_HEADERS,
      body: CREATE_BODY,
      response: { 201: CUSTOMER_REF, ...CONFLICT, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: 'customers:write', idempotent: true },
  }, async (request, reply) => {
    const body = request.body as { traits: Record<string, unknown>; password?: string; verified?: boolean | string[]; external_id?: string };
    const tenant = tenantOf(request);
    const input = { traits: body.traits, password: body.password, verified: body.verified, externalId: body.external_id };
    const identity = await createIdentityByOperator({ ...identityDeps, tenants: deps.stores.tenants, breachedCheck: deps.breachedCheck }, tenant.id, input, actorOf(request));
    const view = { ...customerView(identity), last_signed_in_at: null };
    reply.code(201).header('location', locationOf(tenant, identity.id)).header('etag', etagOf(customerView(identity)));
    return view;
  });

  app.get(ITEM, {
    schema: { operationId: 'getCustomer', tags: TAGS, summary: 'Read a customer (masked for analysts)', params: ITEM_PARAMS, response: { 200: { anyOf: [CUSTOMER_REF, { $ref: 'MaskedCustomer#' }] } } },
    config: { adminScope: 'customers:read' },
  }, async (request, reply) => {
    const summary = await getCustomer(searchDeps, tenantOf(request).id, idOf(request));
    reply.header('etag', etagOf(customerView(summary.identity)));
    return summaryView(summary, principalOf(request).masked);
  });

  app.patch(ITEM, {
    schema: {
      operationId: 'updateCustomer',
      tags: TAGS,
      summary: 'Change traits by JSON Merge Patch (RFC 7396), and the external id; a new email moves the address and the password identifier',
      params: ITEM_PARAMS,
      headers: IF_MATCH_HEADERS,
      body: PATCH_BODY,
      response: { 200: CUSTOMER_REF, ...CONFLICT, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'customers:write' },
  }, async (request, reply) => {
    const body = request.body as { traits?: Record<string, unknown>; email_verified?: boolean; external_id?: string | null };
    const tenant = tenantOf(request);
    // Checked on the customer as the transaction reads them, so no change slips in between.
    const precondition = (identity: Identity) => checkIfMatch(request, customerView(identity));
    const identity = await patchCustomerTraits(identityDeps, tenant, idOf(request), { traits: body.traits, externalId: body.external_id, emailVerified: body.email_verified, precondition }, actorOf(request));
    const summary = await getCustomer(searchDeps, tenant.id, identity.id);
    reply.header('etag', etagOf(customerView(summary.identity)));
    return summaryView(summary, false);
  });

  app.delete(ITEM, {
    schema: { operationId: 'eraseCustomer', tags: TAGS, summary: 'Erase a customer for good (profile, credentials, sessions, tokens; the audit log keeps only the id)', params: ITEM_PARAMS, headers: IF_MATCH_HEADERS, response: { ...NO_CONTENT, ...PRECONDITION_FAILED } },
    config: { adminScope: 'customers:erase' },
  }, async (request, reply) => {
    checkIfMatch(request, await current(request));
    await deleteIdentity(identityDeps, tenantOf(request).id, idOf(request), actorOf(request));
    return reply.code(204).send();
  });

  for (const [action, summary] of [['block', 'Block: sign-in is refused and every session and token ends'], ['unblock', 'Unblock: the customer may sign in again']] as const) {
    app.post(`${ITEM}/${action}`, {
      schema: { operationId: `${action}Customer`, tags: TAGS, summary, params: ITEM_PARAMS, response: { 200: CUSTOMER_REF } },
      config: { adminScope: 'customers:support' },
    }, async (request, reply) => {
      const tenantId = tenantOf(request).id;
      if (action === 'block') await blockIdentity(identityDeps, tenantId, idOf(request), actorOf(request));
      else await unblockIdentity(identityDeps, tenantId, idOf(request), actorOf(request));
      const now = await getCustomer(searchDeps, tenantId, idOf(request));
      reply.header('etag', etagOf(customerView(now.identity)));
      return summaryView(now, false);
    });
  }

  for (const [path, operationId, summary, send] of [
    ['recovery-email', 'sendCustomerRecoveryEmail', 'Send the recovery email (the link sets a new password)', sendRecoveryEmail],
    ['verification-email', 'sendCustomerVerificationEmail', 'Send the verification email again', resendVerificationEmail],
  ] as const) {
    app.post(`${ITEM}/${path}`, {
      schema: { operationId, tags: TAGS, summary, params: ITEM_PARAMS, response: { 202: SENT_EMAIL, ...CONFLICT } },
      config: { adminScope: 'customers:support' },
    }, async (request, reply) => {
      const sent = await send(deps.selfService, tenantOf(request), idOf(request), actorOf(request));
      return reply.code(202).send({ sent_to: sent.address, expires_at: iso(sent.expiresAt) });
    });
  }

  app.delete(`${ITEM}/second-factors`, {
    schema: {
      operationId: 'resetCustomerSecondFactors',
      tags: TAGS,
      summary: 'Reset the customer’s second factors: the authenticator app, the recovery codes, the number for texted codes, codes by email and the remembered browsers go (passkeys too with passkeys=true), and the customer is told by email',
      params: ITEM_PARAMS,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { passkeys: { type: 'boolean', default: false, description: 'Remove the customer’s passkeys too. By default they stay: a passkey is also a way to sign in without a password.' } },
      },
      response: { ...NO_CONTENT, ...CONFLICT },
    },
    config: { adminScope: 'customers:mfa_reset' },
  }, async (request, reply) => {
    const { passkeys } = request.query as { passkeys?: boolean };
    await resetCustomerSecondFactors({ transaction: deps.transaction }, tenantOf(request), idOf(request), actorOf(request), { passkeys: passkeys === true });
    return reply.code(204).send();
  });

  app.get(`${ITEM}/sessions`, {
    schema: { operationId: 'listCustomerSessions', tags: TAGS, summary: 'The customer’s live sessions (browsers and apps; for analysts without address and user agent)', params: ITEM_PARAMS, response: { 200: { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', items: { $ref: 'CustomerSession#' } } } } } },
    config: { adminScope: 'customers:read' },
  }, async (request) => {
    // Where a person signs in from names them: not for a masked principal.
    const { masked } = principalOf(request);
    const sessions = await listCustomerSessions(accessDeps, tenantOf(request).id, idOf(request));
    return {
      items: sessions.map((session) => ({
        id: session.id,
        kind: session.kind,
        user_agent: masked ? null : (session.userAgent ?? null),
        ip: masked ? null : (session.ip ?? null),
        signed_in_at: iso(session.signedInAt),
        last_seen_at: session.lastSeenAt === undefined ? null : iso(session.lastSeenAt),
        expires_at: iso(session.expiresAt),
        applications: [...session.applications],
      })),
    };
  });

  app.delete(`${ITEM}/sessions`, {
    schema: { operationId: 'revokeCustomerSessions', tags: TAGS, summary: 'End every session and everything they authorised (the customer may sign in again)', params: ITEM_PARAMS, response: NO_CONTENT },
    config: { adminScope: 'customers:support' },
  }, async (request, reply) => {
    await revokeAllCustomerSessions(accessDeps, tenantOf(request).id, idOf(request), actorOf(request));
    return reply.code(204).send();
  });

  app.delete(`${ITEM}/sessions/:session_id`, {
    schema: { operationId: 'revokeCustomerSession', tags: TAGS, summary: 'End one session', params: SESSION_PARAMS, response: NO_CONTENT },
    config: { adminScope: 'customers:support' },
  }, async (request, reply) => {
    const { session_id: sessionId } = request.params as { session_id: string };
    await revokeCustomerSession(accessDeps, tenantOf(request).id, idOf(request), sessionId, actorOf(request));
    return reply.code(204).send();
  });

  app.get(`${ITEM}/grants`, {
    schema: { operationId: 'listCustomerGrants', tags: TAGS, summary: 'The applications the customer let in', params: ITEM_PARAMS, response: { 200: { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', items: { $ref: 'CustomerGrant#' } } } } } },
    config: { adminScope: 'customers:read' },
  }, async (request) => {
    const grants = await listCustomerGrants(accessDeps, tenantOf(request).id, idOf(request));
    return {
      items: grants.map((grant) => ({
        client_id: grant.clientId,
        name: grant.name,
        scopes: [...grant.scopes],
        resource_scopes: Object.fromEntries(Object.entries(grant.resourceScopes).map(([resource, scopes]) => [resource, [...scopes]])),
        granted_at: iso(grant.grantedAt),
        updated_at: iso(grant.updatedAt),
      })),
    };
  });

  app.delete(`${ITEM}/grants/:client_id`, {
    schema: { operationId: 'revokeCustomerGrant', tags: TAGS, summary: 'Take an application’s access away (its consent, grants and tokens)', params: GRANT_PARAMS, response: NO_CONTENT },
    config: { adminScope: 'customers:support' },
  }, async (request, reply) => {
    const { client_id: clientId } = request.params as { client_id: string };
    await revokeCustomerGrant(accessDeps, tenantOf(request).id, idOf(request), clientId, actorOf(request));
    return reply.code(204).send();
  });

  app.get(`${ITEM}/activity`, {
    schema: {
      operationId: 'listCustomerActivity',
      tags: TAGS,
      summary: 'What happened to and by the customer, newest first (the audit log; for analysts without address, user agent and details)',
      params: ITEM_PARAMS,
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf({ $ref: 'CustomerActivity#' }, 'A page of audit entries.') },
    },
    config: { adminScope: 'customers:read' },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const page = await customerActivity(searchDeps, tenantOf(request).id, idOf(request), { limit, cursor });
    const { masked } = principalOf(request);
    return { items: page.items.map((entry) => activityView(entry, masked)), next_cursor: page.nextCursor };
  });
}
