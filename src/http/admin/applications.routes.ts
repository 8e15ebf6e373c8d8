// /tenants/{tenant}/applications: a tenant's applications (OAuth clients) over the admin API, the
// exemplar of the conventions (docs/admin-api.md); and /admin-clients, the admin tenant's own
// applications (machines with admin scopes and a tenant binding, and the consoles staff sign in
// through), which only owners manage. Each handler parses, calls one use case of
// domain/applications (the ones `foyer apps` calls), and renders. A client secret appears once, in
// the answer of the create or the rotation, and is never stored but as a hash.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminScope } from '../../domain/admin/scopes.ts';
import { ADMIN_SCOPES } from '../../domain/admin/scopes.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Application, ApplicationInput } from '../../domain/applications/application.ts';
import { isConfidentialKind } from '../../domain/applications/application.ts';
import { createApplication, deleteApplication, getApplication, rotateClientSecret, updateApplication } from '../../domain/applications/applications.service.ts';
import type { ApplicationStore } from '../../domain/applications/application.port.ts';
import type { AuditStore } from '../../domain/audit/audit.port.ts';
import type { OutboxStore } from '../../domain/events/outbox.port.ts';
import type { UnitOfWork } from '../../domain/unit-of-work.ts';
import { ValidationError } from '../../domain/errors.ts';
import { actorOf } from './principal.ts';
import {
  IDEMPOTENCY_HEADERS,
  IDEMPOTENCY_PROBLEMS,
  IF_MATCH_HEADERS,
  NO_CONTENT,
  PAGE_QUERY,
  PRECONDITION_FAILED,
  TENANT_PARAM,
  checkIfMatch,
  compareKeys,
  decodeCursor,
  etagOf,
  iso,
  listOf,
  pageOf,
  withEtag,
} from './conventions.ts';

type ApplicationRoutesDeps = {
  readonly stores: { readonly applications: ApplicationStore };
  readonly transaction: UnitOfWork<{ applications: ApplicationStore; audit: AuditStore; outbox: OutboxStore }>;
  /** The admin API's URL, for `Location`. */
  readonly baseUrl: string;
  /** Forgets what the authenticator remembers of an admin client this node changed. */
  readonly forget: (clientId: string) => void;
};

/** Where a set of application routes lives and who may use it. */
type Flavour = {
  /** The collection's path below the API (`/tenants/:tenant/applications`). */
  readonly path: string;
  /** The tenant whose applications these are. */
  readonly tenantOf: (request: FastifyRequest) => Tenant;
  readonly tag: string;
  /** `Application` or `AdminClient`: operation ids and the schema's name. */
  readonly noun: string;
  readonly read: AdminScope;
  readonly write: AdminScope;
  /** Admin clients carry `admin_access` (scopes and tenant binding). */
  readonly adminAccess: boolean;
};

const uri = { type: 'string', maxLength: 2000 } as const;
const uris = { type: 'array', maxItems: 50, items: uri } as const;
const lifetimes = {
  type: 'object',
  additionalProperties: false,
  description: 'Seconds.',
  properties: { access_token: { type: 'integer' }, id_token: { type: 'integer' }, refresh_token: { type: 'integer' } },
} as const;

const KINDS = ['web', 'spa', 'native', 'machine'] as const;

const APPLICATION_PROPERTIES = {
  client_id: { type: 'string' },
  name: { type: 'string' },
  kind: { type: 'string', enum: KINDS },
  confidential: { type: 'boolean', description: 'Whether it authenticates with a client secret (web and machine).' },
  redirect_uris: { type: 'array', items: { type: 'string' } },
  post_logout_redirect_uris: { type: 'array', items: { type: 'string' } },
  grant_types: { type: 'array', items: { type: 'string' } },
  first_party: { type: 'boolean', description: 'First-party applications show no consent screen.' },
  token_lifetimes: { type: 'object', additionalProperties: false, required: ['access_token', 'id_token', 'refresh_token'], properties: lifetimes.properties },
  backchannel_logout_uri: { type: ['string', 'null'] },
  logo_uri: { type: ['string', 'null'] },
  id_token_signed_response_alg: { type: 'string', enum: ['ES256', 'RS256'] },
  id_token_claims: { type: 'string', enum: ['scopes', 'minimal'] },
  mfa_policy: { type: ['string', 'null'], enum: ['off', 'optional', 'required', 'adaptive', null], description: "The second-factor policy of sign-ins to this application; null: the tenant's. The stricter of the two applies." },
  passkeys_disabled: { type: 'boolean', description: "No passkeys on this application's sign-ins: no passkey button or autofill, no offer to create one, no passkey at the second-factor step. It cannot turn passkeys on where the tenant's settings.passkeys.enabled is false." },
  created_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
} as const;

const APPLICATION_REQUIRED = Object.keys(APPLICATION_PROPERTIES);

const ADMIN_ACCESS = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['scopes', 'tenant'],
  description: 'What a machine may do through the admin API: its scopes, and the one tenant (slug) it may reach, or "*" for all. Null for consoles, whose staff act with their role.',
  properties: {
    scopes: { type: 'array', minItems: 1, maxItems: ADMIN_SCOPES.length, items: { type: 'string', enum: ADMIN_SCOPES } },
    tenant: { type: 'string', minLength: 1, maxLength: 63 },
  },
} as const;

/** What may be set on an application: on create, and as a JSON Merge Patch (RFC 7396) on update. */
const settableProperties = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  redirect_uris: uris,
  post_logout_redirect_uris: uris,
  grant_types: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 200 } },
  first_party: { type: 'boolean' },
  token_lifetimes: lifetimes,
  backchannel_logout_uri: { type: ['string', 'null'], maxLength: 2000 },
  logo_uri: { type: ['string', 'null'], maxLength: 2000 },
  id_token_signed_response_alg: { type: 'string', maxLength: 20 },
  id_token_claims: { type: 'string', maxLength: 20 },
  mfa_policy: { type: ['string', 'null'], maxLength: 20 },
  passkeys_disabled: { type: 'boolean' },
} as const;

const WITH_SECRET = {
  type: 'object',
  additionalProperties: false,
  required: ['client_id', 'client_secret'],
  description: 'The new secret, shown this once.',
  properties: { client_id: { type: 'string' }, client_secret: { type: 'string' } },
} as const;

type Settable = {
  name?: string;
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  grant_types?: string[];
  first_party?: boolean;
  token_lifetimes?: { access_token?: number; id_token?: number; refresh_token?: number };
  backchannel_logout_uri?: string | null;
  logo_uri?: string | null;
  id_token_signed_response_alg?: string;
  id_token_claims?: string;
  mfa_policy?: string | null;
  passkeys_disabled?: boolean;
  admin_access?: { scopes: string[]; tenant: string } | null;
};

/** The API's field names for the domain's, so a refusal names what the caller sent. */
const FIELD_OF: Record<string, string> = {
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  grantTypes: 'grant_types',
  firstParty: 'first_party',
  'tokenLifetimes.accessToken': 'token_lifetimes.access_token',
  'tokenLifetimes.idToken': 'token_lifetimes.id_token',
  'tokenLifetimes.refreshToken': 'token_lifetimes.refresh_token',
  backchannelLogoutUri: 'backchannel_logout_uri',
  logoUri: 'logo_uri',
  idTokenAlgorithm: 'id_token_signed_response_alg',
  idTokenClaims: 'id_token_claims',
  mfaPolicy: 'mfa_policy',
  passkeysDisabled: 'passkeys_disabled',
  adminAccess: 'admin_access',
  'adminAccess.scopes': 'admin_access.scopes',
  'adminAccess.tenant': 'admin_access.tenant',
};

function applicationView(application: Application) {
  return {
    client_id: application.id,
    name: application.name,
    kind: application.kind,
    confidential: isConfidentialKind(application.kind),
    redirect_uris: [...application.redirectUris],
    post_logout_redirect_uris: [...application.postLogoutRedirectUris],
    grant_types: [...application.grantTypes],
    first_party: application.firstParty,
    token_lifetimes: { access_token: application.tokenLifetimes.accessToken, id_token: application.tokenLifetimes.idToken, refresh_token: application.tokenLifetimes.refreshToken },
    backchannel_logout_uri: application.backchannelLogoutUri,
    logo_uri: application.logoUri,
    id_token_signed_response_alg: application.idTokenAlgorithm,
    id_token_claims: application.idTokenClaims,
    mfa_policy: application.mfaPolicy,
    passkeys_disabled: application.passkeysDisabled,
    created_at: iso(application.createdAt),
    updated_at: iso(application.updatedAt),
  };
}

/** The body's fields as the domain names them; absent fields stay undefined (unchanged, or the kind's default). */
function applicationInputOf(body: Settable): ApplicationInput {
  const lifetimesGiven = body.token_lifetimes;
  return {
    name: body.name,
    redirectUris: body.redirect_uris,
    postLogoutRedirectUris: body.post_logout_redirect_uris,
    grantTypes: body.grant_types,
    firstParty: body.first_party,
    tokenLifetimes: lifetimesGiven && { accessToken: lifetimesGiven.access_token, idToken: lifetimesGiven.id_token, refreshToken: lifetimesGiven.refresh_token },
    backchannelLogoutUri: body.backchannel_logout_uri,
    logoUri: body.logo_uri,
    idTokenAlgorithm: body.id_token_signed_response_alg,
    idTokenClaims: body.id_token_claims,
    mfaPolicy: body.mfa_policy,
    passkeysDisabled: body.passkeys_disabled,
    adminAccess: body.admin_access,
  };
}

/** Domain refusals with the API's field names. */
function withApiFieldNames<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.problems.map((problem) => ({ ...problem, field: FIELD_OF[problem.field] ?? problem.field })), error.message);
  });
}

/** The routes of one collection of applications (a tenant's, or the admin tenant's admin clients). */
export async function applicationRoutes(app: FastifyInstance, deps: ApplicationRoutesDeps, flavour: Flavour): Promise<void> {
  const { path, noun, tag } = flavour;
  const properties = flavour.adminAccess ? { ...APPLICATION_PROPERTIES, admin_access: ADMIN_ACCESS } : APPLICATION_PROPERTIES;
  const required = flavour.adminAccess ? [...APPLICATION_REQUIRED, 'admin_access'] : APPLICATION_REQUIRED;
  app.addSchema({ $id: noun, type: 'object', additionalProperties: false, required, properties });
  const item = { $ref: `${noun}#` } as const;
  const settable = flavour.adminAccess ? { ...settableProperties, admin_access: ADMIN_ACCESS } : settableProperties;
  const view = (application: Application) => (flavour.adminAccess ? { ...applicationView(application), admin_access: application.adminAccess && { scopes: [...application.adminAccess.scopes], tenant: application.adminAccess.tenant } } : applicationView(application));
  const itemPath = `${path}/:client_id`;
  const collectionParams = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
  const params = path.includes(':tenant')
    ? { type: 'object', required: ['tenant', 'client_id'], properties: { ...TENANT_PARAM, client_id: { type: 'string', minLength: 1, maxLength: 200 } } }
    : { type: 'object', required: ['client_id'], properties: { client_id: { type: 'string', minLength: 1, maxLength: 200 } } };
  const listParams = path.includes(':tenant') ? { params: collectionParams } : {};
  const current = async (request: FastifyRequest) => view(await getApplication(deps.stores, flavour.tenantOf(request).id, clientIdOf(request)));
  const locationOf = (request: FastifyRequest, clientId: string) => `${deps.baseUrl}${path.replace(':tenant', flavour.tenantOf(request).slug)}/${encodeURIComponent(clientId)}`;

  app.get(path, {
    schema: {
      operationId: `list${noun}s`,
      tags: [tag],
      summary: `List the ${tag}, oldest first`,
      ...listParams,
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf(item, `A page of ${tag}.`) },
    },
    config: { adminScope: flavour.read },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const after = decodeCursor(cursor, ['number', 'string']);
    // A tenant has tens of applications: the list is read whole and paged here, by (created, id).
    const rows = (await deps.stores.applications.list(flavour.tenantOf(request).id)).filter((row) => after === undefined || compareKeys([row.createdAt, row.id], after) > 0);
    return pageOf(rows.slice(0, limit + 1), limit, (row) => [row.createdAt, row.id], view);
  });

  app.post(path, {
    schema: {
      operationId: `create${noun}`,
      tags: [tag],
      summary: 'Register one; a confidential one’s secret is in this answer only',
      ...listParams,
      headers: IDEMPOTENCY_HEADERS,
      body: { type: 'object', additionalProperties: false, required: ['name', 'kind'], properties: { ...settable, kind: { type: 'string', enum: KINDS } } },
      response: {
        201: {
          description: 'Created. `client_secret` (web and machine kinds) is shown this once.',
          type: 'object',
          additionalProperties: false,
          required,
          properties: { ...properties, client_secret: { type: 'string' } },
        },
        ...IDEMPOTENCY_PROBLEMS,
      },
    },
    config: { adminScope: flavour.write, idempotent: true },
  }, async (request, reply) => {
    const body = request.body as Settable & { name: string; kind: string };
    const created = await withApiFieldNames(createApplication({ transaction: deps.transaction }, flavour.tenantOf(request).id, { ...applicationInputOf(body), name: body.name, kind: body.kind }, actorOf(request)));
    const shown = view(created.application);
    reply.code(201).header('location', locationOf(request, created.application.id)).header('etag', etagOf(shown));
    return created.clientSecret === undefined ? shown : { ...shown, client_secret: created.clientSecret };
  });

  app.get(itemPath, {
    schema: { operationId: `get${noun}`, tags: [tag], summary: 'Read one', params, response: { 200: item } },
    config: { adminScope: flavour.read },
  }, async (request, reply) => withEtag(reply, await current(request)));

  app.patch(itemPath, {
    schema: {
      operationId: `update${noun}`,
      tags: [tag],
      summary: 'Change one (JSON Merge Patch: fields sent are set, null clears, others stay)',
      params,
      headers: IF_MATCH_HEADERS,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: settable },
      response: { 200: item, ...PRECONDITION_FAILED },
    },
    config: { adminScope: flavour.write },
  }, async (request, reply) => {
    const expected = (application: Application) => checkIfMatch(request, view(application));
    const updated = await withApiFieldNames(updateApplication({ transaction: deps.transaction }, flavour.tenantOf(request).id, clientIdOf(request), applicationInputOf(request.body as Settable), actorOf(request), expected));
    deps.forget(updated.id);
    return withEtag(reply, view(updated));
  });

  app.post(`${itemPath}/secret`, {
    schema: {
      operationId: `rotate${noun}Secret`,
      tags: [tag],
      summary: 'Replace a confidential one’s secret; the old one stops working at once',
      params,
      headers: { type: 'object', properties: { ...IDEMPOTENCY_HEADERS.properties, ...IF_MATCH_HEADERS.properties } },
      response: { 200: WITH_SECRET, ...PRECONDITION_FAILED, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: flavour.write, idempotent: true },
  }, async (request) => {
    const expected = (application: Application) => checkIfMatch(request, view(application));
    const rotated = await rotateClientSecret({ transaction: deps.transaction }, flavour.tenantOf(request).id, clientIdOf(request), actorOf(request), expected);
    return { client_id: rotated.application.id, client_secret: rotated.clientSecret };
  });

  app.delete(itemPath, {
    schema: { operationId: `delete${noun}`, tags: [tag], summary: 'Delete one', params, headers: IF_MATCH_HEADERS, response: { ...NO_CONTENT, ...PRECONDITION_FAILED } },
    config: { adminScope: flavour.write },
  }, async (request, reply) => {
    await deleteApplication({ transaction: deps.transaction }, flavour.tenantOf(request).id, clientIdOf(request), actorOf(request), (application) => checkIfMatch(request, view(application)));
    deps.forget(clientIdOf(request));
    return reply.code(204).send();
  });
}

function clientIdOf(request: FastifyRequest): string {
  return (request.params as { client_id: string }).client_id;
}
