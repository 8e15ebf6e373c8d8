// Codes by text message in the account portal (ADR 0031), at {issuer}/account/security/sms: add a
// phone number (a code texted to it proves it) or remove it. Changes need a recent sign-in, and
// removing needs one with the second factor when the customer has one (SECURITY.md 16); what each
// does is domain/account/sms-factor.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import { beginSmsEnrolment, completeSmsEnrolment, removeSmsFactor, smsFactorStatus } from '../../domain/account/sms-factor.ts';
import { formOf, parseForm } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import type { Portal } from './portal-session.ts';
import { hasValidCsrf, portalBase, portalOf } from './portal-session.ts';
import { redirectAfterChange, sendPortalPage } from './portal-page.ts';
import { smsCodePage, smsPhonePage } from './pages/sms-factor.page.ts';

type SmsPortalDeps = { readonly stores: Stores; readonly strategies: Strategies; readonly publicUrl: string; readonly masterSecret: string };

export async function smsFactorPortalPlugin(app: FastifyInstance, deps: SmsPortalDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const sessionDeps = { identities: deps.stores.identities, artifacts: deps.stores.oidcArtifacts, publicUrl: deps.publicUrl, masterSecret: deps.masterSecret };
  const account = { stores: deps.stores, strategies: deps.strategies };

  app.get('/account/security/sms', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply, { recent: true });
    return portal ? showPhone(portal, reply) : reply;
  });
  app.post('/account/security/sms', (request, reply) =>
    change(request, reply, { returnTo: 'security/sms' }, async (portal, form) => {
      const sent = await beginSmsEnrolment(account, portal.customer, form['phone'] ?? '');
      if (!sent.ok) return showPhone(portal, reply, form['phone'], refusalFieldError(sent, reply), sent.code === 'code.throttled' ? 429 : 400);
      return showCode(portal, reply, sent.enrolment, sent.endsWith);
    }),
  );
  app.post('/account/security/sms/confirm', (request, reply) =>
    change(request, reply, { returnTo: 'security/sms' }, async (portal, form) => {
      const enrolled = await completeSmsEnrolment(account, portal.customer, { enrolment: form['enrolment'] ?? '', code: form['code'] ?? '' });
      if (!enrolled.ok && enrolled.code === 'mfa.code_invalid') return showCode(portal, reply, form['enrolment'] ?? '', form['ending'] ?? '', refusalFieldError(enrolled, reply), 400);
      if (!enrolled.ok && enrolled.code !== 'mfa.already_enrolled') return showPhone(portal, reply, undefined, refusalFieldError(enrolled, reply), refusalStatus(enrolled));
      return redirectAfterChange(reply, portal, 'security', 'mfa_on');
    }),
  );
  app.post('/account/security/sms/remove', (request, reply) =>
    change(request, reply, { secondFactor: true }, async (portal) => {
      await removeSmsFactor(account, portal.customer);
      return redirectAfterChange(reply, portal, 'security', 'mfa_off');
    }),
  );

  async function change(request: FastifyRequest, reply: FastifyReply, options: { secondFactor?: boolean; returnTo?: string }, handle: (portal: Portal, form: Record<string, string>) => Promise<unknown>) {
    const tenant = request.tenant;
    const returnTo = tenant ? `${portalBase(tenant)}/${options.returnTo ?? 'security'}` : undefined;
    const secondFactor = async (identity: Identity) => (tenant ? deps.strategies.hasSecondFactor(tenant, identity.id) : false);
    const portal = await portalOf(sessionDeps, request, reply, { recent: true, returnTo, ...(options.secondFactor ? { secondFactor } : {}) });
    if (!portal) return reply;
    const form = formOf(request.body);
    if (!hasValidCsrf(portal, form)) {
      return sendPage(reply, { status: 403, t: portal.t, branding: brandingOf(portal.tenant), title: portal.t('page.error.title'), body: errorBody(portal.t, 'account.csrf'), here: portal.base, wide: true });
    }
    return handle(portal, form);
  }

  async function showPhone(portal: Portal, reply: FastifyReply, phone?: string, error?: FieldError, status = 200) {
    const current = await smsFactorStatus(account, portal.customer);
    if (current.endsWith !== undefined) return redirectAfterChange(reply, portal, 'security', 'mfa_on');
    const t = portal.t;
    if (!current.available) return sendPortalPage(reply, portal, 'security', errorBody(t, 'mfa.method_unavailable'), { status: 404, title: t('account.mfa.sms_enrol') });
    const body = smsPhonePage(t, { action: `${portal.base}/security/sms`, hidden: { csrf_token: portal.csrfToken }, phone, error });
    return sendPortalPage(reply, portal, 'security', body, { status, title: t('account.mfa.sms_enrol') });
  }

  function showCode(portal: Portal, reply: FastifyReply, enrolment: string, endsWith: string, error?: FieldError, status = 200) {
    const t = portal.t;
    const body = smsCodePage(t, { action: `${portal.base}/security/sms/confirm`, hidden: { csrf_token: portal.csrfToken, enrolment, ending: endsWith }, endsWith, error });
    return sendPortalPage(reply, portal, 'security', body, { status, title: t('account.mfa.sms_enrol') });
  }
}
