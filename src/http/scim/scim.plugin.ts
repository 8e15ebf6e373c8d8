// The SCIM 2.0 service provider of a tenant (RFC 7643, RFC 7644; docs/scim.md, ADR 0028) at
// `/scim/v2`, and under `/t/{slug}/scim/v2` for the other tenants (the tenancy plugin mounts it).
// Callers are admin API credentials holding the `scim` scope (ADR 0021: a client-credentials
// token of the admin tenant for the admin API), bound to this tenant or to all; a tenant the
// credential may not reach, or the admin tenant, answers 404. Every failure is a SCIM error
// document with its `scimType`. Each credential may make ADMIN_API_RATE_LIMIT requests a minute
// here (a Bulk request counts once, and once more for each operation), apart from what it makes of
// the admin API. Bodies are `application/scim+json` (plain JSON is accepted too).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { ADMIN_TENANT_SLUG } from '../../domain/tenants/tenant.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { BreachedPasswordCheck } from '../../domain/credentials/password/breached.ts';
import { ScimError } from '../../domain/scim/scim-error.ts';
import { resourceTypesOf, schemasOf, serviceProviderConfigOf } from '../../domain/scim/scim-schemas.ts';
import { traitSchemaOf } from '../../domain/identity/traits.ts';
import type { Redis } from 'ioredis';
import { createAdminAuthenticator } from '../admin/credentials.ts';
import { createCredentialLimiter } from '../admin/rate-limit.ts';
import type { AdminAuthenticator } from '../admin/credentials.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { SCIM_PATH, SCIM_SCOPE, sendScim } from './scim-response.ts';
import { sendScimError } from './scim-errors.ts';
import { userRoutes } from './users.routes.ts';
import { bulkRoute } from './bulk.routes.ts';
import { groupRoutes } from './groups.routes.ts';

type ScimDeps = {
  readonly publicUrl: string;
  readonly adminTenant: Tenant;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  /** Requests per minute per credential (ADMIN_API_RATE_LIMIT), counted apart from the admin API's. */
  readonly rateLimitPerMinute: number;
  readonly redis?: Redis | undefined;
};

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/;

export async function scimPlugin(app: FastifyInstance, deps: ScimDeps): Promise<void> {
  const authenticator = createAdminAuthenticator({ publicUrl: deps.publicUrl, adminTenant: deps.adminTenant, stores: deps.stores });
  const limitCredential = await createCredentialLimiter(app, { perMinute: deps.rateLimitPerMinute, redis: deps.redis, nameSpace: 'foyer:scim:' });
  app.decorateRequest('admin', null);
  app.addContentTypeParser(['application/scim+json'], { parseAs: 'string', bodyLimit: 1_048_576 }, app.getDefaultJsonParser('error', 'error'));
  app.setErrorHandler((error: FastifyError, request, reply) => sendScimError(request, reply, error));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    await authenticate(request, reply, authenticator);
    await limitCredential(request, reply);
  });

  /** The tenant of the request, when it exists and the credential may reach it; 404 otherwise (never 403). */
  const tenantOf = (request: FastifyRequest): Tenant => {
    const tenant = request.tenant;
    const binding = request.admin?.tenant ?? null;
    if (!tenant || tenant.slug === ADMIN_TENANT_SLUG || (binding !== null && binding !== tenant.slug)) throw new ScimError(404, undefined, 'There is no such tenant.');
    return tenant;
  };
  const baseUrlOf = (tenant: Tenant) => `${deps.publicUrl}${mountPathOf(tenant)}${SCIM_PATH}`;
  const documentation = `${deps.publicUrl}/docs/scim`;

  app.get(`${SCIM_PATH}/ServiceProviderConfig`, { schema: { querystring: { type: 'object' } } }, async (request, reply) => {
    const tenant = tenantOf(request);
    return sendScim(reply, 200, serviceProviderConfigOf(baseUrlOf(tenant), documentation, { bulk: true }));
  });
  app.get(`${SCIM_PATH}/ResourceTypes`, async (request, reply) => {
    const types = resourceTypesOf(baseUrlOf(tenantOf(request)));
    return sendScim(reply, 200, listResponse(types));
  });
  app.get(`${SCIM_PATH}/ResourceTypes/:id`, async (request, reply) => {
    const { id } = request.params as { id: string };
    const found = resourceTypesOf(baseUrlOf(tenantOf(request))).find((type) => type['id'] === id);
    if (!found) throw new ScimError(404, undefined, `There is no resource type "${id}".`);
    return sendScim(reply, 200, found);
  });
  app.get(`${SCIM_PATH}/Schemas`, async (request, reply) => {
    const tenant = tenantOf(request);
    return sendScim(reply, 200, listResponse(schemasOf(traitSchemaOf(tenant.settings), baseUrlOf(tenant))));
  });
  app.get(`${SCIM_PATH}/Schemas/:id`, async (request, reply) => {
    const tenant = tenantOf(request);
    const { id } = request.params as { id: string };
    const found = schemasOf(traitSchemaOf(tenant.settings), baseUrlOf(tenant)).find((schema) => schema['id'] === id);
    if (!found) throw new ScimError(404, undefined, `There is no schema "${id}".`);
    return sendScim(reply, 200, found);
  });

  // Anything else under /scim/v2 is a SCIM 404 too (after authentication, like every other answer).
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: `${SCIM_PATH}/*`, handler: async (request) => {
    throw new ScimError(404, undefined, `There is nothing at ${request.method} ${request.url.split('?')[0]}.`);
  } });

  const routeDeps = { stores: deps.stores, transaction: deps.transaction, breachedCheck: deps.breachedCheck, tenantOf, baseUrlOf };
  await userRoutes(app, routeDeps);
  await groupRoutes(app, routeDeps);
  await bulkRoute(app, routeDeps);
}

function listResponse(resources: Record<string, unknown>[]) {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}

async function authenticate(request: FastifyRequest, reply: FastifyReply, authenticator: AdminAuthenticator): Promise<void> {
  const match = BEARER.exec(request.headers.authorization ?? '');
  if (!match) {
    reply.header('www-authenticate', 'Bearer realm="scim"');
    throw new ScimError(401, undefined, 'Send an access token with the "scim" scope as "Authorization: Bearer <token>".');
  }
  const result = await authenticator.authenticate(match[1]!);
  if ('invalid' in result) {
    reply.header('www-authenticate', `Bearer realm="scim", error="invalid_token", error_description="${result.invalid}"`);
    throw new ScimError(401, undefined, `The access token is not valid: ${result.invalid}.`);
  }
  if (!result.principal.scopes.has(SCIM_SCOPE)) {
    reply.header('www-authenticate', `Bearer realm="scim", error="insufficient_scope", scope="${SCIM_SCOPE}"`);
    throw new ScimError(403, undefined, `This needs the "${SCIM_SCOPE}" scope, which this credential does not hold.`);
  }
  request.admin = result.principal;
}
