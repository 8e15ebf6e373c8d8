// The admin API at /admin/api/v1 (docs/admin-api.md, ADR 0021): every operator task over HTTP, for
// staff with roles and machines with scopes. Registered once, outside the tenancy plugin's
// /t/{slug} mounting: a per-tenant resource names its tenant in its own path
// (/tenants/{tenant}/…). Before any handler (and before the body is even parsed) the plugin
// authenticates the bearer token, counts the request against the credential's rate limit, resolves
// `{tenant}` (404 for a tenant the credential may not reach, never 403), and checks the route's
// scope. Every route declares its request and response schemas, `operationId` and `tags`, from
// which the OpenAPI 3.1 document and its reference page are generated.
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ADMIN_TENANT_SLUG } from '../../domain/tenants/tenant.ts';
import { DomainError } from '../../domain/errors.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { createAdminAuthenticator } from './credentials.ts';
import type { AdminAuthenticator } from './credentials.ts';
import type { AdminApiDeps, AdminRouteDeps } from './route-deps.ts';
import { createCredentialLimiter } from './rate-limit.ts';
import { createIdempotency } from './idempotency.ts';
import { PROBLEM_SCHEMA, STANDARD_PROBLEMS } from './conventions.ts';
import { adminApiUrlOf } from './admin-resource.ts';
import { REFERENCE_CSP, renderReference } from './reference.page.ts';
import { applicationRoutes } from './applications.routes.ts';
import { checkResponsesAgainstSchemas } from './response-check.ts';
import { staffRoutes } from './staff.routes.ts';
import { staffInvitationRoutes } from './staff-invitations.routes.ts';
import { tenantRoutes } from './tenants.routes.ts';
import { keyRoutes } from './keys.routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { mailRoutes } from './mail.routes.ts';
import { statsRoutes } from './stats.routes.ts';
import { customerRoutes } from './customers.routes.ts';
import { customerTransferRoutes } from './customer-transfer.routes.ts';
import { consentRoutes } from './consents.routes.ts';
import { meRoutes } from './me.routes.ts';
import { connectionRoutes } from './connections.routes.ts';
import { upstreamTokenRoutes } from './upstream-tokens.routes.ts';
import { subscriptionRoutes } from './subscriptions.routes.ts';
import { tenantOf } from './principal.ts';
import { asyncApiDocument } from './asyncapi.ts';

/** The tags of the document, in the order the reference page lists them. */
const TAGS = [
  { name: 'tenants', description: 'Tenants and their settings (platform operators).' },
  { name: 'applications', description: 'A tenant’s applications (OAuth clients).' },
  { name: 'customers', description: 'A tenant’s customers.' },
  { name: 'consents', description: 'A tenant’s consent purposes, and its customers’ consent ledger.' },
  { name: 'connections', description: 'A tenant’s social and enterprise sign-in connections (upstream OpenID Connect and OAuth 2 providers).' },
  { name: 'events', description: 'A tenant’s event subscriptions (webhooks, NATS JetStream), their delivery logs, dead letters and replays. The events themselves: /admin/api/v1/asyncapi.json.' },
  { name: 'keys', description: 'A tenant’s signing keys.' },
  { name: 'audit', description: 'A tenant’s audit log.' },
  { name: 'mail', description: 'A tenant’s mail queue.' },
  { name: 'stats', description: 'Statistics for dashboards.' },
  { name: 'staff', description: 'Foyer’s staff and their roles (owners).' },
  { name: 'admin clients', description: 'Machine credentials of the admin API (owners).' },
  { name: 'me', description: 'The caller: who they are and what they may do now.' },
];

const DESCRIPTION =
  'Every operator task over HTTP. Authenticate with a bearer token of the admin tenant for this API (resource indicator: the base URL): ' +
  'staff sign in on the admin tenant’s hosted pages with the `admin` scope and act with their role; admin clients use client credentials with the scopes they hold. ' +
  'Errors are RFC 9457 problem documents with a stable `code`. Lists page with `limit` and an opaque `cursor` (`next_cursor`). Single resources carry an `ETag`; ' +
  'updates and deletes honour `If-Match` (412). Creates honour `Idempotency-Key`. A resource of a tenant the credential may not reach answers 404.';

export async function adminApiPlugin(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const baseUrl = adminApiUrlOf(deps.publicUrl);
  app.decorateRequest('admin', null);
  app.decorateRequest('tenant', null);
  app.addSchema(PROBLEM_SCHEMA);
  // JSON Merge Patch bodies (RFC 7396) are JSON.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  // Before the OpenAPI generator's own hook, so that it sees what this one adds.
  app.addHook('onRoute', declareConventions);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Foyer admin API', version: '1', description: DESCRIPTION },
      servers: [{ url: baseUrl }],
      tags: TAGS,
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token of the admin tenant for this API (RFC 9068).' },
        },
      },
    },
    hideUntagged: true,
    // Shared schemas keep their $id as their name under components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json['$id'] ?? `def-${index}`) },
  });

  const authenticator = createAdminAuthenticator({ publicUrl: deps.publicUrl, adminTenant: deps.adminTenant, stores: deps.stores });
  const limitCredential = await createCredentialLimiter(app, { perMinute: deps.rateLimitPerMinute, redis: deps.redis });
  const idempotency = createIdempotency({ store: deps.stores.idempotencyKeys, secretBox: deps.secretBox });

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.adminPublic) return;
    reply.header('cache-control', 'no-store');
    await authenticate(request, reply, authenticator);
    await limitCredential(request, reply);
    await resolveTenant(request, deps.tenants);
    requireScope(request, reply);
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.config.idempotent) return idempotency.claimOrReplay(request, reply);
    return undefined;
  });
  app.addHook('onSend', async (request, reply, payload) => idempotency.storeAnswer(request, reply, payload));
  if (deps.checkResponses) checkResponsesAgainstSchemas(app);

  const routeDeps: AdminRouteDeps = { ...deps, baseUrl, authenticator };
  const applicationDeps = { stores: deps.stores, transaction: deps.transaction, baseUrl, forget: authenticator.forget };
  await applicationRoutes(app, applicationDeps, { path: '/tenants/:tenant/applications', tenantOf, tag: 'applications', noun: 'Application', read: 'apps:read', write: 'apps:write', adminAccess: false });
  // The admin tenant's own applications: the machines of the admin API, and the consoles staff sign in through.
  await applicationRoutes(app, applicationDeps, { path: '/admin-clients', tenantOf: () => deps.adminTenant, tag: 'admin clients', noun: 'AdminClient', read: 'staff:write', write: 'staff:write', adminAccess: true });
  await staffRoutes(app, routeDeps);
  await staffInvitationRoutes(app, routeDeps);
  await tenantRoutes(app, routeDeps);
  await keyRoutes(app, routeDeps);
  await auditRoutes(app, routeDeps);
  await mailRoutes(app, routeDeps);
  await statsRoutes(app, routeDeps);
  await customerRoutes(app, routeDeps);
  await customerTransferRoutes(app, routeDeps);
  await consentRoutes(app, routeDeps);
  await meRoutes(app);
  await connectionRoutes(app, routeDeps);
  // The admin tenant's connections: the workforce IdPs staff sign in through (owners only).
  await connectionRoutes(app, routeDeps, { path: '/admin-connections', tenantOf: () => deps.adminTenant, read: 'staff:write', write: 'staff:write', noun: 'Admin', tag: 'admin connections' });
  await upstreamTokenRoutes(app, routeDeps);
  await subscriptionRoutes(app, routeDeps);

  app.get('/openapi.json', { schema: { hide: true }, config: { adminPublic: true } }, async () => app.swagger());
  // The events subscribers receive (docs/events.md), generated from the event catalogue.
  const events = asyncApiDocument(baseUrl);
  app.get('/asyncapi.json', { schema: { hide: true }, config: { adminPublic: true } }, async () => events);
  let reference: string | undefined;
  app.get('/docs', { schema: { hide: true }, config: { adminPublic: true } }, async (_request, reply) => {
    reference ??= renderReference(app.swagger() as unknown as Parameters<typeof renderReference>[0]);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', REFERENCE_CSP).send(reference);
  });
}

/**
 * Every admin route names its scope (or is public), its operationId and tags; this adds the
 * answers every route may give and the security requirement the document shows. A route that
 * forgets one of them fails when it is registered, not in production.
 */
function declareConventions(route: RouteOptions): void {
  const config = (route.config ?? {}) as { adminScope?: string; adminPublic?: boolean };
  if (config.adminPublic) return;
  const where = `admin route ${String(route.method)} ${route.url}`;
  if (!config.adminScope) throw new Error(`${where} names no config.adminScope (docs/admin-api.md)`);
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  if (route.method !== 'HEAD' && (typeof schema['operationId'] !== 'string' || !Array.isArray(schema['tags']))) throw new Error(`${where} lacks schema.operationId or schema.tags`);
  if (!schema['response']) throw new Error(`${where} declares no response schema`);
  schema['response'] = { ...STANDARD_PROBLEMS, ...(schema['response'] as object) };
  schema['security'] = [{ adminToken: [config.adminScope] }];
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/;

async function authenticate(request: FastifyRequest, reply: FastifyReply, authenticator: AdminAuthenticator): Promise<void> {
  const header = request.headers.authorization ?? '';
  const match = BEARER.exec(header);
  if (!match) {
    reply.header('www-authenticate', header ? 'Bearer realm="admin", error="invalid_request"' : 'Bearer realm="admin"');
    throw new DomainError('token.missing', 'unauthenticated', 'Send an admin API access token as "Authorization: Bearer <token>".');
  }
  const result = await authenticator.authenticate(match[1]!);
  if ('invalid' in result) {
    reply.header('www-authenticate', `Bearer realm="admin", error="invalid_token", error_description="${result.invalid}"`);
    throw new DomainError('token.invalid', 'unauthenticated', `The access token is not valid: ${result.invalid}.`);
  }
  request.admin = result.principal;
}

/** `{tenant}`: an existing customer tenant the credential is bound to (or bound to all); 404 otherwise. */
async function resolveTenant(request: FastifyRequest, tenants: TenantDirectory): Promise<void> {
  const slug = (request.params as { tenant?: unknown } | undefined)?.tenant;
  if (slug === undefined) return;
  const binding = request.admin!.tenant;
  const reachable = typeof slug === 'string' && slug !== ADMIN_TENANT_SLUG && (binding === null || binding === slug);
  const tenant = reachable ? await tenants.bySlug(slug) : undefined;
  if (!tenant) throw new DomainError('tenant.not_found', 'not_found', `There is no tenant "${String(slug)}".`, { slug: String(slug) });
  request.tenant = tenant;
}

function requireScope(request: FastifyRequest, reply: FastifyReply): void {
  const scope = request.routeOptions.config.adminScope!;
  if (request.admin!.scopes.has(scope)) return;
  reply.header('www-authenticate', `Bearer realm="admin", error="insufficient_scope", scope="${scope}"`);
  throw new DomainError('token.insufficient_scope', 'forbidden', `This needs the "${scope}" scope, which this credential does not hold.`);
}
