// CORS for the Account API: a first-party single-page application calls it from its own origin with
// a bearer token, so the browser must be told that origin may read the answers. The origins allowed
// are those of the redirect URIs of the tenant's first-party web and single-page applications (the
// only ones whose tokens the API takes), looked up with the applications' usual cache delay. Tokens
// travel in the Authorization header, never in cookies: no credentials are allowed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApplicationStore } from '../../domain/applications/application.port.ts';
import { cachedLookup } from '../shared/client-cache.ts';
import { resolveTenant } from '../tenancy/tenancy.plugin.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { problem, sendProblem } from '../problem.ts';

const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Accept-Language';
/** What a script may read of an answer beyond the simple headers: why a token was refused, how long to wait. */
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function registerAccountApiCors(app: FastifyInstance, deps: { tenants: TenantDirectory; applications: ApplicationStore }, path: string): void {
  const origins = cachedLookup(async (tenantId: string) => {
    const applications = await deps.applications.list(tenantId);
    const allowed = new Set<string>();
    for (const application of applications) {
      if (!application.firstParty || (application.kind !== 'spa' && application.kind !== 'web')) continue;
      for (const uri of application.redirectUris) {
        const url = URL.parse(uri);
        if (url && (url.protocol === 'https:' || url.protocol === 'http:')) allowed.add(url.origin);
      }
    }
    return allowed;
  });

  async function allowedOrigin(request: FastifyRequest): Promise<string | undefined> {
    const origin = request.headers.origin;
    if (typeof origin !== 'string') return undefined;
    // Before the handler: a refused request (a bad body, a bad token) must carry the header too.
    const tenant = await resolveTenant(request, deps.tenants);
    return tenant && (await origins.find(tenant.id))?.has(origin) ? origin : undefined;
  }

  function allow(reply: FastifyReply, origin: string): void {
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
  }

  app.addHook('onRequest', async (request, reply) => {
    // Every answer depends on the Origin it was asked from, so caches must keep them apart.
    reply.header('vary', 'Origin');
    if (request.method === 'OPTIONS') return;
    const origin = await allowedOrigin(request);
    if (origin) allow(reply, origin);
  });

  app.options(path, async (request, reply) => {
    const origin = await allowedOrigin(request);
    if (!origin) {
      return sendProblem(reply, problem(403, 'cors.origin_not_allowed', 'This origin is not one of the first-party applications of this tenant; register a redirect URI on it.'));
    }
    allow(reply, origin);
    reply.header('access-control-allow-methods', ALLOWED_METHODS);
    reply.header('access-control-allow-headers', ALLOWED_HEADERS);
    reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    return reply.code(204).send();
  });
}
