// Sign-in by an emailed code on the hosted pages (ADR 0031): "Email me a sign-in code instead" on
// the sign-in page opens a page asking for the address, then the shared code page; the right code,
// or the emailed link opened in this browser (sign-in-link.plugin.ts), signs the customer in and
// goes on to the second-factor step like any first factor. The same pages follow for an address
// nobody owns (SECURITY.md 1). Everything works without JavaScript.
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { AuthenticationResult } from '../../domain/credentials/authentication.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { RequestContext } from '../../domain/audit/audit.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { resendCode } from '../../domain/self-service/code-steps.ts';
import { continueEmailSignIn, emailSignInAllowed, signInByEmailCode, smsSignInAllowed, startEmailSignIn, startSmsSignIn } from '../../domain/self-service/passwordless.ts';
import { signInFlowOf, submittedFlow } from '../../domain/self-service/browser-flow.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { readDeviceCookie, setDeviceCookie } from '../device-cookie.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { formOf } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { codePage } from '../shared/code-page.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import { bindBrowser } from './browser-binding.ts';
import type { InteractionContext as Context } from './interaction-pages.ts';
import { emailSignInPage, smsSignInPage } from './pages/email-sign-in.page.ts';

type StepDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly selfService: SelfServiceDeps;
  readonly flowCsrfKey: KeyObject;
  readonly secureCookies: boolean;
  /** Where every first factor ends: the second-factor step, or the application (second-factor.step.ts). */
  readonly signedIn: (c: Context, request: FastifyRequest, reply: FastifyReply, first: AuthenticationResult) => Promise<unknown>;
  readonly contextOf: (c: Context, request: FastifyRequest) => RequestContext;
};

export function createEmailSignInStep(deps: StepDeps) {
  const flowDeps = { flows: deps.stores.flows, csrfKey: deps.flowCsrfKey };

  /** The page asking for the address; its form carries the interaction's sign-in token (nothing is stored to show it). */
  function show(c: Context, reply: FastifyReply, email?: string, error?: FieldError, status = 200) {
    if (!emailSignInAllowed(c.tenant)) return unavailable(c, reply);
    const login = signInFlowOf(deps.flowCsrfKey, c.tenant.id, c.uid);
    const body = emailSignInPage(c.t, { app: c.app, appLogo: c.appLogo, action: `${c.base}/email-code`, hidden: { flow: login.id, csrf_token: login.csrfToken }, email, passwordUrl: c.base, error });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.email_signin.title'), body, here: `${c.base}?screen=email-code` });
  }

  async function request(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const login = await submittedFlow(flowDeps, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'login');
    if (!login) return show(c, reply, form['email'], { code: 'flow.csrf' }, 400);
    const started = await startEmailSignIn(deps.selfService, c.tenant, { kind: 'browser', interactionUid: c.uid }, form['email'] ?? '', deps.contextOf(c, request), c.t.locale);
    if (!started.ok && started.code === 'signin.method_unavailable') return unavailable(c, reply);
    if (!started.ok && started.code === 'email.invalid') return show(c, reply, form['email'], { code: 'email.invalid' }, 400);
    if (!started.ok) return show(c, reply, form['email'], refusalFieldError(started, reply), refusalStatus(started));
    // The same page whether or not an account uses this address (SECURITY.md 1).
    return renderCode(c, reply, started.flow, {}, 200, true);
  }

  async function enterCode(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await codeFlow(c, form);
    if (!flow) return expired(c, reply);
    const signedIn = await signInByEmailCode(deps.selfService, deps.strategies.emailCode, c.tenant, flow, { code: form['code'] ?? '' }, deps.contextOf(c, request), readDeviceCookie(request, c.tenant));
    if (!signedIn.ok) return renderCode(c, reply, flow, { error: refusalFieldError(signedIn, reply) }, refusalStatus(signedIn));
    setDeviceCookie(reply, c.tenant, signedIn.deviceToken, deps.secureCookies);
    return deps.signedIn(c, request, reply, signedIn.result);
  }

  async function resend(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await codeFlow(c, form);
    if (!flow) return expired(c, reply);
    const sent = await resendCode(deps.selfService, { tenant: c.tenant, flow, locale: c.t.locale, linkPath: 'signin-link', kind: 'sign_in_code', context: deps.contextOf(c, request) });
    if (!sent.ok) return renderCode(c, reply, flow, { error: refusalFieldError(sent, reply) }, refusalStatus(sent));
    return renderCode(c, reply, { ...flow, payload: sent.payload }, { notice: c.t('page.code.resent') });
  }

  /** Back from the emailed link opened in this browser: the sign-in it confirmed continues, once. */
  async function continueFromLink(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const signedIn = await continueEmailSignIn(deps.selfService, c.tenant, c.uid, readDeviceCookie(request, c.tenant), deps.contextOf(c, request));
    if (!signedIn) return false;
    setDeviceCookie(reply, c.tenant, signedIn.deviceToken, deps.secureCookies);
    await deps.signedIn(c, request, reply, signedIn.result);
    return true;
  }

  function renderCode(c: Context, reply: FastifyReply, flow: Flow, view: { error?: FieldError; notice?: string }, status = 200, bind = false) {
    // The emailed link, opened in this browser, may finish the sign-in: this cookie (sent only to the link's page) proves it.
    if (bind) bindBrowser(reply, mountPathOf(c.tenant), flow, deps.secureCookies);
    const hidden = { flow: flow.id, csrf_token: flow.csrfToken };
    const intro = c.t('page.code.intro_signin', { email: String(flow.payload['address'] ?? '') });
    const body = codePage(c.t, { intro, ...view, action: `${c.base}/email-code/verify`, resendAction: `${c.base}/email-code/resend`, hidden, startOverUrl: `${c.base}?screen=email-code` });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.code.title'), body, here: c.base });
  }

  function codeFlow(c: Context, form: Record<string, string>): Promise<Flow | undefined> {
    return submittedFlow(flowDeps, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'email_sign_in');
  }

  function unavailable(c: Context, reply: FastifyReply) {
    return sendPage(reply, { status: 404, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.error.title'), body: errorBody(c.t, 'signin.method_unavailable') });
  }

  function expired(c: Context, reply: FastifyReply) {
    return sendPage(reply, { status: 400, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.error.title'), body: errorBody(c.t, 'flow.expired') });
  }

  // Sign-in by a texted code (ADR 0031): the same pages with a phone number and no link.
  const smsDeps = { ...deps.selfService, smsAvailable: deps.strategies.enrolments.sms.available };

  function showSms(c: Context, reply: FastifyReply, phone?: string, error?: FieldError, status = 200) {
    if (!smsSignInAllowed(c.tenant, smsDeps.smsAvailable)) return unavailable(c, reply);
    const login = signInFlowOf(deps.flowCsrfKey, c.tenant.id, c.uid);
    const body = smsSignInPage(c.t, { app: c.app, appLogo: c.appLogo, action: `${c.base}/sms-code`, hidden: { flow: login.id, csrf_token: login.csrfToken }, phone, passwordUrl: c.base, error });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.email_signin.title'), body, here: `${c.base}?screen=sms-code` });
  }

  async function requestSms(c: Context, request: FastifyRequest, reply: FastifyReply, resendOf?: Flow) {
    const form = formOf(request.body);
    const login = resendOf ?? (await submittedFlow(flowDeps, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'login'));
    if (!login) return showSms(c, reply, form['phone'], { code: 'flow.csrf' }, 400);
    const phone = resendOf ? String(resendOf.payload['address'] ?? '') : (form['phone'] ?? '');
    const started = await startSmsSignIn(smsDeps, c.tenant, { kind: 'browser', interactionUid: c.uid }, phone, deps.contextOf(c, request), c.t.locale);
    if (!started.ok) {
      if (started.code === 'signin.method_unavailable') return unavailable(c, reply);
      if (started.code === 'code.throttled') return showSms(c, reply, phone, refusalFieldError(started, reply), 429);
      return showSms(c, reply, phone, { code: started.code }, 400);
    }
    // The same page whether or not an account uses this number (SECURITY.md 1).
    return renderSmsCode(c, reply, started.flow, resendOf ? { notice: c.t('page.code.resent') } : {});
  }

  async function enterSmsCode(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submittedFlow(flowDeps, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'sms_sign_in');
    if (!flow) return expired(c, reply);
    const signedIn = await signInByEmailCode(deps.selfService, deps.strategies.smsCode, c.tenant, flow, { code: form['code'] ?? '' }, deps.contextOf(c, request), readDeviceCookie(request, c.tenant));
    if (!signedIn.ok) return renderSmsCode(c, reply, flow, { error: refusalFieldError(signedIn, reply) }, refusalStatus(signedIn));
    setDeviceCookie(reply, c.tenant, signedIn.deviceToken, deps.secureCookies);
    return deps.signedIn(c, request, reply, signedIn.result);
  }

  async function resendSms(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submittedFlow(flowDeps, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'sms_sign_in');
    if (!flow) return expired(c, reply);
    return requestSms(c, request, reply, flow);
  }

  function renderSmsCode(c: Context, reply: FastifyReply, flow: Flow, view: { error?: FieldError; notice?: string }, status = 200) {
    const intro = c.t('page.code.intro_sms', { phone: String(flow.payload['address'] ?? '') });
    const body = codePage(c.t, { intro, ...view, action: `${c.base}/sms-code/verify`, resendAction: `${c.base}/sms-code/resend`, hidden: { flow: flow.id, csrf_token: flow.csrfToken }, startOverUrl: `${c.base}?screen=sms-code` });
    return sendPage(reply, { status, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.code.title_sms'), body, here: c.base });
  }

  return { show, request, enterCode, resend, continueFromLink, showSms, requestSms: (c: Context, request: FastifyRequest, reply: FastifyReply) => requestSms(c, request, reply), enterSmsCode, resendSms };
}
