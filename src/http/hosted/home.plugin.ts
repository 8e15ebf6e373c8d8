// GET / (the default tenant) and GET /t/{slug}/ (another tenant, mounted by the tenancy plugin): a
// small page saying what this server is, with links for customers and developers, instead of a
// JSON 404. Server-rendered in the visitor's language, in the hosted pages' layout and CSP.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_TENANT_SLUG, issuerOf } from '../../domain/tenants/tenant.ts';
import { pageTranslator } from '../shared/locale.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { homePage } from './pages/home.page.ts';

type HomePluginDeps = {
  readonly publicUrl: string;
  /** Where the development outbox is served (outside production), to point developers to it. */
  readonly devMailPath?: string | undefined;
};

export async function homePlugin(app: FastifyInstance, deps: HomePluginDeps): Promise<void> {
  // With and without the trailing slash under /t/{slug} (the router ignores it).
  app.get('/', home);

  function home(request: FastifyRequest, reply: FastifyReply) {
    const tenant = request.tenant ?? undefined;
    const t = pageTranslator(request, { tenant });
    if (!tenant) return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    const branding = brandingOf(tenant);
    const issuer = issuerOf(deps.publicUrl, tenant);
    const body = homePage(t, {
      name: branding.name,
      issuer,
      accountUrl: `${issuer}/account`,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      devMailUrl: tenant.slug === DEFAULT_TENANT_SLUG ? deps.devMailPath : undefined,
    });
    return sendPage(reply, { t, branding, title: t('page.home.title'), body, wide: true });
  }
}
