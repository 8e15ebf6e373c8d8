// The JSON API behind the hosted pages, for native apps (DESIGN.md "flows"): the same sign-in and
// sign-up steps as the browser, driven as JSON, ending in a Foyer session token. No cookies are
// involved, so there is nothing for CSRF to forge; every answer is JSON or problem+json.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consentContextOf, gpcOf, requestContextOf } from '../request-context.ts';
import { offersOf, purposesOf, purposesToRenew, renewConsents } from '../../domain/privacy/collection.ts';
import { issuerOf, signUpAllowed } from '../../domain/tenants/tenant.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { AuthenticationResult } from '../../domain/credentials/authentication.ts';
import type { Flow, FlowState, FlowType } from '../../domain/flows/flow.ts';
import { recordSignIn, signInByCode, signInVerifyingFirst } from '../../domain/self-service/sign-in.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { resendCode } from '../../domain/self-service/code-steps.ts';
import { signUpDisabled, startSignUp } from '../../domain/self-service/registration.ts';
import { confirmRecoveryCode, requestRecovery, resetPassword } from '../../domain/self-service/recovery.ts';
import { activeApiFlow, signInVerificationOf, startApiFlow } from '../../domain/self-service/api-flow.ts';
import { emailSignInAllowed, emailSignInOf, signInByEmailCode, smsSignInAllowed, smsSignInOf, startEmailSignIn, startSmsSignIn } from '../../domain/self-service/passwordless.ts';
import { traitSchemaOf } from '../../domain/identity/traits.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { DomainError, ValidationError } from '../../domain/errors.ts';
import { hashSessionToken, isLive, SESSION_TOUCH_INTERVAL_MS } from '../../domain/sessions/session.ts';
import { signOutAppSession } from '../../domain/sessions/sign-out.ts';
import { flowView, purposeFieldView, traitFieldView } from './flow-view.ts';
import { signUpTraitFields } from '../../domain/identity/trait-fields.ts';
import { localizedProblem } from '../trait-form.ts';
import { translator } from '../../i18n/translate.ts';
import { refusalProblem } from '../refusal.ts';
import { createWriteLimiter, FLOW_CREATION_LIMIT } from '../write-limits.ts';
import type { WriteLimitsDeps } from '../write-limits.ts';
import { waitSeconds } from '../../lib/english.ts';
import { unknownTenant } from '../tenancy/tenancy.plugin.ts';
import type { KeyObject } from 'node:crypto';
import { derivedChallenge, passkeysAllowed, relyingPartyOf } from '../../domain/credentials/passkey/passkey.ts';
import { flowsOpenApi } from './openapi.ts';
import { MFA_ACR } from '../../domain/credentials/authentication.ts';
import { PASSWORD } from '../../domain/credentials/password/password-sign-in.ts';
import type { Session } from '../../domain/sessions/session.ts';
import type { Identity } from '../../domain/identity/identity.ts';
import { assuranceAsked, PASSKEY_CEREMONY_TIMEOUT_MS, signInRequestOf } from './second-factor.step.ts';
import type { ApiSignIn } from './api-sign-in.ts';
import { identityView, localeOf, sessionView } from './api-sign-in.ts';
import { flowParams, signInBody, startQuery, passkeySignInBody, signUpBody, codeBody, signInCodeBody, emailSignInBody, purposesBody, smsSignInBody, emailBody, passwordBody } from './flows.schemas.ts';

type FlowsDeps = {
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly strategies: Strategies;
  readonly publicUrl: string;
  readonly selfService: SelfServiceDeps;
  readonly writeLimits: WriteLimitsDeps;
  /** passkeyChallengeKeyOf(master secret): the challenges of passkey sign-ins. */
  readonly passkeyChallengeKey: KeyObject;
  /** How every sign-in of the API ends (api-sign-in.ts): the second-factor step, the consent step, the session. */
  readonly signIn: ApiSignIn;
};

export async function flowsPlugin(app: FastifyInstance, deps: FlowsDeps): Promise<void> {
  // Starting a flow stores it: one budget per client address for every type and tenant, checked
  // before anything else is done (SECURITY.md 36).
  const flowCreation = await createWriteLimiter(app, 'flows', FLOW_CREATION_LIMIT, deps.writeLimits);
  const limitFlowCreation = async (request: FastifyRequest, reply: FastifyReply) => {
    const wait = await flowCreation(request);
    if (wait === undefined) return;
    reply.header('retry-after', String(wait));
    throw new DomainError('request.rate_limited', 'rate_limited', `Too many new flows from this address. ${waitSeconds(wait)}, then try again.`, { seconds: wait });
  };
  for (const type of ['login', 'registration', 'recovery'] as const) {
    app.post(`/flows/${type}`, { onRequest: limitFlowCreation, schema: { querystring: startQuery } }, async (request, reply) => createFlow(request, reply, type));
  }
  // Every first factor below ends in signIn.signedIn: the one place the API asks for a second factor (ADR 0036).
  const signIn = deps.signIn;
  signIn.registerSecondFactorRoutes(app);
  app.post('/flows/login/:id', { schema: { params: flowParams, body: signInBody } }, (request, reply) => submitSignIn(request, reply));
  app.post('/flows/login/:id/email', { schema: { params: flowParams, body: emailSignInBody } }, (request, reply) => submitEmailSignIn(request, reply));
  app.post('/flows/login/:id/sms', { schema: { params: flowParams, body: smsSignInBody } }, (request, reply) => submitSmsSignIn(request, reply));
  app.post('/flows/login/:id/passkey', { schema: { params: flowParams, body: passkeySignInBody } }, (request, reply) => submitPasskey(request, reply));
  app.post('/flows/login/:id/code', { schema: { params: flowParams, body: signInCodeBody } }, (request, reply) => confirmSignIn(request, reply));
  app.post('/flows/login/:id/resend', { schema: { params: flowParams } }, (request, reply) => resendSignInCode(request, reply));
  app.post('/flows/registration/:id', { schema: { params: flowParams, body: signUpBody } }, (request, reply) => submitSignUp(request, reply));
  app.post('/flows/registration/:id/code', { schema: { params: flowParams, body: signInCodeBody } }, (request, reply) => confirmSignUp(request, reply));
  app.post('/flows/purposes/:id', { schema: { params: flowParams, body: purposesBody } }, (request, reply) => acceptPurposes(request, reply));
  app.post('/flows/purposes/:id/decline', { schema: { params: flowParams } }, (request) => declinePurposes(request));
  app.post('/flows/recovery/:id', { schema: { params: flowParams, body: emailBody } }, (request, reply) => submitRecovery(request, reply));
  app.post('/flows/recovery/:id/code', { schema: { params: flowParams, body: codeBody } }, (request, reply) => confirmRecovery(request, reply));
  app.post('/flows/recovery/:id/password', { schema: { params: flowParams, body: passwordBody } }, (request, reply) => submitNewPassword(request, reply));
  for (const type of ['registration', 'recovery'] as const) {
    app.post(`/flows/${type}/:id/resend`, { schema: { params: flowParams } }, (request, reply) => resend(request, reply, type));
  }
  app.get('/flows/:id', { schema: { params: flowParams } }, async (request) => {
    const { tenant, flow } = await activeFlow(request, undefined, { allowComplete: true });
    if (flow.type === 'second_factor') return signIn.stepView(tenant, flow);
    const verification = flow.type === 'login' && flow.state === 'active' ? await pendingCodeOf(tenant, flow) : undefined;
    const form = flow.type === 'purposes' && flow.state === 'active' && flow.identityId ? await purposesFormOf(request, tenant, flow.identityId) : await startFormOf(request, tenant, flow);
    return flowView(flow, issuerOf(deps.publicUrl, tenant), verification, form);
  });
  app.get('/flows/openapi.json', async (request, reply) => reply.header('cache-control', 'public, max-age=300').send(flowsOpenApi(issuerOf(deps.publicUrl, await tenantOf(request)))));
  app.get('/sessions/whoami', async (request, reply) => {
    const { session, identity } = await authenticate(request);
    reply.header('cache-control', 'no-store');
    return { session: sessionView(session), identity: identityView(identity) };
  });
  app.delete('/sessions/current', async (request, reply) => {
    const { session } = await authenticate(request);
    await signOutAppSession({ transaction: deps.transaction, events: deps.selfService.events }, session);
    return reply.code(204).send();
  });

  async function tenantOf(request: FastifyRequest): Promise<Tenant> {
    if (!request.tenant) throw unknownTenant(request);
    return request.tenant;
  }

  async function createFlow(request: FastifyRequest, reply: FastifyReply, type: FlowType) {
    const tenant = await tenantOf(request);
    if (type === 'registration' && !signUpAllowed(tenant)) throw signUpDisabled();
    const query = request.query as { client_id?: string; acr_values?: string };
    if (query.client_id !== undefined && !(await deps.stores.applications.findById(tenant.id, query.client_id))) {
      throw new DomainError('application.not_found', 'invalid', 'There is no application with this client_id in this tenant.', { clientId: query.client_id });
    }
    const assurance = assuranceAsked(query.acr_values);
    const payload = { ...(query.client_id !== undefined ? { application: query.client_id } : {}), ...(assurance !== 'none' ? { assurance } : {}) };
    // Step-up: a signed-in app (its session token) asking for the MFA class goes straight to the second factor.
    const signedIn = type === 'login' && assurance !== 'none' && request.headers.authorization !== undefined ? await authenticate(request) : undefined;
    const flow = await startApiFlow({ flows: deps.stores.flows, stats: deps.selfService.stats }, tenant.id, type, payload);
    if (signedIn && signedIn.session.acr !== MFA_ACR) return stepUp(request, reply.code(201), tenant, flow, signedIn.session, signedIn.identity);
    return reply.code(201).header('cache-control', 'no-store').send(flowView(flow, issuerOf(deps.publicUrl, tenant), undefined, await startFormOf(request, tenant, flow)));
  }

  /**
   * An app signed in below the MFA class asks for it (ADR 0036): the session's sign-in is the first
   * factor, and the answer is the second-factor step, whose completion issues a new session saying
   * both (as the hosted pages ask a signed-in customer for the missing factor only).
   */
  async function stepUp(request: FastifyRequest, reply: FastifyReply, tenant: Tenant, flow: Flow, session: Session, identity: Identity) {
    const first: AuthenticationResult = { identityId: identity.id, method: PASSWORD.id, amr: session.methods as AuthenticationResult['amr'], acr: session.acr ?? PASSWORD.acr, aal: 1 };
    return signIn.signedIn(request, reply, tenant, flow, identity, first, { alreadyComplete: false });
  }

  /** Whether passkeys are offered to this flow: the tenant's switch and the application's it names (ADR 0030). */
  async function passkeysOffered(tenant: Tenant, flow: Flow): Promise<boolean> {
    const { application } = signInRequestOf(flow);
    return passkeysAllowed(tenant, application ? await deps.stores.applications.findById(tenant.id, application) : undefined);
  }

  /** What a new flow offers: a registration's fields; a login's other ways in (emailed or texted code, a passkey with its WebAuthn options). */
  async function startFormOf(request: FastifyRequest, tenant: Tenant, flow: Flow) {
    const passkey = flow.type === 'login' && (await passkeysOffered(tenant, flow)) ? { challenge: derivedChallenge(deps.passkeyChallengeKey, tenant.id, flow.id), rpId: relyingPartyOf(deps.publicUrl, tenant).id, timeout: PASSKEY_CEREMONY_TIMEOUT_MS, userVerification: 'required', allowCredentials: [] } : undefined;
    return { ...(await signUpFormOf(request, tenant, flow)), emailCode: emailSignInAllowed(tenant), smsCode: smsSignInAllowed(tenant, deps.strategies.enrolments.sms.available), passkey };
  }

  /** What a registration asks for: the tenant's sign-up traits and consent purposes, in the app's language. */
  async function signUpFormOf(request: FastifyRequest, tenant: Tenant, flow: Flow) {
    if (flow.type !== 'registration') return {};
    const locale = localeOf(request, tenant);
    const t = translator(locale);
    const consents = offersOf(tenant, await purposesOf(deps.stores, tenant.id), locale).map(purposeFieldView);
    return { traits: signUpTraitFields(traitSchemaOf(tenant.settings)).map((field) => traitFieldView(t, field)), consents };
  }

  /** The consent step's fields: the required purposes the customer must accept again, in the app's language. */
  async function purposesFormOf(request: FastifyRequest, tenant: Tenant, identityId: string) {
    return { consents: offersOf(tenant, await purposesToRenew(deps.stores, tenant.id, identityId), localeOf(request, tenant)).map(purposeFieldView) };
  }

  async function activeFlow(request: FastifyRequest, type: FlowType | undefined, options: { allowComplete: boolean; states?: readonly FlowState[] } = { allowComplete: false }) {
    const tenant = await tenantOf(request);
    const { id } = request.params as { id: string };
    return { tenant, flow: await activeApiFlow(deps.stores.flows, tenant.id, id, type, options) };
  }

  /**
   * The password, then (when the tenant requires a verified email and this one is not) a code step:
   * the same use case as the hosted sign-in page, so no session is issued before the code.
   */
  async function submitSignIn(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'login');
    const body = request.body as { identifier: string; password: string; device_token?: string; mfa_device_token?: string };
    const verification = { kind: 'api', loginFlowId: flow.id, locale: localeOf(request, tenant) } as const;
    const input = { identifier: body.identifier, password: body.password, deviceToken: body.device_token };
    const outcome = await signInVerifyingFirst(deps.selfService, deps.strategies.password, tenant, input, requestContextOf(request), verification);
    if (outcome.ok && outcome.step === 'verify_address') return reply.header('cache-control', 'no-store').send(flowView(flow, issuerOf(deps.publicUrl, tenant), outcome.flow));
    if (outcome.ok) return signIn.signedIn(request, reply, tenant, flow, outcome.identity, outcome.result, { alreadyComplete: false, deviceToken: outcome.deviceToken, heldDeviceToken: body.device_token, mfaDeviceToken: body.mfa_device_token });
    if (outcome.code === 'signin.throttled') {
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      throw new DomainError(outcome.code, 'rate_limited', `Too many attempts. ${waitSeconds(outcome.retryAfterSeconds)}, then try again.`, { seconds: outcome.retryAfterSeconds });
    }
    // A blocked account answers like a wrong password: only the audit log tells them apart.
    if (outcome.code === 'signin.invalid_credentials' || outcome.code === 'signin.account_blocked') {
      throw new DomainError('signin.invalid_credentials', 'unauthenticated', 'That email and password do not match.');
    }
    // The right password, but the code could not be sent (the address's email throttle).
    throw refusalProblem(outcome, reply);
  }

  /**
   * Sign-in by an emailed code (ADR 0031): the code and link go to the address, and the answer is
   * the same whether or not an account uses it (SECURITY.md 1). The code is then sent to /code.
   */
  async function submitEmailSignIn(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'login');
    const { identifier } = request.body as { identifier: string };
    const started = await startEmailSignIn(deps.selfService, tenant, { kind: 'api', loginFlowId: flow.id }, identifier, requestContextOf(request), localeOf(request, tenant));
    if (!started.ok) {
      if (started.code === 'signin.method_unavailable') throw new DomainError(started.code, 'not_found', 'This tenant does not offer sign-in by an emailed code.');
      if (started.code === 'email.invalid') throw new ValidationError([{ field: 'identifier', code: 'email.invalid', message: 'Enter an email address like name@example.com.' }]);
      throw refusalProblem(started, reply);
    }
    return reply.header('cache-control', 'no-store').send(flowView(flow, issuerOf(deps.publicUrl, tenant), started.flow));
  }

  /** Sign-in by a texted code: the same answer for every number; the code then comes to /code. */
  async function submitSmsSignIn(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'login');
    const { phone } = request.body as { phone: string };
    const started = await startSmsSignIn({ ...deps.selfService, smsAvailable: deps.strategies.enrolments.sms.available }, tenant, { kind: 'api', loginFlowId: flow.id }, phone, requestContextOf(request), localeOf(request, tenant));
    if (!started.ok) {
      if (started.code === 'signin.method_unavailable') throw new DomainError(started.code, 'not_found', 'This tenant does not offer sign-in by a texted code.');
      if (started.code === 'code.throttled') throw refusalProblem(started, reply);
      throw new ValidationError([{ field: 'phone', code: started.code, message: started.code === 'phone.invalid' ? 'Enter a mobile number with its country code, like +44 7400 123456.' : 'Text messages cannot be sent to numbers of this country.' }]);
    }
    return reply.header('cache-control', 'no-store').send(flowView(flow, issuerOf(deps.publicUrl, tenant), started.flow));
  }

  /** The code step a login flow waits for: the verify-first code after a password, or the code of a sign-in by email or text. */
  async function pendingCodeOf(tenant: Tenant, flow: Flow): Promise<Flow | undefined> {
    return (await signInVerificationOf(deps.stores.flows, tenant.id, flow)) ?? (await emailSignInOf(deps.selfService, tenant.id, flow)) ?? (await smsSignInOf(deps.selfService, tenant.id, { kind: 'api', loginFlowId: flow.id }));
  }

  /**
   * The emailed code of a login flow: after a password when the address must be verified first (it
   * verifies the address), or of a sign-in by email. Right, it issues the session.
   */
  async function confirmSignIn(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'login');
    const verification = await pendingCodeOf(tenant, flow);
    if (!verification) throw new DomainError('flow.wrong_step', 'conflict', 'This flow is at another step: read it with GET /flows/{id} to see what to send.');
    const body = request.body as { code: string; device_token?: string; mfa_device_token?: string };
    const signedIn =
      verification.type === 'email_sign_in' || verification.type === 'sms_sign_in'
        ? await signInByEmailCode(deps.selfService, verification.type === 'sms_sign_in' ? deps.strategies.smsCode : deps.strategies.emailCode, tenant, verification, { code: body.code }, requestContextOf(request), body.device_token)
        : await signInByCode(deps.selfService, tenant, verification, body.code, requestContextOf(request), body.device_token);
    if (!signedIn.ok) throw refusalProblem(signedIn, reply);
    return signIn.signedIn(request, reply, tenant, flow, signedIn.identity, signedIn.result, { alreadyComplete: false, deviceToken: signedIn.deviceToken, heldDeviceToken: body.device_token, mfaDeviceToken: body.mfa_device_token });
  }

  /**
   * A passkey as the first and only factor (ADR 0030): the answer to the login flow's options, whose
   * challenge is derived from the flow's id; the flow completes once, so an answer signs in once.
   */
  async function submitPasskey(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'login');
    const body = request.body as { response: Record<string, unknown>; mfa_device_token?: string };
    if (!(await passkeysOffered(tenant, flow))) throw new DomainError('passkey.disabled', 'forbidden', 'Passkeys are turned off for this tenant or application.');
    const context = requestContextOf(request);
    const outcome = await deps.strategies.passkey.authenticate(tenant, { response: JSON.stringify(body.response), binding: flow.id }, context);
    if (!outcome.ok && outcome.code === 'passkey.invalid') throw new DomainError('passkey.invalid', 'unauthenticated', 'That passkey could not be used here: unknown, for another relying party or origin, without user verification, or answered to another challenge.');
    if (!outcome.ok) throw refusalProblem(outcome, reply);
    // Recorded as every sign-in is (the event for subscribers, the dashboards' counts).
    await recordSignIn(deps.selfService, tenant.id, outcome.result, context, { signedUpAt: outcome.identity.createdAt, completesSignUp: false });
    return signIn.signedIn(request, reply, tenant, flow, outcome.identity, outcome.result, { alreadyComplete: false, mfaDeviceToken: body.mfa_device_token });
  }

  async function resendSignInCode(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'login');
    const verification = await pendingCodeOf(tenant, flow);
    if (!verification) throw new DomainError('flow.wrong_step', 'conflict', 'This flow is at another step: read it with GET /flows/{id} to see what to send.');
    if (verification.type === 'sms_sign_in') {
      // A new text to the same number (within the SMS limits) replaces the code.
      const again = await startSmsSignIn({ ...deps.selfService, smsAvailable: deps.strategies.enrolments.sms.available }, tenant, { kind: 'api', loginFlowId: flow.id }, String(verification.payload['address']), requestContextOf(request), localeOf(request, tenant));
      if (!again.ok) throw refusalProblem(again.code === 'code.throttled' ? again : { code: 'signin.method_unavailable' }, reply);
      return reply.header('cache-control', 'no-store').send(flowView(flow, issuerOf(deps.publicUrl, tenant), again.flow));
    }
    const byEmail = verification.type === 'email_sign_in';
    const mail = { tenant, flow: verification, locale: localeOf(request, tenant, verification.payload['locale']), linkPath: byEmail ? 'signin-link' : 'verify', kind: byEmail ? 'sign_in_code' : 'verify_email', context: requestContextOf(request) } as const;
    const sent = await resendCode(deps.selfService, mail);
    if (!sent.ok) throw refusalProblem(sent, reply);
    return reply.header('cache-control', 'no-store').send(flowView(flow, issuerOf(deps.publicUrl, tenant), { ...verification, payload: sent.payload }));
  }

  /** Verification first (ADR 0010): the same answer, a code step, whether the email is new or taken. */
  async function submitSignUp(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'registration');
    if (typeof flow.payload['address'] === 'string') throw new DomainError('flow.code_sent', 'conflict', 'A code was sent for this flow already: send the code, or start a new flow.');
    const body = request.body as { traits: Record<string, unknown>; password: string; consents?: Record<string, boolean | number> };
    const locale = localeOf(request, tenant, body.traits['locale']);
    const consents = { acceptance: body.consents ?? {}, method: 'flows_api', gpc: gpcOf(request) } as const;
    const outcome = await startSignUp(deps.selfService, tenant, flow, { traits: body.traits, password: body.password, consents }, requestContextOf(request), locale);
    if (!outcome.ok && outcome.code === 'invalid') {
      // Each message in the customer's language, for the app to show beside its field.
      const t = translator(locale);
      const fieldOf = (name: string) => (name === 'password' || name.startsWith('consents.') ? name : `traits.${name}`);
      throw new ValidationError(outcome.problems.map((p) => localizedProblem(t, { ...p, field: fieldOf(p.field) })));
    }
    if (!outcome.ok) throw refusalProblem(outcome, reply);
    return reply.header('cache-control', 'no-store').send(flowView({ ...flow, payload: outcome.payload }, issuerOf(deps.publicUrl, tenant)));
  }

  async function confirmSignUp(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'registration');
    const body = request.body as { code: string; device_token?: string; mfa_device_token?: string };
    const signedIn = await signInByCode(deps.selfService, tenant, flow, body.code, requestContextOf(request), body.device_token);
    if (!signedIn.ok) throw refusalProblem(signedIn, reply);
    return signIn.signedIn(request, reply, tenant, flow, signedIn.identity, signedIn.result, { alreadyComplete: true, deviceToken: signedIn.deviceToken, heldDeviceToken: body.device_token, mfaDeviceToken: body.mfa_device_token });
  }

  async function submitRecovery(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'recovery');
    const { email } = request.body as { email: string };
    const requested = await requestRecovery(deps.selfService, tenant, flow, email, requestContextOf(request), localeOf(request, tenant));
    if (!requested.ok && requested.code === 'email.invalid') throw new ValidationError([{ field: 'email', code: 'email.invalid', message: 'Enter an email address like name@example.com.' }]);
    if (!requested.ok) throw refusalProblem(requested, reply);
    const sent = { ...flow, payload: { ...flow.payload, address: requested.address } };
    return reply.header('cache-control', 'no-store').send(flowView(sent, issuerOf(deps.publicUrl, tenant)));
  }

  async function confirmRecovery(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'recovery');
    const confirmed = await confirmRecoveryCode(deps.selfService, tenant, flow, (request.body as { code: string }).code, requestContextOf(request));
    if (!confirmed.ok) throw refusalProblem(confirmed, reply);
    return reply.header('cache-control', 'no-store').send(flowView({ ...flow, state: 'verified' }, issuerOf(deps.publicUrl, tenant)));
  }

  async function submitNewPassword(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'recovery', { allowComplete: false, states: ['verified'] });
    const body = request.body as { password: string; device_token?: string; mfa_device_token?: string };
    const reset = await resetPassword(deps.selfService, tenant, flow, body.password, requestContextOf(request), undefined, body.device_token);
    if (!reset.ok && reset.code === 'invalid') throw new ValidationError([...reset.problems]);
    if (!reset.ok) throw refusalProblem(reset, reply);
    // A completed recovery signs the owner in, as a sign-in does (SECURITY.md 7).
    const identity = await deps.stores.identities.findById(tenant.id, reset.identityId);
    if (!identity) throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
    // The inbox and a new password are one factor: a customer whose policy asks for more is asked for it here too.
    return signIn.signedIn(request, reply, tenant, flow, identity, reset.result, { alreadyComplete: true, deviceToken: reset.deviceToken, heldDeviceToken: body.device_token, mfaDeviceToken: body.mfa_device_token });
  }

  async function resend(request: FastifyRequest, reply: FastifyReply, type: 'registration' | 'recovery') {
    const { tenant, flow } = await activeFlow(request, type);
    const recovery = type === 'recovery';
    const sent = await resendCode(deps.selfService, { tenant, flow, locale: localeOf(request, tenant, flow.payload['locale']), linkPath: recovery ? 'recovery' : 'verify', kind: recovery ? 'recover_password' : 'verify_email', context: requestContextOf(request) });
    if (!sent.ok) throw refusalProblem(sent, reply);
    return reply.header('cache-control', 'no-store').send(flowView({ ...flow, payload: sent.payload }, issuerOf(deps.publicUrl, tenant)));
  }

  /**
   * The consent step's answer: every required purpose due accepted (`flows_api`, recorded), then the
   * session the sign-in before it earned.
   */
  async function acceptPurposes(request: FastifyRequest, reply: FastifyReply) {
    const { tenant, flow } = await activeFlow(request, 'purposes');
    const result = flow.payload['result'] as AuthenticationResult | undefined;
    const identity = result && (await deps.stores.identities.findById(tenant.id, result.identityId));
    if (!result || !identity || identity.status !== 'active') throw new DomainError('flow.not_found', 'not_found', 'This flow does not exist or has expired; start a new one.');
    const body = request.body as { consents: Record<string, boolean | number> };
    const locale = localeOf(request, tenant, identity.traits['locale']);
    const renewed = await renewConsents(deps, tenant, identity.id, body.consents, { locale, context: consentContextOf(request, 'flows_api') });
    if (!renewed.ok) throw new ValidationError(renewed.problems.map((problem) => localizedProblem(translator(locale), problem)));
    return signIn.complete(reply, tenant, flow, identity, result, request, { alreadyComplete: false });
  }

  /**
   * The customer will not accept the purposes asked again (the app's "Cancel"): the consent step
   * ends without a session, and the app gets a problem it can show (`consent.declined`, 403), as a
   * hosted page's Cancel answers the application `access_denied`. Nothing is recorded in the
   * ledger: the earlier grant stays what it was, and the next sign-in asks again.
   */
  async function declinePurposes(request: FastifyRequest): Promise<never> {
    const { tenant, flow } = await activeFlow(request, 'purposes');
    const { result: _dropped, ...payload } = flow.payload;
    if (!(await deps.stores.flows.advance(tenant.id, flow.id, 'active', { state: 'complete', payload: { ...payload, declined: true } }, Date.now()))) {
      throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
    }
    throw new DomainError('consent.declined', 'forbidden', 'The customer declined the required purposes asked again: no session is issued. The next sign-in asks again.');
  }

  async function authenticate(request: FastifyRequest) {
    const tenant = await tenantOf(request);
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    const now = Date.now();
    const session = token ? await deps.stores.sessions.findByTokenHash(tenant.id, hashSessionToken(token)) : undefined;
    const identity = session && isLive(session, now) ? await deps.stores.identities.findById(tenant.id, session.identityId) : undefined;
    if (!session || !identity || identity.status !== 'active') {
      throw new DomainError('session.invalid', 'unauthenticated', 'Send a valid session token as "Authorization: Bearer <token>"; sign in again if it expired.');
    }
    if (now - session.lastSeenAt > SESSION_TOUCH_INTERVAL_MS) await deps.stores.sessions.touch(tenant.id, session.id, now);
    return { tenant, session, identity };
  }
}
