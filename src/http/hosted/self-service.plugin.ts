// The pages emailed links open: {issuer}/verify confirms an address, and {issuer}/recovery sets a
// new password; opened in the browser whose sign-in sent the email, either then finishes that
// sign-in, and anywhere else does only that. Opening a link changes nothing (mail scanners fetch
// links); a button posts the form. Every hosted page already sends `Referrer-Policy: no-referrer`,
// so the token in the address never leaks to another site (SECURITY.md 9).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mountPathOf } from '../tenancy/mount.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { isLatestCode } from '../../domain/self-service/code-steps.ts';
import { confirmAddress } from '../../domain/self-service/registration.ts';
import { linkIsLive, resetPassword } from '../../domain/self-service/recovery.ts';
import { secretOf, tokenMatches } from '../../domain/self-service/one-time-code.ts';
import { PASSWORD_MIN_LENGTH } from '../../domain/credentials/password/policy.ts';
import type { Translate } from '../../i18n/translate.ts';
import { allowFormTargets, brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { pageTranslator } from '../shared/locale.ts';
import { formOf, parseForm } from '../shared/form.ts';
import { isBoundBrowser } from './browser-binding.ts';
import { refusalFieldError } from '../refusal.ts';
import { requestContextOf } from '../request-context.ts';
import { readDeviceCookie, setDeviceCookie } from '../device-cookie.ts';
import { confirmLinkPage, messagePage, newPasswordPage } from './pages/self-service.pages.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { registerPageErrors } from '../shared/page-errors.ts';

type SelfServicePluginDeps = { readonly selfService: SelfServiceDeps };

type Link = { tenant: Tenant; t: Translate; flow: Flow | undefined; token: string };

export async function selfServicePlugin(app: FastifyInstance, deps: SelfServicePluginDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  app.get('/verify', (request, reply) => withLink(request, reply, (link) => showVerify(link, request, reply)));
  app.post('/verify', (request, reply) => withLink(request, reply, (link) => verify(link, request, reply)));
  app.get('/recovery', (request, reply) => withLink(request, reply, (link) => showRecovery(link, request, reply)));
  app.post('/recovery', (request, reply) => withLink(request, reply, (link) => recover(link, request, reply)));

  async function withLink(request: FastifyRequest, reply: FastifyReply, handle: (link: Link) => Promise<unknown>) {
    const tenant = request.tenant ?? undefined;
    const t = pageTranslator(request, { tenant });
    if (!tenant) return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    // Links carry flow and token in the query; the confirming forms post them back.
    const source = request.method === 'GET' ? (request.query as Record<string, unknown>) : formOf(request.body);
    const flowId = typeof source['flow'] === 'string' ? source['flow'] : '';
    const token = typeof source['token'] === 'string' ? source['token'] : '';
    const flow = flowId && flowId.length <= 100 ? await deps.selfService.stores.flows.find(tenant.id, flowId, Date.now()) : undefined;
    const trait = flow?.payload['locale'];
    return handle({ tenant, t: trait ? pageTranslator(request, { tenant, trait }) : t, flow, token });
  }

  function invalidLink({ tenant, t }: Link, reply: FastifyReply) {
    return sendPage(reply, { status: 400, t, branding: brandingOf(tenant), title: t('page.error.title'), body: errorBody(t, 'link.invalid') });
  }

  async function showVerify(link: Link, request: FastifyRequest, reply: FastifyReply) {
    const { flow, t, tenant } = link;
    if (!flow || (flow.type !== 'registration' && flow.type !== 'verification') || flow.state !== 'active') return invalidLink(link, reply);
    if (!tokenMatches(deps.selfService.codeKey, flow.id, secretOf(flow.payload), link.token, Date.now()) || !(await isLatestCode(deps.selfService, flow))) return invalidLink(link, reply);
    if (flow.interactionUid !== null) {
      // Confirming in the browser that started a sign-in continues it, to the application at last.
      const interaction = await (await request.tenantProvider()).Interaction.find(flow.interactionUid);
      const redirectUri = interaction?.params['redirect_uri'];
      if (typeof redirectUri === 'string') allowFormTargets(request, [redirectUri]);
    }
    const body = confirmLinkPage(t, { action: `${mountPathOf(tenant)}/verify`, hidden: { flow: flow.id, token: link.token }, email: String(flow.payload['address'] ?? '') });
    return sendPage(reply, { t, branding: brandingOf(tenant), title: t('page.verify.title'), body, here: request.url });
  }

  async function verify(link: Link, request: FastifyRequest, reply: FastifyReply) {
    const { flow, t, tenant } = link;
    if (!flow || (flow.type !== 'registration' && flow.type !== 'verification')) return invalidLink(link, reply);
    // A flow of a sign-in continues there, and only in the browser that started it.
    const sameBrowser = flow.interactionUid !== null && isBoundBrowser(request, flow);
    const to = flow.interactionUid !== null ? 'verified' : 'complete';
    const context = requestContextOf(request);
    const verified = await confirmAddress(deps.selfService, tenant, flow, { token: link.token }, context, to, { sameBrowser });
    if (!verified.ok) return invalidLink(link, reply);
    if (sameBrowser) return reply.code(303).header('location', `${mountPathOf(tenant)}/interaction/${flow.interactionUid}?continue=verified`).header('cache-control', 'no-store').send();
    const changed = flow.payload['purpose'] === 'change_email';
    const body = changed
      ? messagePage(t('page.verify.changed.heading'), t('page.verify.changed.body', { email: String(flow.payload['address']) }))
      : messagePage(t('page.verify.done.heading'), t('page.verify.done.body'));
    return sendPage(reply, { t, branding: brandingOf(tenant), title: t('page.verify.title'), body });
  }

  async function showRecovery(link: Link, request: FastifyRequest, reply: FastifyReply) {
    if (!link.flow || link.flow.type !== 'recovery' || !(await linkIsLive(deps.selfService, link.flow, link.token))) return invalidLink(link, reply);
    return renderNewPassword(link, request, reply, link.flow);
  }

  async function recover(link: Link, request: FastifyRequest, reply: FastifyReply) {
    const { flow, t, tenant } = link;
    if (!flow || flow.type !== 'recovery') return invalidLink(link, reply);
    const context = requestContextOf(request);
    const password = formOf(request.body)['password'] ?? '';
    // Opened in the browser whose sign-in asked for it: that sign-in goes on once the password is set.
    const pending = await pendingSignIn(request, flow);
    const reset = await resetPassword(deps.selfService, tenant, flow, password, context, link.token, readDeviceCookie(request, tenant), { sameBrowser: pending !== undefined });
    if (!reset.ok && reset.code === 'invalid') return renderNewPassword(link, request, reply, flow, { code: reset.problems[0]!.code, params: { min: PASSWORD_MIN_LENGTH, max: 1024 } }, 400);
    if (!reset.ok && reset.code === 'code.throttled') return renderNewPassword(link, request, reply, flow, refusalFieldError(reset, reply), 429);
    if (!reset.ok) return invalidLink(link, reply);
    // This browser proved the inbox: its next sign-in is throttled on its own key, whatever someone
    // else guesses meanwhile.
    setDeviceCookie(reply, tenant, reset.deviceToken, deps.selfService.publicUrl.startsWith('https:'));
    // That sign-in goes on as after the code (SECURITY.md 7): through the second-factor step, which
    // asks for the customer's second factor when one is due, so an inbox alone never passes it.
    // Anywhere else the link only sets the password.
    if (pending) return reply.code(303).header('location', `${mountPathOf(tenant)}/interaction/${flow.interactionUid}?continue=recovered`).header('cache-control', 'no-store').send();
    return sendPage(reply, { t, branding: brandingOf(tenant), title: t('page.recovery.title'), body: messagePage(t('page.recovery.done.heading'), t('page.recovery.done.body')) });
  }

  /**
   * The sign-in this recovery was asked for from, when the link is opened in the browser that asked
   * (the code page's binding cookie) and that sign-in still waits for the customer.
   */
  async function pendingSignIn(request: FastifyRequest, flow: Flow) {
    if (flow.interactionUid === null || !isBoundBrowser(request, flow)) return undefined;
    const interaction = await (await request.tenantProvider()).Interaction.find(flow.interactionUid);
    return interaction?.prompt.name === 'login' && !interaction.result ? interaction : undefined;
  }

  async function renderNewPassword(link: Link, request: FastifyRequest, reply: FastifyReply, flow: Flow, error?: FieldError, status = 200) {
    const { tenant, t, token } = link;
    // The form may finish a sign-in, which ends at the application (respond.ts, allowFormTargets).
    const redirectUri = (await pendingSignIn(request, flow))?.params['redirect_uri'];
    if (typeof redirectUri === 'string') allowFormTargets(request, [redirectUri]);
    const body = newPasswordPage(t, { action: `${mountPathOf(tenant)}/recovery`, hidden: { flow: flow.id, token }, minLength: PASSWORD_MIN_LENGTH, email: String(flow.payload['address'] ?? ''), error });
    return sendPage(reply, { status, t, branding: brandingOf(tenant), title: t('page.password.title'), body });
  }
}
