// The pages of an OpenID Connect interaction (interaction.plugin.ts decides which one a request
// gets): sign-in, sign-up, the emailed code, recovery and a new password, each with its flow's id
// and CSRF token in the form. The sign-in flow is derived, never stored before it completes (ADR
// 13), so its page needs nothing but the interaction.
import type { KeyObject } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type Provider from 'oidc-provider';
import { mountPathOf } from '../tenancy/mount.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { signUpAllowed } from '../../domain/tenants/tenant.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import { signInFlowOf } from '../../domain/self-service/browser-flow.ts';
import { emailSignInAllowed, smsSignInAllowed } from '../../domain/self-service/passwordless.ts';
import { traitSchemaOf } from '../../domain/identity/traits.ts';
import { signUpTraitFields } from '../../domain/identity/trait-fields.ts';
import { traitChoicesOf, traitLabelOf } from '../trait-form.ts';
import { PASSWORD_MIN_LENGTH } from '../../domain/credentials/password/policy.ts';
import type { Translate } from '../../i18n/translate.ts';
import { brandingOf, sendPage, sendTemplatedPage } from '../shared/respond.ts';
import { bindBrowser } from './browser-binding.ts';
import { signInPage } from './pages/sign-in.page.ts';
import { signUpPage } from './pages/sign-up.page.ts';
import { newPasswordPage, recoveryRequestPage } from './pages/self-service.pages.ts';
import { codePage } from '../shared/code-page.ts';
import type { FieldError } from '../shared/form-fields.ts';
import type { SafeHtml } from '../../lib/html.ts';
import type { PurposeStore } from '../../domain/privacy/purpose.port.ts';
import type { Acceptance } from '../../domain/privacy/collection.ts';
import { offersOf, purposesOf } from '../../domain/privacy/collection.ts';
import { purposeFields } from '../shared/purpose-fields.ts';
import { federationButtons } from './pages/federation.page.ts';
import type { ConnectionButton } from './pages/federation.page.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** One request's interaction: its tenant and provider, details, pages' base path, application and language, and the connections its application shows. */
export type InteractionContext = {
  tenant: Tenant;
  provider: Provider;
  details: InteractionDetails;
  uid: string;
  base: string;
  app: string;
  appLogo: string | undefined;
  t: Translate;
  gpc: boolean;
  buttons: readonly ConnectionButton[];
  /** Whether passkeys are offered here: the tenant's setting and the application's (passkeysAllowed). */
  passkeys: boolean;
};

/** The passkey button of the sign-in page, and its challenge (derived from the login flow's id: the flow completes once). */
type PasskeyPages = {
  signIn(c: InteractionContext, view: { action: string; hidden: Record<string, string>; challenge: string }): SafeHtml;
  challengeOf(tenantId: string, loginFlowId: string): string;
};

type CodePageView = { intro: string; error?: FieldError | undefined; notice?: string | undefined; startOverUrl?: string | undefined; bind?: boolean };

export function createInteractionPages(deps: { flowCsrfKey: KeyObject; secureCookies: boolean; purposes: PurposeStore; passkeys: PasskeyPages; smsAvailable: boolean }) {
  function renderSignIn(c: InteractionContext, reply: FastifyReply, email?: string, error?: FieldError, status = 200, notice?: string) {
    const branding = brandingOf(c.tenant);
    const emailCode = emailSignInAllowed(c.tenant);
    const smsCode = smsSignInAllowed(c.tenant, deps.smsAvailable);
    const page = ([uid, csrfToken, challenge]: readonly string[]) => {
      const base = `${mountPathOf(c.tenant)}/interaction/${uid}`;
      const hidden = { flow: `${uid}.login`, csrf_token: csrfToken! };
      const federation = federationButtons(c.t, { action: `${base}/federation`, hidden, buttons: c.buttons });
      const passkey = c.passkeys ? deps.passkeys.signIn(c, { action: `${base}/passkey`, hidden, challenge: challenge! }) : undefined;
      const body = signInPage(c.t, { app: c.app, appLogo: c.appLogo, action: `${base}/signin`, signUpUrl: signUpAllowed(c.tenant) ? `${base}?screen=signup` : undefined, recoveryUrl: `${base}?screen=recovery`, emailCodeUrl: emailCode ? `${base}?screen=email-code` : undefined, smsCodeUrl: smsCode ? `${base}?screen=sms-code` : undefined, hidden, email, error, notice, federation, passkey });
      return { status, t: c.t, branding, title: c.t('page.signin.title'), body, here: base, scripts: c.passkeys };
    };
    const flow = signInFlowOf(deps.flowCsrfKey, c.tenant.id, c.uid);
    const values = [c.uid, flow.csrfToken, deps.passkeys.challengeOf(c.tenant.id, flow.id)];
    // The page every customer sees first is the same for all of them but for the interaction and
    // the form's token: it is rendered once per tenant, application and language.
    if (email === undefined && !error && !notice && status === 200) {
      return sendTemplatedPage(reply, JSON.stringify(['signin', c.tenant.id, mountPathOf(c.tenant), branding, c.app, c.appLogo ?? null, c.t.locale, emailCode, smsCode, c.buttons, c.passkeys]), values, page);
    }
    return sendPage(reply, page(values));
  }

  async function renderSignUp(c: InteractionContext, reply: FastifyReply, flow: Flow, values: Readonly<Record<string, string | undefined>>, errors: Record<string, FieldError>, error?: FieldError, status = 200, checked: Acceptance = {}) {
    const traits = signUpTraitFields(traitSchemaOf(c.tenant.settings))
      .filter((trait) => trait.name !== 'email')
      .map((trait) => ({ name: trait.name, kind: trait.kind, label: traitLabelOf(c.t, trait), choices: traitChoicesOf(c.t, trait) }));
    const offers = offersOf(c.tenant, await purposesOf(deps, c.tenant.id), c.t.locale);
    const purposes = purposeFields(c.t, { offers, checked, errors, gpc: c.gpc, legend: c.t('page.purposes.legend') });
    const federation = federationButtons(c.t, { action: `${c.base}/federation`, hidden: { flow: `${c.uid}.login`, csrf_token: signInFlowOf(deps.flowCsrfKey, c.tenant.id, c.uid).csrfToken }, buttons: c.buttons });
    const body = signUpPage(c.t, { app: c.app, appLogo: c.appLogo, action: `${c.base}/signup`, signInUrl: c.base, hidden: hiddenOf(flow), traits, minLength: PASSWORD_MIN_LENGTH, values, errors, error, purposes, federation });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.signup.title'), body, here: `${c.base}?screen=signup` });
  }

  function renderCode(c: InteractionContext, reply: FastifyReply, flow: Flow, view: CodePageView, status = 200) {
    // The emailed link, opened in this browser, may finish the sign-in here: this cookie (sent only
    // to the link's page) proves it is the same browser.
    if (view.bind) bindBrowser(reply, mountPathOf(c.tenant), flow, deps.secureCookies);
    const body = codePage(c.t, { ...view, action: `${c.base}/code`, resendAction: `${c.base}/resend`, hidden: hiddenOf(flow) });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.code.title'), body, here: c.base });
  }

  function renderRecovery(c: InteractionContext, reply: FastifyReply, flow: Flow, email?: string, error?: FieldError, status = 200) {
    const body = recoveryRequestPage(c.t, { action: `${c.base}/recovery`, hidden: hiddenOf(flow), email, signInUrl: c.base, error });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.recovery.title'), body, here: `${c.base}?screen=recovery` });
  }

  function renderNewPassword(c: InteractionContext, reply: FastifyReply, flow: Flow, error?: FieldError, status = 200) {
    const body = newPasswordPage(c.t, { action: `${c.base}/recovery/password`, hidden: hiddenOf(flow), minLength: PASSWORD_MIN_LENGTH, email: String(flow.payload['address'] ?? ''), error });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.password.title'), body });
  }

  return { renderSignIn, renderSignUp, renderCode, renderRecovery, renderNewPassword };
}

function hiddenOf(flow: Flow): Record<string, string> {
  return { flow: flow.id, csrf_token: flow.csrfToken };
}
