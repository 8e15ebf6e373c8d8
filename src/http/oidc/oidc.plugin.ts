// Mounts the tenants' oidc-provider instances: the default tenant's endpoints at the root, the
// others' under /t/{slug}. Fastify routes the request, oidc-provider answers it on the raw
// request and response; Foyer only decides which tenant, and what the provider may trust.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { ProviderRegistry, TenantProvider } from './provider-registry.ts';
import { mountPathOf, ROUTES } from './provider.ts';
import { attachPageContext } from './protocol-pages.ts';
import { pageTranslator } from '../hosted/locale.ts';
import { sendProblem, problem, toProblem } from '../problem.ts';
import { REQUEST_ID_HEADER } from '../request-id.ts';
import { securityHeadersOf } from '../security-headers.ts';
import { DEFAULT_TENANT_SLUG } from '../../domain/tenants/tenant.ts';
import { styleSourceOf } from '../hosted/layout.ts';
import { withRequestDevice } from './request-device.ts';
import { brandingOf, errorBody, sendPage } from '../hosted/respond.ts';
import { html } from '../../lib/html.ts';
import { AUTHORIZATION_LIMIT, createWriteLimiter } from '../write-limits.ts';
import type { WriteLimitsDeps } from '../write-limits.ts';
import { protocolBodyIsMalformed, readProtocolBodies, withReplayedBody } from './protocol-body.ts';
import { malformedTextError } from '../text-guard.ts';

export type OidcPluginOptions = { registry: ProviderRegistry; publicUrl: string; writeLimits: WriteLimitsDeps };

const METADATA_DOCUMENTS = ['oauth-authorization-server', 'openid-configuration'] as const;

/** The first path segment of every endpoint the provider serves. */
const ROOT_PATHS = [...new Set([...Object.values(ROUTES).map((path) => path.split('/')[1]!), '.well-known'])];

export async function oidcPlugin(app: FastifyInstance, { registry, publicUrl, writeLimits }: OidcPluginOptions): Promise<void> {
  const origin = new URL(publicUrl);
  // Form and JSON bodies are read and checked here, then replayed to the provider (protocol-body.ts).
  readProtocolBodies(app);
  registerProtocolErrors(app);

  const forward = (slug: string, prefix: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const found = await registry.forSlug(slug);
    if (!found) return sendProblem(reply, problem(404, 'tenant.not_found', `There is no tenant "${slug}".`));
    handOver(found, request, reply, prefix, origin);
  };

  // Every authorization request stores an interaction: limited per client address (SECURITY.md 36)
  // in front of the provider, which then answers as always.
  const authorizations = await createWriteLimiter(app, 'auth', AUTHORIZATION_LIMIT, writeLimits);
  const authorizationPath = ROUTES.authorization;
  const authorize = (slug: (request: FastifyRequest) => string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const name = slug(request);
    const wait = await authorizations(request);
    if (wait !== undefined) return tooManyRequests(request, reply, registry, name, wait);
    return forward(name, mountPathOf({ slug: name }))(request, reply);
  };
  app.route({ method: ['GET', 'POST'], url: authorizationPath, handler: authorize(() => DEFAULT_TENANT_SLUG) });
  app.route({ method: ['GET', 'POST'], url: `/t/:slug${authorizationPath}`, handler: authorize((request) => (request.params as { slug: string }).slug) });

  for (const segment of ROOT_PATHS) {
    for (const url of [`/${segment}`, `/${segment}/*`]) {
      // GET and POST of the authorization endpoint are routed above, through the limit.
      const methods: HTTPMethods[] = url === authorizationPath ? ['OPTIONS', 'DELETE', 'PUT'] : ['GET', 'POST', 'OPTIONS', 'DELETE', 'PUT'];
      app.route({ method: methods, url, handler: forward(DEFAULT_TENANT_SLUG, '') });
    }
  }
  // RFC 8414 3.1: a tenant's metadata is also at the well-known path with the issuer's path after
  // it (/.well-known/oauth-authorization-server/t/{slug}), where OAuth 2.0 clients look for it
  // (oauth4webapi with algorithm 'oauth2'); OpenID Connect clients append it to the issuer instead.
  for (const document of METADATA_DOCUMENTS) {
    app.route({
      method: ['GET', 'OPTIONS'],
      url: `/.well-known/${document}/t/:slug`,
      handler: async (request, reply) => {
        const { slug } = request.params as { slug: string };
        // The default tenant's issuer has no path: nothing is inserted for it (the provider's 404).
        if (slug === DEFAULT_TENANT_SLUG) return forward(DEFAULT_TENANT_SLUG, '')(request, reply);
        const query = request.raw.url!.indexOf('?');
        request.raw.url = `${mountPathOf({ slug })}/.well-known/${document}${query === -1 ? '' : request.raw.url!.slice(query)}`;
        return forward(slug, mountPathOf({ slug }))(request, reply);
      },
    });
  }
  app.route({
    method: ['GET', 'POST', 'OPTIONS', 'DELETE', 'PUT'],
    url: '/t/:slug/*',
    handler: async (request, reply) => {
      const { slug } = request.params as { slug: string };
      return forward(slug, mountPathOf({ slug }))(request, reply);
    },
  });
}

/**
 * The authorization endpoint's answer to an address over its limit: a page, as the endpoint's
 * other errors are, before the provider does any work (no client lookup, nothing stored). It
 * cannot redirect to the application with `temporarily_unavailable`: that needs the client and
 * redirect URI checked, which is the provider's work and would cost what the limit saves.
 */
async function tooManyRequests(request: FastifyRequest, reply: FastifyReply, registry: ProviderRegistry, slug: string, wait: number) {
  const tenant = (await registry.forSlug(slug))?.tenant;
  const t = pageTranslator(request, { tenant, uiLocales: (request.query as Record<string, unknown>)['ui_locales'] });
  reply.header('retry-after', String(wait));
  const body = html`<h1>${t('page.error.heading')}</h1><div class="alert" role="alert"><p>${t('signin.throttled', { seconds: wait })}</p></div>`;
  return sendPage(reply, { status: 429, t, branding: tenant ? brandingOf(tenant) : { name: 'Foyer' }, title: t('page.error.title'), body, here: '' });
}

function handOver({ tenant, provider }: TenantProvider, request: FastifyRequest, reply: FastifyReply, prefix: string, origin: URL): void {
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
const handlers = new WeakMap<TenantProvider['provider'], (req: IncomingMessage, res: ServerResponse) => unknown>();
function handlerOf(provider: TenantProvider['provider']) {
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
