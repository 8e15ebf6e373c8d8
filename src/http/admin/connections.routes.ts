// /tenants/{tenant}/connections: a tenant's social and enterprise connections over the admin API
// (issue 16, docs/federation.md). They are part of a tenant's configuration: reading is
// `tenants:read`, changing `tenants:write`. The client secret is write-only: sent on create or
// change, sealed at rest, answered only as `client_secret_set`. A SAML connection (ADR 0035) is
// made from its IdP's metadata (a URL Foyer reads, or the document) and answers the service
// provider's entity id, ACS and metadata URLs to register at the IdP.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import { redirectUriOf } from '../federation/upstream-sign-in.ts';
import { serviceProviderOf } from '../federation/saml-sign-in.ts';
import type { Connection, ConnectionInput } from '../../domain/federation/connection.ts';
import { CONNECTION_KINDS } from '../../domain/federation/connection.ts';
import { STAFF_ROLES } from '../../domain/admin/scopes.ts';
import { PRESET_IDS } from '../../domain/federation/presets.ts';
import { createConnection, deleteConnection, getConnection, listConnections, updateConnection } from '../../domain/federation/connections.service.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, tenantOf } from './principal.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { AdminScope } from '../../domain/admin/scopes.ts';
import { CONFLICT, IDEMPOTENCY_HEADERS, IDEMPOTENCY_PROBLEMS, IF_MATCH_HEADERS, NO_CONTENT, PAGE_QUERY, PRECONDITION_FAILED, TENANT_PARAM, checkIfMatch, compareKeys, decodeCursor, etagOf, iso, listOf, pageOf, withEtag } from './conventions.ts';

const CONNECTION_PARAM = { connection: { type: 'string', minLength: 1, maxLength: 63, description: 'The connection’s id.' } } as const;

const COLLECTION_PARAMS = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
const ITEM_PARAMS = { type: 'object', required: ['tenant', 'connection'], properties: { ...TENANT_PARAM, ...CONNECTION_PARAM } } as const;

/**
 * Where a set of connection routes is mounted: a tenant's (its customers' providers), or the admin
 * tenant's (the workforce IdPs staff sign in through, which only owners manage: `staff:write`).
 */
type ConnectionRoutesOptions = {
  readonly path: string;
  readonly tenantOf: (request: FastifyRequest) => Tenant;
  readonly read: AdminScope;
  readonly write: AdminScope;
  /** Prefix of the operation ids ('' or 'Admin'), and the tag. */
  readonly noun: string;
  readonly tag: string;
};

const TENANT_CONNECTIONS: ConnectionRoutesOptions = { path: '/tenants/:tenant/connections', tenantOf, read: 'tenants:read', write: 'tenants:write', noun: '', tag: 'connections' };

const URL_STRING = { type: 'string', minLength: 1, maxLength: 2000 } as const;
const ENDPOINTS = {
  type: 'object',
  additionalProperties: false,
  required: ['authorization', 'token', 'userinfo'],
  description: 'OAuth 2 connections: where the upstream’s authorization, token and userinfo endpoints are.',
  properties: { authorization: URL_STRING, token: URL_STRING, userinfo: URL_STRING },
} as const;

const SAML_INPUT = {
  type: 'object',
  additionalProperties: false,
  description: 'SAML connections: the identity provider’s metadata, read from `metadata_url` or given as `metadata_xml` (one of them on creation; sending one again re-reads it).',
  properties: {
    metadata_url: { type: 'string', minLength: 1, maxLength: 2000, description: 'Where the IdP publishes its metadata (read now, through the outbound guard).' },
    metadata_xml: { type: 'string', minLength: 1, maxLength: 1_000_000, description: 'The IdP’s metadata document itself.' },
    require_encrypted_assertions: { type: 'boolean', description: 'Refuse assertions not encrypted to the service provider’s certificate.' },
  },
} as const;

const SAML_VIEW = {
  type: ['object', 'null'],
  additionalProperties: false,
  description: 'SAML connections: the identity provider as its metadata describes it, and Foyer’s service provider to register there; null for other kinds.',
  properties: {
    idp_entity_id: { type: 'string' },
    sso_url: { type: 'string', description: 'The IdP’s HTTP-Redirect single sign-on service.' },
    metadata_url: { type: ['string', 'null'] },
    signing_certificates: { type: 'integer', description: 'How many signing certificates of the IdP are trusted.' },
    require_encrypted_assertions: { type: 'boolean' },
    sp_entity_id: { type: 'string', description: 'Foyer’s entity id for this connection (the IdP’s “Audience URI”, “Identifier” or “Entity ID”).' },
    acs_url: { type: 'string', description: 'The assertion consumer service (HTTP-POST): the IdP’s “Single sign-on URL”, “Reply URL” or “ACS URL”.' },
    sp_metadata_url: { type: 'string', description: 'Foyer’s service-provider metadata for this connection.' },
    sp_certificate: { type: 'string', description: 'Foyer’s certificate (PEM) for signed AuthnRequests and encrypted assertions.' },
  },
} as const;

const SETTABLE = {
  kind: { type: 'string', enum: CONNECTION_KINDS, description: '`oidc`: OpenID Connect from its discovery document; `oauth2`: OAuth 2 with the endpoints named; `saml`: a SAML 2.0 identity provider from its metadata.' },
  preset: { type: ['string', 'null'], enum: [...PRESET_IDS, null], description: 'A social preset: its endpoints, scopes, claim mapping and quirks apply, and `kind`, `display_name` and `scopes` default to its own (docs/federation.md). `issuer` and `endpoints` override its URLs.' },
  preset_options: {
    type: 'object',
    additionalProperties: false,
    description: 'Apple: `team_id` and `key_id` (with the key’s PEM as `client_secret`). Microsoft: `tenant` (`common` by default, `organizations`, `consumers`, or a directory).',
    properties: { team_id: { type: 'string', minLength: 1, maxLength: 20 }, key_id: { type: 'string', minLength: 1, maxLength: 20 }, tenant: { type: 'string', minLength: 1, maxLength: 253 } },
  },
  display_name: { type: 'string', minLength: 1, maxLength: 100, description: 'What its button says: “Continue with {display_name}”.' },
  icon_url: { type: ['string', 'null'], maxLength: 2000, description: 'An https URL of the button’s mark.' },
  client_id: { type: 'string', minLength: 1, maxLength: 500, description: 'Required for `oidc` and `oauth2`.' },
  client_secret: { type: ['string', 'null'], minLength: 1, maxLength: 4000, description: 'Write-only; encrypted at rest. null removes it (a public client).' },
  issuer: { type: ['string', 'null'], maxLength: 2000, description: 'OpenID Connect: the issuer, or its discovery document’s URL.' },
  endpoints: { ...ENDPOINTS, type: ['object', 'null'] },
  scopes: { type: 'array', maxItems: 30, items: { type: 'string', minLength: 1, maxLength: 200 } },
  mapping: { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Trait name → upstream claim (a dotted path for nested claims). `sub` names the claim that identifies the upstream account (OAuth 2 providers without `sub`).' },
  allow_sign_up: { type: 'boolean', description: 'A first sign-in through it may create an account.' },
  trust_email_verified: { type: 'boolean', description: 'Believe its `email_verified`: link to the account with that verified address without asking for proof, and create accounts through it.' },
  refresh_traits: { type: 'boolean', description: 'Apply the mapping on every sign-in, not only when the account is created.' },
  store_tokens: { type: 'boolean', description: 'Keep the upstream’s tokens (encrypted) with each linked account, replaced at every sign-in; read them through GET /tenants/{tenant}/customers/{id}/connections/{connection}/tokens.' },
  applications: { type: ['array', 'null'], maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Client ids of the applications that show its button; null: all of them.' },
  domains: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 253 }, description: 'Email domains sent to it (home-realm discovery).' },
  position: { type: 'integer', minimum: 0, maximum: 10000, description: 'Buttons appear by ascending position.' },
  enabled: { type: 'boolean' },
  role_mapping: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['claim', 'roles'],
    description: 'The admin tenant’s workforce IdP: the claim (`groups`, `roles`) whose values map to staff roles; staff without a mapped value are refused.',
    properties: { claim: { type: 'string', minLength: 1, maxLength: 200 }, roles: { type: 'object', maxProperties: 100, additionalProperties: { type: 'string', enum: STAFF_ROLES } } },
  },
  saml: SAML_INPUT,
} as const;

const CONNECTION = {
  $id: 'Connection',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'preset', 'preset_options', 'display_name', 'icon_url', 'client_id', 'client_secret_set', 'issuer', 'endpoints', 'scopes', 'mapping', 'allow_sign_up', 'trust_email_verified', 'refresh_traits', 'store_tokens', 'applications', 'domains', 'position', 'enabled', 'role_mapping', 'saml', 'redirect_uri', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    kind: SETTABLE.kind,
    preset: { type: ['string', 'null'], description: 'The social preset, or null for a generic provider. `issuer` and `endpoints` are null where the preset’s apply.' },
    preset_options: { type: 'object', additionalProperties: false, properties: SETTABLE.preset_options.properties },
    display_name: { type: 'string' },
    icon_url: { type: ['string', 'null'] },
    client_id: { type: 'string' },
    client_secret_set: { type: 'boolean', description: 'A client secret is stored (it is never shown).' },
    issuer: { type: ['string', 'null'] },
    endpoints: { type: ['object', 'null'], additionalProperties: false, properties: ENDPOINTS.properties },
    scopes: { type: 'array', items: { type: 'string' } },
    mapping: { type: 'object', additionalProperties: { type: 'string' } },
    allow_sign_up: { type: 'boolean' },
    trust_email_verified: { type: 'boolean' },
    refresh_traits: { type: 'boolean' },
    store_tokens: { type: 'boolean' },
    applications: { type: ['array', 'null'], items: { type: 'string' } },
    domains: { type: 'array', items: { type: 'string' } },
    position: { type: 'integer' },
    enabled: { type: 'boolean' },
    role_mapping: { type: ['object', 'null'], additionalProperties: false, properties: { claim: { type: 'string' }, roles: { type: 'object', additionalProperties: { type: 'string' } } } },
    saml: SAML_VIEW,
    redirect_uri: { type: 'string', description: 'The callback URL to register at an OpenID Connect or OAuth 2 provider.' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;
const CONNECTION_REF = { $ref: 'Connection#' } as const;

type Body = {
  id?: string; kind?: Connection['kind']; preset?: Connection['preset']; preset_options?: { team_id?: string; key_id?: string; tenant?: string }; store_tokens?: boolean; display_name?: string; icon_url?: string | null; client_id?: string; client_secret?: string | null; issuer?: string | null;
  endpoints?: Connection['endpoints']; scopes?: string[]; mapping?: Record<string, string>; allow_sign_up?: boolean; trust_email_verified?: boolean; refresh_traits?: boolean;
  applications?: string[] | null; domains?: string[]; position?: number; enabled?: boolean; role_mapping?: Connection['roleMapping'];
  saml?: { metadata_url?: string; metadata_xml?: string; require_encrypted_assertions?: boolean };
};

function inputOf(body: Body): ConnectionInput {
  return {
    id: body.id, kind: body.kind, preset: body.preset, storeTokens: body.store_tokens, displayName: body.display_name,
    presetOptions: body.preset_options && { ...(body.preset_options.team_id ? { teamId: body.preset_options.team_id } : {}), ...(body.preset_options.key_id ? { keyId: body.preset_options.key_id } : {}), ...(body.preset_options.tenant ? { tenant: body.preset_options.tenant } : {}) }, iconUrl: body.icon_url, clientId: body.client_id, clientSecret: body.client_secret, issuer: body.issuer,
    endpoints: body.endpoints, scopes: body.scopes, mapping: body.mapping, allowSignUp: body.allow_sign_up, trustEmailVerified: body.trust_email_verified, refreshTraits: body.refresh_traits,
    applications: body.applications, domains: body.domains?.map((domain) => domain.toLowerCase()), position: body.position, enabled: body.enabled, roleMapping: body.role_mapping,
    saml: body.saml && { metadataUrl: body.saml.metadata_url, metadataXml: body.saml.metadata_xml, requireEncryptedAssertions: body.saml.require_encrypted_assertions },
  };
}

export async function connectionRoutes(app: FastifyInstance, deps: AdminRouteDeps, options: ConnectionRoutesOptions = TENANT_CONNECTIONS): Promise<void> {
  const { path: PATH, tenantOf, noun } = options;
  const ITEM = `${PATH}/:connection`;
  const TAGS = [options.tag];
  const perTenant = PATH.includes(':tenant');
  const collectionParams = perTenant ? { params: COLLECTION_PARAMS } : {};
  const itemParams = perTenant ? ITEM_PARAMS : { type: 'object', required: ['connection'], properties: CONNECTION_PARAM };
  const locationOf = (tenant: Tenant, id: string) => `${deps.baseUrl}${PATH.replace(':tenant', tenant.slug)}/${id}`;
  if (!app.getSchemas()[CONNECTION.$id]) app.addSchema(CONNECTION);
  const idOf = (request: FastifyRequest) => (request.params as { connection: string }).connection;
  const writeDeps = { transaction: deps.transaction, secretBox: deps.secretBox, production: deps.production, saml: deps.samlSetup };
  const samlView = (tenant: Tenant, connection: Connection) => {
    if (!connection.saml) return null;
    const sp = serviceProviderOf(deps.publicUrl, tenant, connection.id);
    return {
      idp_entity_id: connection.saml.entityId, sso_url: connection.saml.ssoUrl, metadata_url: connection.saml.metadataUrl, signing_certificates: connection.saml.certificates.length,
      require_encrypted_assertions: connection.saml.requireEncryptedAssertions, sp_entity_id: sp.entityId, acs_url: sp.acsUrl, sp_metadata_url: sp.metadataUrl, sp_certificate: connection.saml.spCertificate,
    };
  };
  const view = (request: FastifyRequest, connection: Connection) => {
    const tenant = tenantOf(request);
    return {
      id: connection.id,
      kind: connection.kind,
      preset: connection.preset,
      preset_options: { ...(connection.presetOptions.teamId ? { team_id: connection.presetOptions.teamId } : {}), ...(connection.presetOptions.keyId ? { key_id: connection.presetOptions.keyId } : {}), ...(connection.presetOptions.tenant ? { tenant: connection.presetOptions.tenant } : {}) },
      display_name: connection.displayName,
      icon_url: connection.iconUrl,
      client_id: connection.clientId,
      client_secret_set: connection.hasClientSecret,
      issuer: connection.issuer,
      endpoints: connection.endpoints,
      scopes: [...connection.scopes],
      mapping: { ...connection.mapping },
      allow_sign_up: connection.allowSignUp,
      trust_email_verified: connection.trustEmailVerified,
      refresh_traits: connection.refreshTraits,
      store_tokens: connection.storeTokens,
      applications: connection.applications === null ? null : [...connection.applications],
      domains: [...connection.domains],
      position: connection.position,
      enabled: connection.enabled,
      role_mapping: connection.roleMapping === null ? null : { claim: connection.roleMapping.claim, roles: { ...connection.roleMapping.roles } },
      saml: samlView(tenant, connection),
      redirect_uri: redirectUriOf(issuerOf(deps.publicUrl, tenant)),
      created_at: iso(connection.createdAt),
      updated_at: iso(connection.updatedAt),
    };
  };

  app.get(PATH, {
    schema: {
      operationId: `list${noun}Connections`,
      tags: TAGS,
      summary: 'List the connections, in the order of their buttons',
      ...collectionParams,
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf(CONNECTION_REF, 'A page of connections.') },
    },
    config: { adminScope: options.read },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const after = decodeCursor(cursor, ['number', 'string']);
    // A tenant has a handful: read whole, paged here in button order.
    const rows = (await listConnections(deps.stores, tenantOf(request).id)).filter((connection) => after === undefined || compareKeys([connection.position, connection.id], after) > 0);
    return pageOf(rows.slice(0, limit + 1), limit, (connection) => [connection.position, connection.id], (connection) => view(request, connection));
  });

  app.post(PATH, {
    schema: {
      operationId: `create${noun}Connection`,
      tags: TAGS,
      summary: 'Create a connection',
      ...collectionParams,
      headers: IDEMPOTENCY_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        // A preset gives the kind and the name; a SAML connection has no client id.
        required: ['id'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 63, description: 'Lower-case letters, digits and "-", starting with a letter.' }, ...SETTABLE },
      },
      response: { 201: CONNECTION_REF, ...CONFLICT, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: options.write, idempotent: true },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const connection = await createConnection(writeDeps, tenant, inputOf(request.body as Body), actorOf(request));
    deps.onConnectionsChanged?.(tenant.id);
    const representation = view(request, connection);
    reply.code(201).header('location', locationOf(tenant, connection.id)).header('etag', etagOf(representation));
    return representation;
  });

  app.get(ITEM, {
    schema: { operationId: `get${noun}Connection`, tags: TAGS, summary: 'Read a connection', params: itemParams, response: { 200: CONNECTION_REF } },
    config: { adminScope: options.read },
  }, async (request, reply) => withEtag(reply, view(request, await getConnection(deps.stores, tenantOf(request).id, idOf(request)))));

  app.patch(ITEM, {
    schema: {
      operationId: `update${noun}Connection`,
      tags: TAGS,
      summary: 'Change a connection (JSON Merge Patch of its fields; `client_secret` null removes the secret)',
      params: itemParams,
      headers: IF_MATCH_HEADERS,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: SETTABLE },
      response: { 200: CONNECTION_REF, ...PRECONDITION_FAILED },
    },
    config: { adminScope: options.write },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const body = request.body as Body;
    const updated = await updateConnection(writeDeps, tenant, idOf(request), inputOf(body), actorOf(request), (current) => checkIfMatch(request, view(request, current)));
    deps.onConnectionsChanged?.(tenant.id);
    return withEtag(reply, view(request, updated));
  });

  app.delete(ITEM, {
    schema: { operationId: `delete${noun}Connection`, tags: TAGS, summary: 'Delete a connection', params: itemParams, headers: IF_MATCH_HEADERS, response: { ...NO_CONTENT, ...PRECONDITION_FAILED } },
    config: { adminScope: options.write },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    await deleteConnection(writeDeps, tenant, idOf(request), actorOf(request), (current) => checkIfMatch(request, view(request, current)));
    deps.onConnectionsChanged?.(tenant.id);
    return reply.code(204).send();
  });
}
