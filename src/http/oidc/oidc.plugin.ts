// Mounts the tenants' oidc-provider instances: the default tenant's endpoints at the root, the
// others' under /t/{slug}. Fastify routes the request, oidc-provider answers it on the raw
// request and response; Foyer only decides which tenant, and what the provider may trust.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderRegistry, TenantProvider } from './provider-registry.ts';
import { mountPathOf, ROUTES } from './provider.ts';
import { attachPageContext } from './protocol-pages.ts';
import { pageTranslator } from '../hosted/locale.ts';
import { sendProblem, problem } from '../problem.ts';
import { REQUEST_ID_HEADER } from '../request-id.ts';
import { DEFAULT_TENANT_SLUG } from '../../domain/tenants/tenant.ts';
import { brandingOf } from '../hosted/respond.ts';
import { styleSourceOf } from '../hosted/layout.ts';
import { withRequestDevice } from './request-device.ts';

export type OidcPluginOptions = { registry: ProviderRegistry; publicUrl: string };

/** The first path segment of every endpoint the provider serves. */
const ROOT_PATHS = [...new Set([...Object.values(ROUTES).map((path) => path.split('/')[1]!), '.well-known'])];

export async function oidcPlugin(app: FastifyInstance, { registry, publicUrl }: OidcPluginOptions): Promise<void> {
  const origin = new URL(publicUrl);
  // The provider reads request bodies itself: Fastify must leave the stream alone.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  const forward = (slug: string, prefix: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const found = await registry.forSlug(slug);
    if (!found) return sendProblem(reply, problem(404, 'tenant.not_found', `There is no tenant "${slug}".`));
    handOver(found, request, reply, prefix, origin);
  };

  for (const segment of ROOT_PATHS) {
    for (const url of [`/${segment}`, `/${segment}/*`]) {
      app.route({ method: ['GET', 'POST', 'OPTIONS', 'DELETE', 'PUT'], url, handler: forward(DEFAULT_TENANT_SLUG, '') });
    }
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

function handOver({ tenant, provider }: TenantProvider, request: FastifyRequest, reply: FastifyReply, prefix: string, origin: URL): void {
  const req = request.raw as IncomingMessage & { originalUrl?: string };
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
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  // script-src lists nothing: the provider appends the hash of the one inline script it emits
  // (the form_post auto-submit).
  res.setHeader('content-security-policy', `default-src 'none'; script-src 'self'; style-src ${styleSourceOf(branding)}; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'`);
  if (origin.protocol === 'https:') res.setHeader('strict-transport-security', 'max-age=63072000; includeSubDomains');
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

