// The second-factor step of the JSON flows API (ADR 0025, ADR 0036): every way an api flow signs a
// customer in (password, emailed or texted code, passkey, sign-up's code, recovery) ends in
// `signedIn`, which asks the same domain rule as the hosted pages whether a second factor is due and
// either issues the session or answers a `second_factor` flow listing the factors the customer can
// use. That flow is the only way on: the first factor's flow is completed when the step opens, so
// nothing else in the API issues a session for it. Its routes are /flows/second_factor/{id}.
import type { KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { AuthenticationResult } from '../../domain/credentials/authentication.ts';
import { MFA_ACR } from '../../domain/credentials/authentication.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import type { ThrottleStore } from '../../domain/flows/throttle.port.ts';
import { deviceOf } from '../../domain/flows/device-token.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import { normalizeAddress } from '../../domain/identity/identity.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import { emailOf } from '../../domain/self-service/sign-in.ts';
import type { AssuranceRequest } from '../../domain/self-service/second-factor.ts';
import { completeSecondFactor, effectivePolicy, enrolAtSignIn, mayDecline, passkeyBindingOf, payloadOf, secondFactorDemand, startSecondFactor, verifySecondFactor } from '../../domain/self-service/second-factor.ts';
import { isRememberedDevice, rememberThisDevice } from '../../domain/self-service/remembered-devices.ts';
import type { CountryOf } from '../../domain/self-service/sign-in-countries.ts';
import { isNewSignInCountry } from '../../domain/self-service/sign-in-countries.ts';
import { activeApiFlow } from '../../domain/self-service/api-flow.ts';
import { allowedPasskeysOf, derivedChallenge, passkeysAllowed, relyingPartyOf } from '../../domain/credentials/passkey/passkey.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { negotiateLocale } from '../../i18n/locales.ts';
import { requestContextOf } from '../request-context.ts';
import { refusalProblem } from '../refusal.ts';
import { unknownTenant } from '../tenancy/tenancy.plugin.ts';
import { flowView } from './flow-view.ts';
import { enrolBody, stepParams, verifyBody } from './flows.schemas.ts';

/** How long an app's WebAuthn ceremony may take (the options' `timeout`), as on the hosted pages. */
export const PASSKEY_CEREMONY_TIMEOUT_MS = 5 * 60_000;

/** Issues the session (or the consent step before it): the flows plugin's `complete`. */
type Complete = (reply: FastifyReply, tenant: Tenant, flow: Flow, identity: Identity, result: AuthenticationResult, request: FastifyRequest, options: { alreadyComplete: boolean; deviceToken?: string | undefined; extra?: Record<string, unknown> }) => Promise<unknown>;

type StepDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly throttle: ThrottleStore;
  readonly publicUrl: string;
  /** deviceTokenKeyOf(master secret): a device token the app sent tells adaptive MFA the device signed in before. */
  readonly deviceKey?: KeyObject | undefined;
  /** rememberedDeviceKeyOf(master secret): the app's `mfa_device_token`. */
  readonly rememberKey: KeyObject;
  /** passkeyChallengeKeyOf(master secret): the step's passkey challenge. */
  readonly challengeKey: KeyObject;
  readonly complete: Complete;
  /** The GEOIP_DATABASE lookup (adaptive MFA's new-country signal); unset, no country is read. */
  readonly countryOf?: CountryOf | undefined;
};

/** What a first factor's route hands over: the tokens the app sent with it, and the device token its answer carries. */
type SignedInOptions = {
  /** The first factor's own step completed its flow already (sign-up's code, recovery's password). */
  readonly alreadyComplete: boolean;
  readonly deviceToken?: string | undefined;
  /** The `device_token` the app sent (adaptive: a device that signed in to this account before). */
  readonly heldDeviceToken?: string | undefined;
  /** The `mfa_device_token` the app sent (a device remembered after a second factor). */
  readonly mfaDeviceToken?: string | undefined;
};

/** The factors whose code Foyer sends when the customer asks (`/send`). */
const SENDABLE: readonly string[] = ['sms', 'email_otp'];

const wrongStep = () => new DomainError('flow.wrong_step', 'conflict', 'This flow is at another step: read it with GET /flows/{id} to see what to send.');

/** The application a flow was started for and what it asked (`POST /flows/{type}?client_id=…&acr_values=…`), kept in the flow. */
export function signInRequestOf(flow: Flow): { readonly application: string | undefined; readonly requested: AssuranceRequest } {
  const application = flow.payload['application'];
  return { application: typeof application === 'string' && application !== '' ? application : undefined, requested: flow.payload['assurance'] === 'voluntary' ? 'voluntary' : 'none' };
}

/** Whether `acr_values` (space-separated, voluntary as in OIDC) asks for the MFA class. */
export function assuranceAsked(acrValues: string | undefined): AssuranceRequest {
  return (acrValues ?? '').split(' ').includes(MFA_ACR) ? 'voluntary' : 'none';
}

export function createApiSecondFactorStep(deps: StepDeps) {
  const rememberDeps = { rememberedDevices: deps.stores.rememberedDevices, key: deps.rememberKey };

  /** A first factor completed in `flow`: the session, or the second-factor step when one is due. */
  async function signedIn(request: FastifyRequest, reply: FastifyReply, tenant: Tenant, flow: Flow, identity: Identity, first: AuthenticationResult, options: SignedInOptions): Promise<unknown> {
    const { application, requested } = signInRequestOf(flow);
    const found = application ? await deps.stores.applications.findById(tenant.id, application) : undefined;
    const policy = effectivePolicy(tenant, found?.mfaPolicy);
    const complete = () => deps.complete(reply, tenant, flow, identity, first, request, { alreadyComplete: options.alreadyComplete, deviceToken: options.deviceToken });
    // Most sign-ins: nothing asked, nothing more to read.
    if (policy === 'off' && requested === 'none') return complete();
    const identifier = normalizeAddress('email', emailOf(identity));
    const now = Date.now();
    const seenDevice = deps.deviceKey !== undefined && deviceOf(deps.deviceKey, tenant.id, identifier, options.heldDeviceToken, now) !== undefined;
    const rememberedDevice = await isRememberedDevice(rememberDeps, tenant.id, first.identityId, options.mfaDeviceToken, now);
    const newCountry = policy === 'adaptive' && deps.countryOf !== undefined && (await isNewSignInCountry({ store: deps.stores.signInCountries, countryOf: deps.countryOf }, tenant.id, first.identityId, request.ip));
    const demand = await secondFactorDemand({ strategies: deps.strategies, throttle: deps.throttle }, tenant, first, { policy, requested, signals: { seenDevice, rememberedDevice, newCountry }, identifier, unavailable: passkeysAllowed(tenant, found) ? [] : ['passkey'] });
    if (demand.kind === 'none') return complete();
    // The first factor's flow is spent here, once: its password, code or passkey answer cannot open a second step, nor a session.
    if (!options.alreadyComplete && !(await deps.stores.flows.complete(tenant.id, flow.id, first.identityId, now))) {
      throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
    }
    const step = await startSecondFactor(deps.stores.flows, tenant.id, { kind: 'api', loginFlowId: flow.id }, first, demand);
    return reply.header('cache-control', 'no-store').send({ flow: await viewOf(tenant, step), ...(options.deviceToken ? { device_token: options.deviceToken } : {}) });
  }

  /**
   * The step as the app sees it: `ui.factors`, one per factor the customer can use (what to post to
   * `ui.action`; a passkey's WebAuthn options; where to ask for a text), or `ui.enrolment`, the
   * authenticator app to set up; and `ui.decline` when the customer may sign in without it.
   */
  async function viewOf(tenant: Tenant, flow: Flow) {
    const issuer = issuerOf(deps.publicUrl, tenant);
    const view = flowView(flow, issuer);
    if (flow.state !== 'active') return view;
    const { demand, first } = payloadOf(flow);
    const action = `${issuer}/flows/second_factor/${flow.id}`;
    const decline = mayDecline(flow) ? { decline: `${action}/decline` } : {};
    if (demand.kind === 'enrol') {
      const identity = await deps.stores.identities.findById(tenant.id, first.identityId);
      if (!identity) return view;
      const offer = await deps.strategies.enrolments.totp.begin(tenant, identity, Date.now());
      // The body is { enrolment: ui.enrolment.enrolment, code }: the sealed setup travels with the app, nothing is stored until it is done.
      const fields = [{ name: 'code', type: 'text', required: true, label: 'field.totp_code' }];
      return { ...view, ui: { method: 'POST', action: `${action}/enrol`, fields, enrolment: { method: 'totp', secret: offer.secret, otpauth_uri: offer.uri, enrolment: offer.enrolment }, ...decline } };
    }
    const factors = [];
    for (const method of demand.methods) {
      if (method === 'passkey') {
        const party = relyingPartyOf(deps.publicUrl, tenant);
        const allow = await allowedPasskeysOf(deps.stores, tenant.id, first.identityId);
        const options = { challenge: derivedChallenge(deps.challengeKey, tenant.id, passkeyBindingOf(flow)), rpId: party.id, timeout: PASSKEY_CEREMONY_TIMEOUT_MS, userVerification: 'required', allowCredentials: allow.map((passkey) => ({ id: passkey.id, type: 'public-key', transports: passkey.transports })) };
        factors.push({ method, fields: [{ name: 'response', type: 'object', required: true, label: 'page.mfa.passkey_button' }], options });
      } else if (method === 'sms') {
        const phoneEnding = await deps.strategies.secondFactors.sms.phoneEnding(tenant, first.identityId);
        factors.push({ method, fields: [{ name: 'code', type: 'text', required: true, label: 'field.sms_code' }], send: `${action}/send`, ...(phoneEnding === undefined ? {} : { phone_ending: phoneEnding }) });
      } else if (method === 'email_otp') {
        const address = await deps.strategies.secondFactors.email_otp.maskedAddress(tenant, first.identityId);
        factors.push({ method, fields: [{ name: 'code', type: 'text', required: true, label: 'field.code' }], send: `${action}/send`, ...(address === undefined ? {} : { sent_to: address }) });
      } else {
        factors.push({ method, fields: [{ name: 'code', type: 'text', required: true, label: method === 'recovery_code' ? 'field.recovery_code' : method === 'totp' ? 'field.totp_code' : 'field.code' }] });
      }
    }
    // The body is { method, ...that factor's fields, remember_device? }.
    return { ...view, ui: { method: 'POST', action, fields: [], factors, remember_device: true, ...decline } };
  }

  /** The step's flow of this tenant, at one of `states`, and its customer (still active). */
  async function stepOf(request: FastifyRequest, states: readonly Flow['state'][]) {
    if (!request.tenant) throw unknownTenant(request);
    const tenant = request.tenant;
    const { id } = request.params as { id: string };
    const flow = await activeApiFlow(deps.stores.flows, tenant.id, id, 'second_factor', { allowComplete: false, states });
    const identity = await deps.stores.identities.findById(tenant.id, payloadOf(flow).first.identityId);
    if (!identity || identity.status !== 'active') throw new DomainError('flow.not_found', 'not_found', 'This flow does not exist or has expired; start a new one.');
    return { tenant, flow, identity };
  }

  /** A code (or a passkey's answer) for one of the listed factors: right, the session with both factors. */
  async function verify(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow, identity } = await stepOf(request, ['active']);
    if (payloadOf(flow).demand.kind !== 'verify') throw wrongStep();
    const body = request.body as { method: string; code?: string; response?: Record<string, unknown>; remember_device?: boolean; mfa_device_token?: string };
    const passkey = body.method === 'passkey';
    if (passkey ? body.response === undefined : body.code === undefined) {
      const field = passkey ? 'response' : 'code';
      throw new ValidationError([{ field, code: 'field.required', message: passkey ? "Send the passkey's answer (the WebAuthn AuthenticationResponseJSON) as response." : 'Send the code as code.' }]);
    }
    const code = passkey ? JSON.stringify(body.response) : body.code!;
    const verified = await verifySecondFactor(deps, tenant, flow, { method: body.method, code }, requestContextOf(request));
    if (!verified.ok) {
      if (verified.code === 'mfa.method_unavailable') throw new DomainError('mfa.method_unavailable', 'invalid', 'That factor is not one of this step\'s: send one of ui.factors[].method.');
      throw refusalProblem(verified, reply);
    }
    if (!(await completeSecondFactor(deps.stores.flows, tenant.id, flow, verified.result))) throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
    const remembered = body.remember_device ? await rememberThisDevice(rememberDeps, tenant.id, identity.id, request.headers['user-agent'] ?? '', body.mfa_device_token, Date.now()) : undefined;
    return deps.complete(reply, tenant, flow, identity, verified.result, request, { alreadyComplete: true, extra: remembered ? { mfa_device_token: remembered } : {} });
  }

  /**
   * "Send me a code": a fresh code by text (within the SMS limits) or by email (ADR 0031) to what the
   * customer enrolled; a new code voids the last. `{ method }` names which when the step offers both.
   */
  async function send(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow, identity } = await stepOf(request, ['active']);
    const { demand, first } = payloadOf(flow);
    const sendable = demand.kind === 'verify' ? demand.methods.filter((method) => SENDABLE.includes(method)) : [];
    const asked = (request.body as { method?: unknown } | undefined)?.method;
    const method = asked === undefined && sendable.length === 1 ? sendable[0] : asked;
    if (typeof method !== 'string' || !sendable.includes(method)) throw new DomainError('mfa.method_unavailable', 'invalid', `This step sends no such code: send { "method" } naming one of ${sendable.length > 0 ? sendable.join(', ') : 'none'}.`);
    const locale = negotiateLocale({ trait: identity.traits['locale'], acceptLanguage: request.headers['accept-language'], tenantDefault: tenant.settings.defaultLocale });
    if (method === 'email_otp') {
      const sent = await deps.strategies.secondFactors.email_otp.challenge(tenant, first.identityId, requestContextOf(request), locale);
      if (!sent.ok) throw refusalProblem(sent, reply);
      return reply.header('cache-control', 'no-store').send({ ...(await viewOf(tenant, flow)), sent: { method, to: sent.address } });
    }
    const sent = await deps.strategies.secondFactors.sms.challenge(tenant, first.identityId, requestContextOf(request), locale);
    if (!sent.ok) throw refusalProblem(sent, reply);
    return reply.header('cache-control', 'no-store').send({ ...(await viewOf(tenant, flow)), sent: { method, to_ending: sent.endsWith } });
  }

  /**
   * The authenticator app set up at sign-in (the policy requires a factor the customer lacks): the
   * enrolment the step offered and the app's first code. One answer carries the session and the ten
   * recovery codes, shown this once.
   */
  async function enrol(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow, identity } = await stepOf(request, ['active']);
    const body = request.body as { enrolment: string; code: string };
    const enrolled = await enrolAtSignIn({ strategies: deps.strategies, flows: deps.stores.flows }, tenant, flow, body, requestContextOf(request));
    if (!enrolled.ok) {
      if (enrolled.code === 'mfa.method_unavailable') throw wrongStep();
      throw refusalProblem(enrolled, reply);
    }
    const result = deps.strategies.enrolledResult(payloadOf(flow).first);
    const verified: Flow = { ...flow, state: 'verified', payload: { ...flow.payload, result } };
    if (!(await completeSecondFactor(deps.stores.flows, tenant.id, verified, result))) throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
    return deps.complete(reply, tenant, flow, identity, result, request, { alreadyComplete: true, extra: { recovery_codes: enrolled.recoveryCodes } });
  }

  /** "Not now", offered only for a voluntary request or an optional enrolment: the session with the first factor alone. */
  async function decline(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow, identity } = await stepOf(request, ['active']);
    if (!mayDecline(flow)) throw new DomainError('mfa.method_unavailable', 'forbidden', 'This sign-in requires a second factor: it cannot be declined.');
    const { first } = payloadOf(flow);
    if (!(await completeSecondFactor(deps.stores.flows, tenant.id, flow, first))) throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
    return deps.complete(reply, tenant, flow, identity, first, request, { alreadyComplete: true });
  }

  function register(app: FastifyInstance) {
    app.post('/flows/second_factor/:id', { schema: { params: stepParams, body: verifyBody } }, (request, reply) => verify(request, reply));
    app.post('/flows/second_factor/:id/send', { schema: { params: stepParams } }, (request, reply) => send(request, reply));
    app.post('/flows/second_factor/:id/enrol', { schema: { params: stepParams, body: enrolBody } }, (request, reply) => enrol(request, reply));
    app.post('/flows/second_factor/:id/decline', { schema: { params: stepParams } }, (request, reply) => decline(request, reply));
  }

  return { signedIn, viewOf, register };
}
