// /tenants and /tenants/{tenant}: the tenants themselves, for platform operators (tenants:read,
// tenants:write). Each handler parses, calls one use case of domain/tenants (the ones `foyer
// tenants` calls), and renders. A credential bound to one tenant sees that tenant only and creates
// none; the admin tenant is never listed nor served (the plugin answers 404 for it). Settings are
// the document docs/tenants.md describes (the file `foyer tenants configure` reads), changed by a
// JSON Merge Patch and validated as a whole. The tenant is read from the store, not the 30-second
// tenant cache, so a version just changed on another node is seen, and this node forgets its
// cached copy after a change.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { ADMIN_TENANT_SLUG, issuerOf } from '../../domain/tenants/tenant.ts';
import { createTenant, deleteTenant, getTenant, listTenants, updateTenant } from '../../domain/tenants/tenants.service.ts';
import type { TenantPatch } from '../../domain/tenants/tenants.service.ts';
import { DomainError } from '../../domain/errors.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, principalOf, tenantOf } from './principal.ts';
import {
  CONFLICT,
  IDEMPOTENCY_HEADERS,
  IDEMPOTENCY_PROBLEMS,
  IF_MATCH_HEADERS,
  NO_CONTENT,
  PAGE_QUERY,
  PRECONDITION_FAILED,
  TENANT_PARAM,
  checkIfMatch,
  decodeCursor,
  encodeCursor,
  etagOf,
  iso,
  listOf,
  withEtag,
} from './conventions.ts';

const SETTINGS = {
  type: 'object',
  description: 'The tenant’s settings document (docs/tenants.md): branding, apis, identitySchema, defaultLocale, mail, verification, refreshTokens, communication (the topics of communication preferences).',
  additionalProperties: true,
} as const;

const TENANT = {
  $id: 'Tenant',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'slug', 'name', 'issuer', 'settings', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    slug: { type: 'string', description: 'In the tenant’s issuer and every URL of it; never changes.' },
    name: { type: 'string' },
    issuer: { type: 'string', description: 'The tenant’s OpenID issuer.' },
    settings: SETTINGS,
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

const item = { $ref: 'Tenant#' } as const;
const params = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
const name = { type: 'string', minLength: 1, maxLength: 200 } as const;

export async function tenantRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(TENANT);
  const view = (tenant: Tenant) => ({
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    issuer: issuerOf(deps.publicUrl, tenant),
    settings: tenant.settings,
    created_at: iso(tenant.createdAt),
    updated_at: iso(tenant.updatedAt),
  });
  // The plugin resolved {tenant} (404 if unreachable); read it afresh for its current version.
  const current = (request: FastifyRequest) => getTenant(deps.stores, tenantOf(request).slug);

  app.get('/tenants', {
    schema: {
      operationId: 'listTenants',
      tags: ['tenants'],
      summary: 'List the tenants, oldest first (a credential bound to one tenant sees that one)',
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf(item, 'A page of tenants.') },
    },
    config: { adminScope: 'tenants:read' },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const bound = principalOf(request).tenant;
    if (bound !== null) {
      const only = cursor === undefined ? await deps.stores.tenants.findBySlug(bound) : undefined;
      return { items: only && only.slug !== ADMIN_TENANT_SLUG ? [view(only)] : [], next_cursor: null };
    }
    const key = decodeCursor(cursor, ['number', 'string']);
    const page = await listTenants(deps.stores, { limit, after: key && { createdAt: key[0] as number, id: key[1] as string } });
    return { items: page.tenants.map(view), next_cursor: page.next && encodeCursor([page.next.createdAt, page.next.id]) };
  });

  app.post('/tenants', {
    schema: {
      operationId: 'createTenant',
      tags: ['tenants'],
      summary: 'Create a tenant, with its settings validated',
      headers: IDEMPOTENCY_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['slug', 'name'],
        properties: { slug: { type: 'string', minLength: 1, maxLength: 63 }, name, settings: SETTINGS },
      },
      response: { 201: item, ...CONFLICT, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: 'tenants:write', idempotent: true },
  }, async (request, reply) => {
    if (principalOf(request).tenant !== null) {
      throw new DomainError('token.insufficient_scope', 'forbidden', 'A credential bound to one tenant cannot create tenants.');
    }
    const body = request.body as { slug: string; name: string; settings?: unknown };
    const tenant = await createTenant({ transaction: deps.transaction }, body, actorOf(request));
    const shown = view(tenant);
    reply.code(201).header('location', `${deps.baseUrl}/tenants/${tenant.slug}`).header('etag', etagOf(shown));
    return shown;
  });

  app.get('/tenants/:tenant', {
    schema: { operationId: 'getTenant', tags: ['tenants'], summary: 'Read a tenant and its settings', params, response: { 200: item } },
    config: { adminScope: 'tenants:read' },
  }, async (request, reply) => withEtag(reply, view(await current(request))));

  app.patch('/tenants/:tenant', {
    schema: {
      operationId: 'updateTenant',
      tags: ['tenants'],
      summary: 'Change the name or settings (JSON Merge Patch of { name, settings }: members sent are set, null removes, others stay)',
      params,
      headers: IF_MATCH_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { name, settings: { ...SETTINGS, type: ['object', 'null'], description: 'A merge patch of the settings; null resets them all.' } },
      },
      response: { 200: item, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'tenants:write' },
  }, async (request, reply) => {
    const tenant = await current(request);
    checkIfMatch(request, view(tenant));
    const updated = await updateTenant({ transaction: deps.transaction }, tenant.slug, request.body as TenantPatch, { expectedUpdatedAt: tenant.updatedAt }, actorOf(request));
    deps.tenants.forget(tenant.slug);
    return withEtag(reply, view(updated));
  });

  app.delete('/tenants/:tenant', {
    schema: {
      operationId: 'deleteTenant',
      tags: ['tenants'],
      summary: 'Delete a tenant without customers or applications (docs/tenants.md); never the default tenant',
      params,
      headers: IF_MATCH_HEADERS,
      response: { ...NO_CONTENT, ...CONFLICT, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'tenants:write' },
  }, async (request, reply) => {
    const tenant = await current(request);
    checkIfMatch(request, view(tenant));
    await deleteTenant({ transaction: deps.transaction }, tenant.slug, { expectedUpdatedAt: tenant.updatedAt }, actorOf(request));
    deps.tenants.forget(tenant.slug);
    return reply.code(204).send();
  });
}
