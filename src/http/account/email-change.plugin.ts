// Changing the email address from the account portal, at {issuer}/account/email: a recent sign-in
// (SECURITY.md 16), the new address, then the code sent to it (or its link, which works from any
// browser). Until the code is entered nothing changes; afterwards the old address is told.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Flow } from '../../domain/flows/flow.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import type { Stores } from '../../domain/unit-of-work.ts';
import { resendCode } from '../../domain/self-service/code-steps.ts';
import { confirmAddress } from '../../domain/self-service/registration.ts';
import { emailChangeOf, startEmailChange } from '../../domain/self-service/verification.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { formOf, parseForm } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { codePage } from '../shared/code-page.ts';
import type { Portal } from './portal-session.ts';
import { hasValidCsrf, portalOf } from './portal-session.ts';
import { redirectAfterChange, sendPortalPage } from './portal-page.ts';
import { emailChangePage } from './pages/email.page.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';

type EmailChangeDeps = {
  /** Its stores serve the portal session too, which also reads the customer's browser sessions. */
  readonly selfService: SelfServiceDeps & { readonly stores: Pick<Stores, 'oidcArtifacts'> };
  readonly publicUrl: string;
  readonly masterSecret: string;
};

export async function emailChangePlugin(app: FastifyInstance, deps: EmailChangeDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const sessionDeps = { identities: deps.selfService.stores.identities, artifacts: deps.selfService.stores.oidcArtifacts, publicUrl: deps.publicUrl, masterSecret: deps.masterSecret };

  app.get('/account/email', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply, { recent: true });
    return portal ? showForm(portal, reply) : reply;
  });
  app.post('/account/email', (request, reply) => posted(request, reply, true, (portal, form) => start(portal, form, reply)));
  app.post('/account/email/code', (request, reply) => posted(request, reply, false, (portal, form) => confirm(portal, form, reply)));
  app.post('/account/email/resend', (request, reply) => posted(request, reply, false, (portal, form) => resend(portal, form, reply)));

  /** A signed-in POST with the portal's CSRF token. The first step needs a recent sign-in; the code steps follow it. */
  async function posted(request: FastifyRequest, reply: FastifyReply, recent: boolean, handle: (portal: Portal, form: Record<string, string>) => Promise<unknown>) {
    const portal = await portalOf(sessionDeps, request, reply, { recent, returnTo: request.url.replace(/\/(code|resend)$/, '') });
    if (!portal) return reply;
    const form = formOf(request.body);
    if (!hasValidCsrf(portal, form)) {
      return sendPage(reply, { status: 403, t: portal.t, branding: brandingOf(portal.tenant), title: portal.t('page.error.title'), body: errorBody(portal.t, 'account.csrf'), here: portal.base, wide: true });
    }
    return handle(portal, form);
  }

  function showForm(portal: Portal, reply: FastifyReply, value?: string, error?: FieldError, status = 200) {
    const body = emailChangePage(portal.t, { action: `${portal.base}/email`, csrfToken: portal.csrfToken, current: String(portal.identity.traits['email'] ?? ''), value, error });
    return sendPortalPage(reply, portal, 'profile', body, { status, title: portal.t('account.email.heading') });
  }

  function showCode(portal: Portal, reply: FastifyReply, flow: Flow, view: { error?: FieldError; notice?: string } = {}, status = 200) {
    const body = codePage(portal.t, {
      intro: portal.t('page.code.intro', { email: String(flow.payload['address'] ?? '') }),
      action: `${portal.base}/email/code`,
      resendAction: `${portal.base}/email/resend`,
      hidden: { flow: flow.id, csrf_token: portal.csrfToken },
      startOverUrl: `${portal.base}/email`,
      ...view,
    });
    return sendPortalPage(reply, portal, 'profile', body, { status, title: portal.t('account.email.heading') });
  }

  async function start(portal: Portal, form: Record<string, string>, reply: FastifyReply) {
    const email = form['email'] ?? '';
    try {
      const started = await startEmailChange(deps.selfService, portal.tenant, portal.identity, email, 'browser', portal.customer.context, portal.t.locale);
      if (!started.ok) return showForm(portal, reply, email, refusalFieldError(started, reply), 429);
      return showCode(portal, reply, started.flow);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const problem = error.problems[0]!;
      return showForm(portal, reply, email, { code: problem.code, params: { max: 254 } }, 400);
    }
  }

  async function confirm(portal: Portal, form: Record<string, string>, reply: FastifyReply) {
    const flow = await emailChangeOf(deps.selfService, portal.tenant.id, portal.identity.id, form['flow'] ?? '');
    if (!flow) return showForm(portal, reply, undefined, { code: 'flow.expired' }, 400);
    try {
      const verified = await confirmAddress(deps.selfService, portal.tenant, flow, { code: form['code'] ?? '' }, portal.customer.context, 'complete');
      if (!verified.ok) return showCode(portal, reply, flow, { error: refusalFieldError(verified, reply) }, refusalStatus(verified));
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict') return showForm(portal, reply, String(flow.payload['address']), { code: 'identity.address_taken' }, 409);
      throw error;
    }
    return redirectAfterChange(reply, portal, 'profile', 'email');
  }

  async function resend(portal: Portal, form: Record<string, string>, reply: FastifyReply) {
    const flow = await emailChangeOf(deps.selfService, portal.tenant.id, portal.identity.id, form['flow'] ?? '');
    if (!flow) return showForm(portal, reply, undefined, { code: 'flow.expired' }, 400);
    const sent = await resendCode(deps.selfService, { tenant: portal.tenant, flow, locale: portal.t.locale, linkPath: 'verify', kind: 'verify_email', context: portal.customer.context });
    if (!sent.ok) return showCode(portal, reply, flow, { error: refusalFieldError(sent, reply) }, refusalStatus(sent));
    return showCode(portal, reply, { ...flow, payload: sent.payload }, { notice: portal.t('page.code.resent') });
  }
}

