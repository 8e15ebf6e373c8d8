// The second-factor step on the hosted pages (ADR 0024): every way an interaction signs a customer
// in (password, emailed code, link, recovery) ends in `signedIn`, which asks the domain whether a
// second factor is due (domain/self-service/second-factor.ts) and either finishes the interaction
// or shows the step. The step's forms post to /interaction/{uid}/second-factor/…; an application's
// request for more on an existing session (`acr_values`) opens the step directly (`stepUp`).
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { AuthenticationResult } from '../../domain/credentials/authentication.ts';
import { MFA_ACR } from '../../domain/credentials/authentication.ts';
import { PASSWORD } from '../../domain/credentials/password/password-sign-in.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { ThrottleStore } from '../../domain/flows/throttle.port.ts';
import { deviceOf } from '../../domain/flows/device-token.ts';
import type { RequestContext } from '../../domain/audit/audit.ts';
import { normalizeAddress } from '../../domain/identity/identity.ts';
import { emailOf } from '../../domain/self-service/sign-in.ts';
import { completeSecondFactor, effectivePolicy, enrolAtSignIn, mayDecline, passkeyBindingOf, payloadOf, secondFactorDemand, startSecondFactor, verifySecondFactor } from '../../domain/self-service/second-factor.ts';
import type { SafeHtml } from '../../lib/html.ts';
import { isRememberedDevice, REMEMBERED_DEVICE_LIFETIME_MS, rememberThisDevice } from '../../domain/self-service/remembered-devices.ts';
import type { CountryOf } from '../../domain/self-service/sign-in-countries.ts';
import { isNewSignInCountry } from '../../domain/self-service/sign-in-countries.ts';
import { submittedFlow } from '../../domain/self-service/browser-flow.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { readDeviceCookie } from '../device-cookie.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { formOf } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import { qrImageOf } from '../shared/qr-code.ts';
import { assuranceRequestOf } from '../oidc/acr.ts';
import { loginResultOf } from './login-result.ts';
import type { InteractionContext as Context } from './interaction-pages.ts';
import { enrolTotpPage, recoveryCodesPage, secondFactorPage } from './pages/second-factor.page.ts';

type StepDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly throttle: ThrottleStore;
  readonly flowCsrfKey: KeyObject;
  readonly deviceKey?: KeyObject | undefined;
  readonly rememberKey: KeyObject;
  /** The GEOIP_DATABASE lookup (adaptive MFA's new-country signal); unset, no country is read. */
  readonly countryOf?: CountryOf | undefined;
  readonly secureCookies: boolean;
  readonly finish: (c: Context, reply: FastifyReply, result: InteractionResults) => Promise<unknown>;
  readonly contextOf: (c: Context, request: FastifyRequest) => RequestContext;
  /** The passkey form of the step (passkey.step.ts), when the customer has a passkey. */
  readonly passkey: { secondFactor(c: Context, view: { action: string; hidden: Record<string, string>; identityId: string; binding: string }): Promise<SafeHtml> };
};

const REMEMBER_COOKIE = 'foyer_mfa_device';

export function createSecondFactorStep(deps: StepDeps) {
  const rememberDeps = { rememberedDevices: deps.stores.rememberedDevices, key: deps.rememberKey };

  /** A first factor completed: finish the interaction, or show the second-factor step when one is due. */
  async function signedIn(c: Context, request: FastifyRequest, reply: FastifyReply, first: AuthenticationResult): Promise<unknown> {
    // A first factor of the MFA class (a passkey) is never asked for another (secondFactorDemand):
    // no application policy, identity or device to read for it.
    if (first.acr === MFA_ACR) return deps.finish(c, reply, loginResultOf(first));
    const requested = assuranceRequestOf(c.details.params);
    const application = await applicationPolicyOf(c);
    const policy = effectivePolicy(c.tenant, application);
    // Most sign-ins: nothing asked, nothing to read.
    if (policy === 'off' && requested === 'none') return deps.finish(c, reply, loginResultOf(first));
    const identity = await deps.stores.identities.findById(c.tenant.id, first.identityId);
    const identifier = identity ? normalizeAddress('email', emailOf(identity)) : '';
    const now = Date.now();
    const seenDevice = deps.deviceKey !== undefined && deviceOf(deps.deviceKey, c.tenant.id, identifier, readDeviceCookie(request, c.tenant), now) !== undefined;
    const rememberedDevice = await isRememberedDevice(rememberDeps, c.tenant.id, first.identityId, readRememberCookie(request), now);
    const newCountry = policy === 'adaptive' && deps.countryOf !== undefined && (await isNewSignInCountry({ store: deps.stores.signInCountries, countryOf: deps.countryOf }, c.tenant.id, first.identityId, request.ip));
    const demand = await secondFactorDemand({ strategies: deps.strategies, throttle: deps.throttle }, c.tenant, first, { policy, requested, signals: { seenDevice, rememberedDevice, newCountry }, identifier, unavailable: c.passkeys ? [] : ['passkey'] });
    if (demand.kind === 'none') return deps.finish(c, reply, loginResultOf(first));
    const flow = await startSecondFactor(deps.stores.flows, c.tenant.id, { kind: 'browser', interactionUid: c.uid }, first, demand);
    return render(c, reply, flow);
  }

  /** An application asked for more than the customer's session has: the step, for the signed-in account. */
  async function stepUp(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const session = c.details.session!;
    const amr = (session.amr ?? PASSWORD.amr) as AuthenticationResult['amr'];
    const first: AuthenticationResult = { identityId: session.accountId, method: PASSWORD.id, amr, acr: session.acr ?? PASSWORD.acr, aal: 1 };
    return signedIn(c, request, reply, first);
  }

  async function render(c: Context, reply: FastifyReply, flow: Flow, error?: FieldError, failedMethod?: string, status = 200, resume?: string, sent?: 'sms' | 'email_otp'): Promise<unknown> {
    const { demand } = payloadOf(flow);
    const hidden = { flow: flow.id, csrf_token: flow.csrfToken };
    const decline = declineOf(c, flow);
    const page = { status, t: c.t, branding: brandingOf(c.tenant), here: c.base };
    if (demand.kind === 'verify') {
      const endsWith = demand.methods.includes('sms') ? await deps.strategies.secondFactors.sms.phoneEnding(c.tenant, payloadOf(flow).first.identityId) : undefined;
      const sms = endsWith === undefined ? undefined : { sendAction: `${c.base}/second-factor/send`, endsWith, sent: sent === 'sms' };
      const address = demand.methods.includes('email_otp') ? await deps.strategies.secondFactors.email_otp.maskedAddress(c.tenant, payloadOf(flow).first.identityId) : undefined;
      const email = address === undefined ? undefined : { sendAction: `${c.base}/second-factor/send`, address, sent: sent === 'email_otp' };
      const withPasskey = demand.methods.includes('passkey');
      const passkey = withPasskey ? await deps.passkey.secondFactor(c, { action: `${c.base}/second-factor`, hidden, identityId: payloadOf(flow).first.identityId, binding: passkeyBindingOf(flow) }) : undefined;
      const body = secondFactorPage(c.t, { action: `${c.base}/second-factor`, hidden, methods: demand.methods, decline, error, failedMethod, sms, email, passkey });
      return sendPage(reply, { ...page, title: c.t('page.mfa.title'), body, scripts: withPasskey });
    }
    const identity = await deps.stores.identities.findById(c.tenant.id, payloadOf(flow).first.identityId);
    if (!identity) return sendPage(reply, { ...page, status: 400, title: c.t('page.error.title'), body: errorBody(c.t, 'flow.expired') });
    const offer = await deps.strategies.enrolments.totp.begin(c.tenant, identity, Date.now(), resume);
    const body = enrolTotpPage(c.t, { action: `${c.base}/second-factor/enrol`, hidden: { ...hidden, enrolment: offer.enrolment }, qrImage: await qrImageOf(offer.uri), secret: offer.secret, decline, error });
    return sendPage(reply, { ...page, title: c.t('page.mfa.enrol_title'), body });
  }

  function declineOf(c: Context, flow: Flow) {
    if (mayDecline(flow)) return { action: `${c.base}/second-factor/decline`, label: c.t('page.mfa.decline') };
    // An essential request the customer cannot meet ends in the application's error, never a downgrade.
    if (assuranceRequestOf(c.details.params) === 'essential') return { action: `${c.base}/second-factor/decline`, label: c.t('page.mfa.cancel') };
    return undefined;
  }

  async function submit(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const form = formOf(request.body);
    const flow = await stepFlow(c, form, ['active']);
    if (!flow) return expired(c, reply);
    const method = form['method'] ?? '';
    const verified = await verifySecondFactor(deps, c.tenant, flow, { method, code: form['code'] ?? '' }, deps.contextOf(c, request));
    if (!verified.ok) return render(c, reply, flow, refusalFieldError(verified, reply), method, refusalStatus(verified));
    if (!(await completeSecondFactor(deps.stores.flows, c.tenant.id, flow, verified.result))) return expired(c, reply);
    if (form['remember'] === 'true') await remember(c, request, reply, verified.result.identityId);
    return deps.finish(c, reply, loginResultOf(verified.result));
  }

  /** "Text me a code" (ADR 0031) or "Email me a code": a fresh code to the enrolled number or the verified address, within their limits, then its form. */
  async function send(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const form = formOf(request.body);
    const flow = await stepFlow(c, form, ['active']);
    if (!flow) return expired(c, reply);
    const { demand, first } = payloadOf(flow);
    const method = form['method'] === 'email_otp' ? 'email_otp' : 'sms';
    if (demand.kind !== 'verify' || !demand.methods.includes(method)) return render(c, reply, flow);
    const factor = deps.strategies.secondFactors[method];
    const sent = await factor.challenge(c.tenant, first.identityId, deps.contextOf(c, request), c.t.locale);
    if (!sent.ok) return render(c, reply, flow, refusalFieldError(sent, reply), method, refusalStatus(sent));
    return render(c, reply, flow, undefined, undefined, 200, undefined, method);
  }

  async function enrol(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const form = formOf(request.body);
    const flow = await stepFlow(c, form, ['active']);
    if (!flow) return expired(c, reply);
    const enrolled = await enrolAtSignIn({ strategies: deps.strategies, flows: deps.stores.flows }, c.tenant, flow, { enrolment: form['enrolment'] ?? '', code: form['code'] ?? '' }, deps.contextOf(c, request));
    if (!enrolled.ok) return render(c, reply, flow, refusalFieldError(enrolled, reply), 'totp', refusalStatus(enrolled), form['enrolment']);
    const body = recoveryCodesPage(c.t, { codes: enrolled.recoveryCodes, next: { action: `${c.base}/second-factor/continue`, hidden: { flow: flow.id, csrf_token: flow.csrfToken } } });
    return sendPage(reply, { t: c.t, branding: brandingOf(c.tenant), title: c.t('page.mfa.codes_title'), body });
  }

  /** Past the recovery codes shown after enrolling: signed in with both factors. */
  async function continueAfterCodes(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const flow = await stepFlow(c, formOf(request.body), ['verified']);
    const result = flow && payloadOf(flow).result;
    if (!flow || !result || !(await completeSecondFactor(deps.stores.flows, c.tenant.id, flow, result))) return expired(c, reply);
    return deps.finish(c, reply, loginResultOf(result));
  }

  /** "Not now" (a voluntary request, an optional enrolment) signs in with the first factor; "Cancel" on an essential request ends in the error. */
  async function decline(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const flow = await stepFlow(c, formOf(request.body), ['active']);
    if (!flow) return expired(c, reply);
    const { first } = payloadOf(flow);
    if (mayDecline(flow)) {
      if (!(await completeSecondFactor(deps.stores.flows, c.tenant.id, flow, first))) return expired(c, reply);
      return deps.finish(c, reply, loginResultOf(first));
    }
    if (assuranceRequestOf(c.details.params) !== 'essential') return render(c, reply, flow);
    await deps.stores.flows.delete(c.tenant.id, flow.id);
    return deps.finish(c, reply, { error: 'unmet_authentication_requirements', error_description: 'The customer could not complete the second factor the application requires.' });
  }

  async function remember(c: Context, request: FastifyRequest, reply: FastifyReply, identityId: string): Promise<void> {
    const value = await rememberThisDevice(rememberDeps, c.tenant.id, identityId, request.headers['user-agent'] ?? '', readRememberCookie(request), Date.now());
    reply.header('set-cookie', `${REMEMBER_COOKIE}=${value}; Path=${mountPathOf(c.tenant)}/interaction; Max-Age=${REMEMBERED_DEVICE_LIFETIME_MS / 1000}; HttpOnly; SameSite=Lax${deps.secureCookies ? '; Secure' : ''}`);
  }

  function stepFlow(c: Context, form: Record<string, string>, states: readonly Flow['state'][]): Promise<Flow | undefined> {
    return submittedFlow({ flows: deps.stores.flows, csrfKey: deps.flowCsrfKey }, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, 'second_factor', states);
  }

  function expired(c: Context, reply: FastifyReply) {
    return sendPage(reply, { status: 400, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.error.title'), body: errorBody(c.t, 'flow.expired') });
  }

  async function applicationPolicyOf(c: Context) {
    const clientId = c.details.params['client_id'];
    if (typeof clientId !== 'string') return undefined;
    return (await deps.stores.applications.findById(c.tenant.id, clientId))?.mfaPolicy;
  }

  return { signedIn, stepUp, submit, send, enrol, continueAfterCodes, decline };
}

function readRememberCookie(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === REMEMBER_COOKIE) return part.slice(separator + 1).trim();
  }
  return undefined;
}
