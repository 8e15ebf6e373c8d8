// Mounts the tenants' oidc-provider instances: the default tenant's endpoints at the root, the
// others' under /t/{slug} (the tenancy plugin mounts each route there and says which tenant a
// request is for). Fastify routes the request, oidc-provider answers it on the raw request and
// response; Foyer only decides what the provider may trust.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { ROUTES } from './provider.ts';
import { attachPageContext } from './protocol-pages.ts';
import { pageTranslator } from '../shared/locale.ts';
import { sendProblem, problem, toProblem } from '../problem.ts';
import { REQUEST_ID_HEADER } from '../request-id.ts';
import { securityHeadersOf } from '../security-headers.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { DEFAULT_TENANT_SLUG } from '../../domain/tenants/tenant.ts';
import { styleSourceOf } from '../shared/layout.ts';
import { withRequestDevice } from './request-device.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { html } from '../../lib/html.ts';
import { AUTHORIZATION_LIMIT, createWriteLimiter, PUBLIC_CLIENT_LIMIT, SESSION_PAGE_LIMIT } from '../write-limits.ts';
import type { WriteLimiter, WriteLimitsDeps } from '../write-limits.ts';
import { protocolBodyIsMalformed, readProtocolBodies, withReplayedBody } from './protocol-body.ts';
import { malformedTextError } from '../text-guard.ts';
import { waitSeconds } from '../../lib/english.ts';
import { mountPathOf, TENANT_PATH } from '../tenancy/mount.ts';
import { resolveTenant, unknownTenant } from '../tenancy/tenancy.plugin.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';

type OidcPluginOptions = { tenants: TenantDirectory; publicUrl: string; writeLimits: WriteLimitsDeps };

const METADATA_DOCUMENTS = ['oauth-authorization-server', 'openid-configuration'] as const;

/** The first path segment of every endpoint the provider serves. */
const ROOT_PATHS = [...new Set([...Object.values(ROUTES).map((path) => path.split('/')[1]!), '.well-known'])];

export async function oidcPlugin(app: FastifyInstance, { tenants, publicUrl, writeLimits }: OidcPluginOptions): Promise<void> {
  const origin = new URL(publicUrl);
  // Form and JSON bodies are read and checked here, then replayed to the provider (protocol-body.ts).
  readProtocolBodies(app);
  registerProtocolErrors(app);

  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const { tenant } = request;
    if (!tenant) {
      const { code, message } = unknownTenant(request);
      return sendProblem(reply, problem(404, code, message));
    }
    handOver(tenant, await request.tenantProvider(), request, reply, origin);
  };

  // The provider's endpoints that store something for a caller without credentials are limited
  // per client address (SECURITY.md 36) in front of the provider, which then answers as always:
  // the authorization endpoint (an interaction), the device and sign-out pages (a browser session
  // holding the form's token), and, for public clients, pushed authorization and device
  // authorization requests (docs/adr/0017-limits-on-unauthenticated-writes.md). The limit is
  // checked before the tenant is looked up: a flood costs no database read.
  const limited: readonly LimitedRoute[] = [
    { path: ROUTES.authorization, methods: ['GET', 'POST'], limiter: await createWriteLimiter(app, 'auth', AUTHORIZATION_LIMIT, writeLimits), answer: 'page' },
    ...(await pageRoutes(app, writeLimits)),
    ...(await clientRoutes(app, writeLimits)),
  ];
  const limit = (route: LimitedRoute) => async (request: FastifyRequest, reply: FastifyReply) => {
    const wait = route.counts?.(request) === false ? undefined : await route.limiter(request);
    if (wait === undefined) return;
    return route.answer === 'page' ? tooManyRequests(request, reply, tenants, wait) : tooManyClientRequests(reply, wait);
  };
  for (const route of limited) {
    app.route({ method: [...route.methods], url: route.path, preValidation: limit(route), handler: forward });
  }

  const ALL_METHODS: HTTPMethods[] = ['GET', 'POST', 'OPTIONS', 'DELETE', 'PUT'];
  for (const segment of ROOT_PATHS) {
    for (const url of [`/${segment}`, `/${segment}/*`]) {
      // The methods of the limited endpoints are routed above, through their limit.
      const taken = new Set<HTTPMethods>(limited.filter((route) => route.path === url).flatMap((route) => route.methods));
      app.route({ method: ALL_METHODS.filter((method) => !taken.has(method)), url, handler: forward });
    }
  }
  // RFC 8414 3.1: a tenant's metadata is also at the well-known path with the issuer's path after
  // it (/.well-known/oauth-authorization-server/t/{slug}), where OAuth 2.0 clients look for it
  // (oauth4webapi with algorithm 'oauth2'); OpenID Connect clients append it to the issuer instead.
  for (const document of METADATA_DOCUMENTS) {
    app.route({
      method: ['GET', 'OPTIONS'],
      url: `/.well-known/${document}${TENANT_PATH}`,
      handler: async (request, reply) => {
        const { tenant } = request;
        // The default tenant's issuer has no path: nothing is inserted for it (the provider's 404).
        if (tenant && tenant.slug !== DEFAULT_TENANT_SLUG) {
          const query = request.raw.url!.indexOf('?');
          request.raw.url = `${mountPathOf(tenant)}/.well-known/${document}${query === -1 ? '' : request.raw.url!.slice(query)}`;
        }
        return forward(request, reply);
      },
    });
  }
  // Under a tenant's path, everything no other surface serves is the provider's to answer.
  app.route({ method: ['GET', 'POST', 'OPTIONS', 'DELETE', 'PUT'], url: `${TENANT_PATH}/*`, handler: forward });
}

/** An endpoint of the provider that stores something, limited per client address before the provider sees it. */
type LimitedRoute = {
  readonly path: string;
  readonly methods: readonly ('GET' | 'POST')[];
  readonly limiter: WriteLimiter;
  /** A page (browsers) or an OAuth error in JSON (clients). */
  readonly answer: 'page' | 'json';
  /** Whether the request counts against the limit; every request when absent. */
  readonly counts?: (request: FastifyRequest) => boolean;
};

/**
 * The device code page and the sign-out page store a browser session for whoever opens them (it
 * holds the token of the form they show): one budget per address for both.
 */
async function pageRoutes(app: FastifyInstance, writeLimits: WriteLimitsDeps): Promise<LimitedRoute[]> {
  const limiter = await createWriteLimiter(app, 'pages', SESSION_PAGE_LIMIT, writeLimits);
  return [ROUTES.code_verification, ROUTES.end_session].map((path) => ({ path, methods: ['GET', 'POST'], limiter, answer: 'page' }));
}

/**
 * Pushed authorization requests (RFC 9126) and device authorization requests (RFC 8628) store a
 * row for any public client's id, which is no secret. Requests that authenticate a client are the
 * application's own (a wrong secret stores nothing) and are not counted: a busy application's
 * backend sends many from one address.
 */
async function clientRoutes(app: FastifyInstance, writeLimits: WriteLimitsDeps): Promise<LimitedRoute[]> {
  const limiter = await createWriteLimiter(app, 'clients', PUBLIC_CLIENT_LIMIT, writeLimits);
  return [ROUTES.pushed_authorization_request, ROUTES.device_authorization].map((path) => ({ path, methods: ['POST'], limiter, answer: 'json', counts: (request) => !hasClientCredentials(request) }));
}

/** Whether a client request carries client authentication (RFC 6749 2.3, RFC 7523): HTTP Basic, a secret or an assertion. */
function hasClientCredentials(request: FastifyRequest): boolean {
  if (request.headers.authorization !== undefined) return true;
  if (!Buffer.isBuffer(request.body) || !(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return false;
  const form = new URLSearchParams(request.body.toString('latin1'));
  return form.has('client_secret') || form.has('client_assertion');
}

/**
 * The answer of a client endpoint to an address over its limit: 429 with Retry-After (RFC 9126
 * 2.3 allows it for PAR) and an OAuth error body. `temporarily_unavailable` (RFC 6749 4.1.2.1, which
 * RFC 9126 2.3 lets this endpoint use) says "try again later"; `slow_down` belongs to polling the
 * token endpoint (RFC 8628 3.5), and a device client answers it by polling more slowly.
 */
function tooManyClientRequests(reply: FastifyReply, wait: number) {
  return reply
    .code(429)
    .header('retry-after', String(wait))
    .header('cache-control', 'no-store')
    .send({ error: 'temporarily_unavailable', error_description: `Too many requests from this address. ${waitSeconds(wait)}, then try again.` });
}

/**
 * A page's answer to an address over its limit (the authorization endpoint, the device and
 * sign-out pages): a page, as these endpoints' other errors are, before the provider does any work
 * (no client lookup, nothing stored). The authorization endpoint cannot redirect to the
 * application with `temporarily_unavailable`: that needs the client and redirect URI checked,
 * which is the provider's work and would cost what the limit saves.
 */
async function tooManyRequests(request: FastifyRequest, reply: FastifyReply, tenants: TenantDirectory, wait: number) {
  const tenant = (await resolveTenant(request, tenants)) ?? undefined;
  const t = pageTranslator(request, { tenant, uiLocales: (request.query as Record<string, unknown>)['ui_locales'] });
  reply.header('retry-after', String(wait));
  const body = html`<h1>${t('page.error.heading')}</h1><div class="alert" role="alert"><p>${t('signin.throttled', { seconds: wait })}</p></div>`;
  return sendPage(reply, { status: 429, t, branding: tenant ? brandingOf(tenant) : { name: 'Foyer' }, title: t('page.error.title'), body, here: '' });
}

function handOver(tenant: Tenant, provider: Provider, request: FastifyRequest, reply: FastifyReply, origin: URL): void {
  if (protocolBodyIsMalformed(request.headers['content-type'], request.body)) throw malformedTextError();
  const req = withReplayedBody(request.raw, request.body) as IncomingMessage & { originalUrl?: string };
  const res = reply.raw as ServerResponse;
  // The provider builds every URL from these headers: pin them to PUBLIC_URL and to the client
  // address Fastify computed under TRUST_PROXY, whatever the client sent.
  req.headers['x-forwarded-proto'] = origin.protocol.slice(0, -1);
  req.headers['x-forwarded-host'] = origin.host;
  req.headers['x-forwarded-for'] = request.ip;
  // Mounted like Express would: the provider sees its own path, and finds its mount in originalUrl.
  req.originalUrl = req.url;
  const prefix = mountPathOf(tenant);
  if (prefix) req.url = req.url!.slice(prefix.length) || '/';

  const lang = () => pageTranslator(request, { tenant, uiLocales: (request.query as Record<string, unknown>)['ui_locales'] }).locale;
  const branding = brandingOf(tenant);
  attachPageContext(req, { lang, branding });
  res.setHeader(REQUEST_ID_HEADER, request.id);
  for (const [name, value] of Object.entries(securityHeadersOf({ https: origin.protocol === 'https:' }))) res.setHeader(name, value);
  // script-src lists nothing: the provider appends the hash of the one inline script it emits
  // (the form_post auto-submit).
  res.setHeader('content-security-policy', `default-src 'none'; script-src 'self'; style-src ${styleSourceOf(branding)}; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'`);
  reply.hijack();
  withRequestDevice({ userAgent: request.headers['user-agent'], ip: request.ip }, () => handlerOf(provider)(req, res));
}

// Koa composes the middleware stack on every callback() call: build it once per provider.
const handlers = new WeakMap<Provider, (req: IncomingMessage, res: ServerResponse) => unknown>();
function handlerOf(provider: Provider) {
  let handler = handlers.get(provider);
  if (!handler) {
    handler = provider.callback();
    handlers.set(provider, handler);
  }
  return handler;
}


/**
 * What Fastify refuses before the provider sees a request (the text guard, a body over the
 * provider's limit, a malformed URL) is answered as the provider answers: an OAuth error as JSON,
 * or, to a browser's GET, the error page.
 */
function registerProtocolErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error, request);
    const server = problem.status >= 500;
    if (server) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    const out = { error: server ? 'server_error' : 'invalid_request', error_description: problem.detail };
    if (request.method === 'GET' && /\btext\/html\b/.test(request.headers.accept ?? '')) {
      const t = pageTranslator(request);
      return sendPage(reply, { status: problem.status, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, server ? 'server.internal' : 'request.invalid') });
    }
    return reply.code(problem.status).header('cache-control', 'no-store').send(out);
  });
}
