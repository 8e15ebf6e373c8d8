// Two-step verification in the account portal, at {issuer}/account/security (ADR 0024): set up an
// authenticator app (QR code and key, then the ten recovery codes shown once), make new recovery
// codes, turn it off, forget a remembered browser. Changes need a recent sign-in, with the second
// factor when the customer has one (SECURITY.md 16); what each does is domain/account/second-factors.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import { beginTotpEnrolment, completeTotpEnrolment, forgetRememberedDevice, hasAuthenticatorApp, regenerateRecoveryCodes, removeSecondFactors, secondFactorStatus } from '../../domain/account/second-factors.ts';
import { DomainError } from '../../domain/errors.ts';
import { smsFactorStatus } from '../../domain/account/sms-factor.ts';
import { emailOtpStatus, enableEmailOtp, removeEmailOtp } from '../../domain/account/email-otp-factor.ts';
import { formOf, parseForm } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { qrImageOf } from '../shared/qr-code.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import type { Portal } from './portal-session.ts';
import { hasValidCsrf, portalBase, portalOf } from './portal-session.ts';
import { redirectAfterChange, sendPortalPage } from './portal-page.ts';
import { securityPage } from './pages/security.page.ts';
import { enrolTotpPage, recoveryCodesPage } from '../hosted/pages/second-factor.page.ts';

type SecondFactorPortalDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly publicUrl: string;
  readonly masterSecret: string;
};

export async function secondFactorPortalPlugin(app: FastifyInstance, deps: SecondFactorPortalDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const sessionDeps = { identities: deps.stores.identities, artifacts: deps.stores.oidcArtifacts, publicUrl: deps.publicUrl, masterSecret: deps.masterSecret };
  const account = { stores: deps.stores, strategies: deps.strategies };

  app.get('/account/security', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply);
    return portal ? showSecurity(portal, reply) : reply;
  });
  app.get('/account/security/totp', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply, { recent: true });
    return portal ? showEnrolment(portal, reply) : reply;
  });
  app.post('/account/security/totp', (request, reply) =>
    change(request, reply, { returnTo: 'security/totp' }, async (portal, form) => {
      const enrolled = await completeTotpEnrolment(account, portal.customer, { enrolment: form['enrolment'] ?? '', code: form['code'] ?? '' });
      if (!enrolled.ok) return showEnrolment(portal, reply, refusalFieldError(enrolled, reply), refusalStatus(enrolled), form['enrolment']);
      return showCodes(portal, reply, enrolled.recoveryCodes, 'mfa_on');
    }),
  );
  app.post('/account/security/recovery-codes', (request, reply) =>
    change(request, reply, { secondFactor: true }, async (portal) => showCodes(portal, reply, await regenerateRecoveryCodes(account, portal.customer))),
  );
  app.post('/account/security/remove', (request, reply) =>
    change(request, reply, { secondFactor: true }, async (portal) => {
      await removeSecondFactors(account, portal.customer).catch(ignoreConflict);
      return redirectAfterChange(reply, portal, 'security', 'mfa_off');
    }),
  );
  app.post('/account/security/email', (request, reply) =>
    change(request, reply, { secondFactor: true }, async (portal) => {
      await enableEmailOtp(account, portal.customer).catch(ignoreConflict);
      return redirectAfterChange(reply, portal, 'security', 'mfa_on');
    }),
  );
  app.post('/account/security/email/remove', (request, reply) =>
    change(request, reply, { secondFactor: true }, async (portal) => {
      await removeEmailOtp(account, portal.customer).catch(ignoreConflict);
      return redirectAfterChange(reply, portal, 'security', 'mfa_off');
    }),
  );
  app.post('/account/security/devices/forget', (request, reply) =>
    change(request, reply, { recent: false }, async (portal, form) => {
      await forgetRememberedDevice(account, portal.customer, form['id'] ?? '').catch(ignoreNotFound);
      return redirectAfterChange(reply, portal, 'security', 'device');
    }),
  );

  /** A POST: signed in (recently, and with the second factor when asked), the CSRF token right. */
  async function change(request: FastifyRequest, reply: FastifyReply, options: { recent?: boolean; secondFactor?: boolean; returnTo?: string }, handle: (portal: Portal, form: Record<string, string>) => Promise<unknown>) {
    const tenant = request.tenant;
    const returnTo = tenant ? `${portalBase(tenant)}/${options.returnTo ?? 'security'}` : undefined;
    // A customer with a second factor changes it only from a session that used it.
    const secondFactor = (identity: Identity) => (tenant ? deps.strategies.hasSecondFactor(tenant, identity.id) : Promise.resolve(false));
    const portal = await portalOf(sessionDeps, request, reply, { recent: options.recent ?? true, returnTo, ...(options.secondFactor ? { secondFactor } : {}) });
    if (!portal) return reply;
    const form = formOf(request.body);
    if (!hasValidCsrf(portal, form)) {
      return sendPage(reply, { status: 403, t: portal.t, branding: brandingOf(portal.tenant), title: portal.t('page.error.title'), body: errorBody(portal.t, 'account.csrf'), here: portal.base, wide: true });
    }
    return handle(portal, form);
  }

  async function showSecurity(portal: Portal, reply: FastifyReply) {
    const status = await secondFactorStatus(account, portal.customer);
    const base = `${portal.base}/security`;
    const sms = await smsFactorStatus(account, portal.customer);
    const smsView = sms.available ? { endsWith: sms.endsWith, enrolUrl: `${base}/sms`, removeAction: `${base}/sms/remove` } : undefined;
    const email = { ...(await emailOtpStatus(account, portal.customer)), enableAction: `${base}/email`, removeAction: `${base}/email/remove` };
    const body = securityPage(portal.t, { status, csrfToken: portal.csrfToken, enrolUrl: `${base}/totp`, removeAction: `${base}/remove`, regenerateAction: `${base}/recovery-codes`, forgetAction: `${base}/devices/forget`, sms: smsView, email });
    return sendPortalPage(reply, portal, 'security', body);
  }

  /** The setup page; after a mistyped code, the same QR code and key again (`resume`: the posted enrolment). */
  async function showEnrolment(portal: Portal, reply: FastifyReply, error?: FieldError, status = 200, resume?: string) {
    if (await hasAuthenticatorApp(account, portal.customer)) return redirectAfterChange(reply, portal, 'security', 'mfa_on');
    const offer = await beginTotpEnrolment(account, portal.customer, portal.identity, resume);
    const t = portal.t;
    const body = enrolTotpPage(t, {
      action: `${portal.base}/security/totp`,
      hidden: { csrf_token: portal.csrfToken, enrolment: offer.enrolment },
      qrImage: await qrImageOf(offer.uri),
      secret: offer.secret,
      decline: undefined,
      error,
      heading: t('account.mfa.enrol'),
      intro: t('account.mfa.enrol_intro'),
    });
    return sendPortalPage(reply, portal, 'security', body, { status, title: t('account.mfa.enrol') });
  }

  function showCodes(portal: Portal, reply: FastifyReply, codes: readonly string[], done?: 'mfa_on') {
    reply.header('cache-control', 'no-store');
    const body = recoveryCodesPage(portal.t, { codes, next: { href: `${portal.base}/security${done ? `?done=${done}` : ''}` } });
    return sendPortalPage(reply, portal, 'security', body, { title: portal.t('page.mfa.codes_title') });
  }
}

function ignoreConflict(error: unknown): void {
  // Turned off already (another tab): the page shows how things are now.
  if (!(error instanceof DomainError && error.kind === 'conflict')) throw error;
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof DomainError && error.kind === 'not_found')) throw error;
}
