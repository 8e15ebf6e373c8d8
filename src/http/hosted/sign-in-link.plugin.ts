// The page the link of a sign-in email opens, {issuer}/signin-link (ADR 0031). Only in the browser
// whose sign-in asked for it (the code page's binding cookie, browser-binding.ts) does it sign
// anyone in: a button confirms (opening the link changes nothing, since mail scanners fetch links),
// and that browser's sign-in continues to the second-factor step and the application. Anywhere
// else, or for a native app's flow, the page says to use the code where it was asked for, and the
// link stays unused, so a forwarded or intercepted link signs nobody in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mountPathOf } from '../tenancy/mount.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { isLatestCode } from '../../domain/self-service/code-steps.ts';
import { confirmEmailLink } from '../../domain/self-service/passwordless.ts';
import { secretOf, tokenMatches } from '../../domain/self-service/one-time-code.ts';
import type { Translate } from '../../i18n/translate.ts';
import { allowFormTargets, brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { pageTranslator } from '../shared/locale.ts';
import { formOf, parseForm } from '../shared/form.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { requestContextOf } from '../request-context.ts';
import { isBoundBrowser } from './browser-binding.ts';
import { messagePage } from './pages/self-service.pages.ts';
import { signInLinkPage } from './pages/email-sign-in.page.ts';

type Link = { readonly tenant: Tenant; readonly t: Translate; readonly flow: Flow | undefined; readonly token: string };

export async function signInLinkPlugin(app: FastifyInstance, deps: { readonly selfService: SelfServiceDeps; readonly strategies: Strategies }): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  app.get('/signin-link', (request, reply) => withLink(request, reply, (link) => show(link, request, reply)));
  app.post('/signin-link', (request, reply) => withLink(request, reply, (link) => confirm(link, request, reply)));

  async function withLink(request: FastifyRequest, reply: FastifyReply, handle: (link: Link) => Promise<unknown>) {
    const tenant = request.tenant ?? undefined;
    const t = pageTranslator(request, { tenant });
    if (!tenant) return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    const source = request.method === 'GET' ? (request.query as Record<string, unknown>) : formOf(request.body);
    const flowId = typeof source['flow'] === 'string' ? source['flow'] : '';
    const token = typeof source['token'] === 'string' ? source['token'] : '';
    const found = flowId && flowId.length <= 100 ? await deps.selfService.stores.flows.find(tenant.id, flowId, Date.now()) : undefined;
    const flow = found?.type === 'email_sign_in' ? found : undefined;
    const locale = flow?.payload['locale'];
    return handle({ tenant, t: locale ? pageTranslator(request, { tenant, trait: locale }) : t, flow, token });
  }

  async function show(link: Link, request: FastifyRequest, reply: FastifyReply) {
    const { flow, t, tenant } = link;
    if (!flow || flow.state !== 'active' || !tokenMatches(deps.selfService.codeKey, flow.id, secretOf(flow.payload), link.token, Date.now()) || !(await isLatestCode(deps.selfService, flow))) return invalid(link, reply);
    if (!(await inItsBrowser(request, flow))) return elsewhere(link, reply);
    const body = signInLinkPage(t, { action: `${mountPathOf(tenant)}/signin-link`, hidden: { flow: flow.id, token: link.token }, email: String(flow.payload['address'] ?? '') });
    return sendPage(reply, { t, branding: brandingOf(tenant), title: t('page.signin_link.title'), body, here: request.url });
  }

  async function confirm(link: Link, request: FastifyRequest, reply: FastifyReply) {
    const { flow, tenant } = link;
    if (!flow) return invalid(link, reply);
    if (!(await inItsBrowser(request, flow))) return elsewhere(link, reply);
    const confirmed = await confirmEmailLink(deps.strategies.emailCode, tenant, flow, link.token, requestContextOf(request));
    if (!confirmed.ok) return invalid(link, reply);
    return reply.code(303).header('location', `${mountPathOf(tenant)}/interaction/${flow.interactionUid}?continue=email`).header('cache-control', 'no-store').send();
  }

  /** Whether this is the browser whose sign-in sent the link, and that sign-in still waits; its form may then end at the application. */
  async function inItsBrowser(request: FastifyRequest, flow: Flow): Promise<boolean> {
    if (flow.kind !== 'browser' || flow.interactionUid === null || !isBoundBrowser(request, flow)) return false;
    const interaction = await (await request.tenantProvider()).Interaction.find(flow.interactionUid);
    if (!interaction) return false;
    const redirectUri = interaction.params['redirect_uri'];
    if (typeof redirectUri === 'string') allowFormTargets(request, [redirectUri]);
    return true;
  }

  function elsewhere({ tenant, t }: Link, reply: FastifyReply) {
    const body = messagePage(t('page.signin_link.elsewhere_heading'), t('page.signin_link.elsewhere_body'));
    return sendPage(reply, { t, branding: brandingOf(tenant), title: t('page.signin_link.title'), body });
  }

  function invalid({ tenant, t }: Link, reply: FastifyReply) {
    return sendPage(reply, { status: 400, t, branding: brandingOf(tenant), title: t('page.error.title'), body: errorBody(t, 'link.invalid') });
  }
}

