// Which tenant a request is addressed to, decided here and nowhere else. Every surface that serves
// a tenant (the protocol endpoints, the hosted pages, the flows API, the account portal and API) is
// registered inside this plugin and declares its routes once, at the default tenant's paths
// (`/interaction/:uid`); each is also mounted under /t/{slug} for the other tenants. Before a
// handler runs, `request.tenant` holds the tenant (or null when the slug names none: each surface
// answers that in its own way, a page or a problem document), and `request.tenantProvider()`
// builds or finds the tenant's oidc-provider for the surfaces that drive it.
//
// Custom domains come here: a host that belongs to a tenant resolves to it in `slugOf` (a domain
// directory looked up by `request.hostname`, cached as the slugs are) before the path is read, and
// its requests use the unprefixed routes, which every surface already has.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import type Provider from 'oidc-provider';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { DEFAULT_TENANT_SLUG } from '../../domain/tenants/tenant.ts';
import { DomainError } from '../../domain/errors.ts';
import type { TenantDirectory } from './tenant-directory.ts';
import { TENANT_PATH } from './mount.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The tenant the request is addressed to, set before the handler by the tenancy plugin; null
     * when no tenant has the requested slug (and on routes outside the plugin).
     */
    tenant: Tenant | null;
    /** The oidc-provider of `request.tenant` (which must be set), built on first use and cached. */
    tenantProvider(): Promise<Provider>;
  }
}

type TenancyDeps = {
  readonly tenants: TenantDirectory;
  /** The provider of a tenant as found by `tenants` (http/oidc/provider-registry.ts). */
  readonly providerOf: (tenant: Tenant) => Promise<Provider>;
  /** The surfaces served per tenant, each an encapsulated plugin. */
  readonly surfaces: readonly ((app: FastifyInstance) => Promise<void>)[];
};

export async function tenancyPlugin(app: FastifyInstance, deps: TenancyDeps): Promise<void> {
  const { tenants, providerOf } = deps;
  // A value, not an object: one shared slot on the request's prototype, set per request.
  app.decorateRequest('tenant', null);
  app.decorateRequest('tenantProvider', function (this: FastifyRequest): Promise<Provider> {
    if (!this.tenant) throw new Error('tenantProvider() needs request.tenant: check it first');
    return providerOf(this.tenant);
  });
  // The tenant is read where each surface read it before it was centralized: after the body is
  // parsed and the route's schema and limits have passed, so a refused request costs no lookup.
  app.addHook('preHandler', function setTenant(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    if (request.tenant !== null) return done();
    // A remembered tenant is set without a promise: this runs on every request of every surface.
    const slug = slugOf(request);
    const hit = tenants.cached(slug);
    if (hit) {
      request.tenant = hit;
      return done();
    }
    tenants.bySlug(slug).then((tenant) => {
      request.tenant = tenant ?? null;
      done();
    }, done);
  });
  app.addHook('onRoute', mountUnderEveryTenant);
  for (const surface of deps.surfaces) await app.register(surface);
}

/**
 * Every route a surface declares is also served under /t/{slug}, with the same options and hooks.
 * A route whose path already names the tenant (the provider's catch-all under /t/{slug}, RFC 8414's
 * /.well-known/…/t/{slug}) is served as declared; so are the copies this hook makes, which ends the
 * recursion (Fastify's documented way to add routes from onRoute).
 */
function mountUnderEveryTenant(this: FastifyInstance, route: RouteOptions): void {
  if (route.url.includes(TENANT_PATH)) return;
  const url = route.url === '/' ? TENANT_PATH : `${TENANT_PATH}${route.url}`;
  // Fastify adds a HEAD route for each GET, for the copy as for the original: one is enough.
  if (route.method === 'HEAD' && this.hasRoute({ method: 'HEAD', url })) return;
  this.route({ ...route, url });
}

/** The slug a request asks for: the default tenant's at the root, the path's under /t/{slug}. */
function slugOf(request: FastifyRequest): string {
  return (request.params as { slug?: string } | undefined)?.slug ?? DEFAULT_TENANT_SLUG;
}

/**
 * The tenant of a request, for a hook that needs it before the handler (the plugin sets it again
 * only when this found none). Null when no tenant has the slug asked for.
 */
export async function resolveTenant(request: FastifyRequest, tenants: TenantDirectory): Promise<Tenant | null> {
  request.tenant ??= (await tenants.bySlug(slugOf(request))) ?? null;
  return request.tenant;
}

/** What the JSON surfaces answer when no tenant has the slug asked for (404 `tenant.not_found`). */
export function unknownTenant(request: FastifyRequest): DomainError {
  return new DomainError('tenant.not_found', 'not_found', `There is no tenant "${slugOf(request)}".`);
}
