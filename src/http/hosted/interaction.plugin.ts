// The hosted pages of an OpenID Connect interaction: sign-in, sign-up and consent, at
// {issuer}/interaction/{uid}. They drive browser flows (DESIGN.md) and hand the result back to the
// tenant's oidc-provider, which resumes the authorization request; what each page shows is
// interaction-pages.ts.
import type { KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gpcOf, requestContextOf } from '../request-context.ts';
import type { RequestContext } from '../../domain/audit/audit.ts';
import type { InteractionResults } from 'oidc-provider';
import { mountPathOf } from '../tenancy/mount.ts';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import type { Flow, FlowState, FlowType } from '../../domain/flows/flow.ts';
import type { SelfServiceDeps } from '../../domain/self-service/code-steps.ts';
import { resendCode } from '../../domain/self-service/code-steps.ts';
import { startSignUp } from '../../domain/self-service/registration.ts';
import { signUpAllowed } from '../../domain/tenants/tenant.ts';
import { emailOf, recordSignIn, signInByCode, signInVerifyingFirst } from '../../domain/self-service/sign-in.ts';
import { confirmRecoveryCode, requestRecovery, resetPassword } from '../../domain/self-service/recovery.ts';
import { browserFlow, codeFlowTypeOf, completeOnce, continueRecovered, continueVerified, signUpScreen, submittedFlow } from '../../domain/self-service/browser-flow.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import { traitSchemaOf } from '../../domain/identity/traits.ts';
import { signUpTraitFields, traitFieldOf, traitsFromText } from '../../domain/identity/trait-fields.ts';
import { problemMessageOf } from '../trait-form.ts';
import { PASSWORD_MIN_LENGTH } from '../../domain/credentials/password/policy.ts';
import { giveConsent } from '../../domain/consents/consents.service.ts';
import { saveConsentGrant } from '../oidc/grants.ts';
import { pageTranslator } from '../shared/locale.ts';
import { allowFormTargets, sendPage, brandingOf, errorBody } from '../shared/respond.ts';
import { createInteractionPages } from './interaction-pages.ts';
import type { InteractionContext as Context, InteractionDetails as Details } from './interaction-pages.ts';
import { consentPage } from './pages/consent.page.ts';
import { SUPPORTED_SCOPES } from '../oidc/claims.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { formOf, parseForm } from '../shared/form.ts';
import { acceptanceOf } from '../shared/purpose-fields.ts';
import { readDeviceCookie, setDeviceCookie } from '../device-cookie.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { createSecondFactorStep } from './second-factor.step.ts';
import { createEmailSignInStep } from './email-sign-in.step.ts';
import { createPasskeyStep } from './passkey.step.ts';
import { passkeysAllowed } from '../../domain/credentials/passkey/passkey.ts';
import { STEP_UP_REASON } from '../oidc/acr.ts';
import { RENEW_PURPOSES_REASON } from '../oidc/purposes-check.ts';
import { asksForPurposes, createPurposesStep } from './purposes.step.ts';
import { createFederationStep } from './federation.step.ts';
import type { ConnectionDirectory, FederationDeps } from '../federation/upstream-sign-in.ts';
import type { CountryOf } from '../../domain/self-service/sign-in-countries.ts';
import { recordSignInCountry } from '../../domain/self-service/sign-in-countries.ts';

type InteractionDeps = {
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly strategies: Strategies;
  readonly selfService: SelfServiceDeps;
  /** flowCsrfKeyOf(master secret): the sign-in form's CSRF token is derived, not stored. */
  readonly flowCsrfKey: KeyObject;
  /** rememberedDeviceKeyOf(master secret): the "remember this device" cookie of the second-factor step. */
  readonly rememberKey: KeyObject;
  /** Sign-in through the tenant's connections (ADR 0032). */
  readonly federation: FederationDeps & { readonly directory: ConnectionDirectory };
  /** passkeyChallengeKeyOf(master secret): the challenges of passkey sign-ins and second-factor steps. */
  readonly passkeyChallengeKey: KeyObject;
  /** The GEOIP_DATABASE lookup: adaptive MFA's new-country signal, and each completed sign-in's country recorded. */
  readonly countryOf?: CountryOf | undefined;
};

type Form = Record<string, string>;

export async function interactionPlugin(app: FastifyInstance, deps: InteractionDeps): Promise<void> {
  registerPageErrors(app);
  const secureCookies = deps.selfService.publicUrl.startsWith('https:');
  // Passkeys (ADR 0030): the sign-in page's button, the second factor, and the offer after a password sign-in.
  const passkey = createPasskeyStep({ stores: deps.stores, strategies: deps.strategies, publicUrl: deps.selfService.publicUrl, challengeKey: deps.passkeyChallengeKey, flowCsrfKey: deps.flowCsrfKey, secureCookies, finish, contextOf });
  const { renderSignIn, renderSignUp, renderCode, renderRecovery, renderNewPassword } = createInteractionPages({ flowCsrfKey: deps.flowCsrfKey, secureCookies, purposes: deps.stores.purposes, passkeys: passkey, smsAvailable: deps.strategies.enrolments.sms.available });
  const flowDeps = { flows: deps.stores.flows, csrfKey: deps.flowCsrfKey };
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  // Every sign-in below ends in secondFactor.signedIn: the one place a second factor is asked for (ADR 0024).
  const purposes = createPurposesStep({ stores: deps.stores, transaction: deps.transaction, flowCsrfKey: deps.flowCsrfKey, finish });
  const secondFactor = createSecondFactorStep({ stores: deps.stores, strategies: deps.strategies, throttle: deps.selfService.throttle, flowCsrfKey: deps.flowCsrfKey, deviceKey: deps.selfService.deviceKey, rememberKey: deps.rememberKey, countryOf: deps.countryOf, secureCookies, finish: passkey.finishSignIn, passkey, contextOf });
  const emailSignIn = createEmailSignInStep({ stores: deps.stores, strategies: deps.strategies, selfService: deps.selfService, flowCsrfKey: deps.flowCsrfKey, secureCookies, signedIn: secondFactor.signedIn, contextOf });

  const federation = createFederationStep({ stores: deps.stores, strategies: deps.strategies, selfService: deps.selfService, federation: deps.federation, flowCsrfKey: deps.flowCsrfKey, secureCookies, signedIn: (c, request, reply, result) => secondFactor.signedIn(c, request, reply, result), renderSignIn, renderCode, contextOf });

  app.get('/interaction/:uid', (request, reply) => withInteraction(request, reply, (c) => show(c, request, reply)));
  app.post('/interaction/:uid/federation', (request, reply) => withInteraction(request, reply, (c) => federation.start(c, request, reply)));
  app.get('/interaction/:uid/federation/return', (request, reply) => withInteraction(request, reply, (c) => federation.upstreamReturned(c, request, reply)));
  app.post('/interaction/:uid/federation/link', (request, reply) => withInteraction(request, reply, (c) => federation.link(c, request, reply)));
  app.post('/interaction/:uid/signin', (request, reply) => withInteraction(request, reply, (c) => signIn(c, request, reply)));
  app.post('/interaction/:uid/passkey', (request, reply) => withInteraction(request, reply, (c) => signInWithPasskey(c, request, reply)));
  app.post('/interaction/:uid/passkey/offer', (request, reply) => withInteraction(request, reply, (c) => passkey.acceptOffer(c, request, reply)));
  app.post('/interaction/:uid/passkey/skip', (request, reply) => withInteraction(request, reply, (c) => passkey.skipOffer(c, request, reply)));
  app.post('/interaction/:uid/signup', (request, reply) => withInteraction(request, reply, (c) => signUp(c, request, reply)));
  app.post('/interaction/:uid/code', (request, reply) => withInteraction(request, reply, (c) => enterCode(c, request, reply)));
  app.post('/interaction/:uid/resend', (request, reply) => withInteraction(request, reply, (c) => resend(c, request, reply)));
  app.post('/interaction/:uid/recovery', (request, reply) => withInteraction(request, reply, (c) => recover(c, request, reply)));
  app.post('/interaction/:uid/recovery/password', (request, reply) => withInteraction(request, reply, (c) => newPassword(c, request, reply)));
  app.post('/interaction/:uid/consent', (request, reply) => withInteraction(request, reply, (c) => consent(c, request, reply)));
  app.post('/interaction/:uid/second-factor', (request, reply) => withInteraction(request, reply, (c) => secondFactor.submit(c, request, reply)));
  app.post('/interaction/:uid/second-factor/send', (request, reply) => withInteraction(request, reply, (c) => secondFactor.send(c, request, reply)));
  app.post('/interaction/:uid/second-factor/enrol', (request, reply) => withInteraction(request, reply, (c) => secondFactor.enrol(c, request, reply)));
  app.post('/interaction/:uid/second-factor/continue', (request, reply) => withInteraction(request, reply, (c) => secondFactor.continueAfterCodes(c, request, reply)));
  app.post('/interaction/:uid/second-factor/decline', (request, reply) => withInteraction(request, reply, (c) => secondFactor.decline(c, request, reply)));
  app.post('/interaction/:uid/email-code', (request, reply) => withInteraction(request, reply, (c) => emailSignIn.request(c, request, reply)));
  app.post('/interaction/:uid/email-code/verify', (request, reply) => withInteraction(request, reply, (c) => emailSignIn.enterCode(c, request, reply)));
  app.post('/interaction/:uid/email-code/resend', (request, reply) => withInteraction(request, reply, (c) => emailSignIn.resend(c, request, reply)));
  app.post('/interaction/:uid/purposes', (request, reply) => withInteraction(request, reply, (c) => (asksForPurposes(c, RENEW_PURPOSES_REASON, STEP_UP_REASON) ? purposes.accept(c, request, reply) : show(c, request, reply))));
  app.post('/interaction/:uid/purposes/decline', (request, reply) => withInteraction(request, reply, (c) => (asksForPurposes(c, RENEW_PURPOSES_REASON, STEP_UP_REASON) ? purposes.decline(c, request, reply) : show(c, request, reply))));
  app.post('/interaction/:uid/sms-code', (request, reply) => withInteraction(request, reply, (c) => emailSignIn.requestSms(c, request, reply)));
  app.post('/interaction/:uid/sms-code/verify', (request, reply) => withInteraction(request, reply, (c) => emailSignIn.enterSmsCode(c, request, reply)));
  app.post('/interaction/:uid/sms-code/resend', (request, reply) => withInteraction(request, reply, (c) => emailSignIn.resendSms(c, request, reply)));
  app.post('/interaction/:uid/abort', (request, reply) => withInteraction(request, reply, (c) => decline(c, request, reply)));

  async function withInteraction(request: FastifyRequest, reply: FastifyReply, handle: (context: Context) => Promise<unknown>) {
    const { uid } = request.params as { uid: string };
    const found = request.tenant && { tenant: request.tenant, provider: await request.tenantProvider() };
    let t = pageTranslator(request, { tenant: found?.tenant });
    if (!found) return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
    let details: Details;
    try {
      details = await found.provider.interactionDetails(request.raw, reply.raw);
    } catch {
      // No interaction cookie, or the interaction expired: nothing to resume.
      return sendPage(reply, { status: 400, t, branding: brandingOf(found.tenant), title: t('page.error.title'), body: errorBody(t, 'interaction.expired') });
    }
    if (details.uid !== uid) {
      return sendPage(reply, { status: 400, t, branding: brandingOf(found.tenant), title: t('page.error.title'), body: errorBody(t, 'interaction.expired') });
    }
    t = pageTranslator(request, { tenant: found.tenant, uiLocales: details.params['ui_locales'] });
    const client = await found.provider.Client.find(String(details.params['client_id']));
    // The forms of these pages end in a redirect to the application (or its error response).
    const redirectUri = details.params['redirect_uri'];
    const connections = await deps.federation.directory.buttonsFor(found.tenant.id, String(details.params['client_id'] ?? ''));
    // …and the buttons (and home-realm discovery) lead to the upstream providers.
    const upstreams = connections.flatMap((connection) => deps.federation.upstream.authorizationTargets(connection));
    allowFormTargets(request, [...(typeof redirectUri === 'string' ? [redirectUri] : (client?.redirectUris ?? [])), ...upstreams]);
    const base = `${mountPathOf(found.tenant)}/interaction/${uid}`;
    const buttons = connections.map((connection) => ({ id: connection.id, name: connection.displayName, iconUrl: connection.iconUrl }));
    const passkeys = passkeysAllowed(found.tenant, { passkeysDisabled: (client as unknown as Record<string, unknown> | undefined)?.['foyer_passkeys_disabled'] === true });
    return handle({ ...found, details, uid, base, t, app: client?.clientName ?? found.tenant.name, appLogo: client?.logoUri, gpc: gpcOf(request), buttons, passkeys });
  }

  async function show(c: Context, request: FastifyRequest, reply: FastifyReply) {
    if (c.details.prompt.name === 'consent') return showConsent(c, reply);
    // Signed in, with required purposes to accept again before the application (ADR 0024).
    if (asksForPurposes(c, RENEW_PURPOSES_REASON, STEP_UP_REASON)) return purposes.show(c, reply);
    // Signed in, and the application asks for more than the session has: only the missing factor.
    if (c.details.session?.accountId && c.details.prompt.reasons.every((reason) => reason === STEP_UP_REASON)) return secondFactor.stepUp(c, request, reply);
    const query = request.query as { screen?: string; continue?: string };
    if (query.continue !== undefined && (await continueInThisBrowser(c, request, reply))) return reply;
    if (query.continue === 'email' && (await emailSignIn.continueFromLink(c, request, reply))) return reply;
    if (query.continue === 'recovered') {
      const recovered = await continueRecovered(deps.selfService, c.tenant, c.uid);
      if (recovered) return secondFactor.signedIn(c, request, reply, recovered);
    }
    if (query.screen === 'email-code') return emailSignIn.show(c, reply);
    if (query.screen === 'sms-code') return emailSignIn.showSms(c, reply);
    if (query.screen === 'recovery') return renderRecovery(c, reply, await screenFlow(c, 'recovery', { fresh: true }));
    if (query.screen === 'signup' && signUpAllowed(c.tenant)) return renderSignUp(c, reply, await screenFlow(c, 'registration'), {}, {});
    const hint = c.details.params['login_hint'];
    return renderSignIn(c, reply, typeof hint === 'string' ? hint : undefined);
  }

  async function signIn(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submitted(c, form, 'login');
    if (!flow) return renderSignIn(c, reply, form['email'], { code: 'flow.csrf' }, 400);
    // An address of a domain a connection owns signs in there (home-realm discovery, ADR 0032).
    if (await federation.homeRealm(c, request, reply, form['email'] ?? '')) return reply;
    const input = { identifier: form['email'] ?? '', password: form['password'] ?? '', deviceToken: readDeviceCookie(request, c.tenant) };
    const verification = { kind: 'browser', interactionUid: c.uid, locale: c.t.locale } as const;
    const outcome = await signInVerifyingFirst(deps.selfService, deps.strategies.password, c.tenant, input, contextOf(c, request), verification);
    if (outcome.ok && outcome.step === 'verify_address') {
      return renderCode(c, reply, outcome.flow, { intro: c.t('page.code.verify_first', { email: emailOf(outcome.identity) }), bind: true });
    }
    if (outcome.ok) {
      if (!(await completed(c, flow, outcome.identity.id, reply))) return reply;
      setDeviceCookie(reply, c.tenant, outcome.deviceToken, secureCookies);
      return secondFactor.signedIn(c, request, reply, outcome.result);
    }
    if (outcome.code === 'signin.throttled') {
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      return renderSignIn(c, reply, form['email'], { code: outcome.code, params: { seconds: outcome.retryAfterSeconds } }, 429);
    }
    if (outcome.code === 'signin.invalid_credentials' || outcome.code === 'signin.account_blocked') return renderSignIn(c, reply, form['email'], { code: 'signin.invalid_credentials' }, 401);
    // The right password, but the code could not be sent (the address's email throttle).
    return renderSignIn(c, reply, form['email'], refusalFieldError(outcome, reply), refusalStatus(outcome));
  }

  /** A passkey chosen on the sign-in page (its button or the email field's autofill): the first and only factor. */
  async function signInWithPasskey(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submitted(c, form, 'login');
    if (!flow) return renderSignIn(c, reply, undefined, { code: 'flow.csrf' }, 400);
    if (!c.passkeys) return renderSignIn(c, reply, undefined, { code: 'passkey.disabled' }, 403);
    // The challenge the page showed is derived from the login flow, which completes once: an answer signs in once.
    const outcome = await deps.strategies.passkey.authenticate(c.tenant, { response: form['response'] ?? '', binding: flow.id }, contextOf(c, request));
    if (!outcome.ok) return renderSignIn(c, reply, undefined, refusalFieldError(outcome, reply), outcome.code === 'mfa.throttled' ? 429 : 401);
    if (!(await completed(c, flow, outcome.identity.id, reply))) return reply;
    await recordSignIn(deps.selfService, c.tenant.id, outcome.result, contextOf(c, request), { signedUpAt: outcome.identity.createdAt, completesSignUp: false });
    return secondFactor.signedIn(c, request, reply, outcome.result);
  }

  async function signUp(c: Context, request: FastifyRequest, reply: FastifyReply) {
    if (!signUpAllowed(c.tenant)) return renderSignIn(c, reply, undefined, { code: 'signup.disabled' }, 403);
    const form = formOf(request.body);
    const flow = await submitted(c, form, 'registration');
    const schema = traitSchemaOf(c.tenant.settings);
    const fields = signUpTraitFields(schema).filter((field) => field.name !== 'email');
    // An unticked box sends nothing: for a yes-or-no trait the form asks for, that is a no.
    const values: Record<string, string | undefined> = { email: form['email'] };
    for (const field of fields) values[field.name] = form[field.name] ?? (field.kind === 'boolean' ? '' : undefined);
    const checked = acceptanceOf(form);
    if (!flow) return renderSignUp(c, reply, await screenFlow(c, 'registration'), values, {}, { code: 'flow.csrf' }, 400, checked);
    // Optional traits the form sends too (a name, from a sign-up form of the tenant's own) are kept,
    // as the JSON API keeps them; the form's own fields and names the schema lacks are not traits.
    const optional = Object.keys(form).flatMap((name) => (name === 'email' || name === 'locale' || name in values ? [] : [traitFieldOf(schema, name)].filter((field) => field !== undefined)));
    const traits: Record<string, unknown> = { ...traitsFromText([...fields, ...optional], { ...form, ...values }), email: form['email'] ?? '' };
    // Signed up in the page's language (which startSignUp keeps as the locale trait).
    const consents = { acceptance: checked, method: 'signup_page', gpc: c.gpc } as const;
    const outcome = await startSignUp(deps.selfService, c.tenant, flow, { traits, password: form['password'] ?? '', consents }, contextOf(c, request), c.t.locale);
    if (!outcome.ok && outcome.code === 'invalid') {
      const errors: Record<string, FieldError> = {};
      for (const problem of outcome.problems) errors[problem.field] ??= problemMessageOf(problem);
      // A problem no input of the page shows (a trait the form does not ask for) is said at the top.
      const unshown = outcome.problems.find((problem) => problem.field !== 'email' && problem.field !== 'password' && !problem.field.startsWith('consents.') && !fields.some((field) => field.name === problem.field));
      return renderSignUp(c, reply, flow, values, errors, unshown ? problemMessageOf(unshown) : undefined, 400, checked);
    }
    if (!outcome.ok) return renderSignUp(c, reply, flow, values, {}, refusalFieldError(outcome, reply), 429, checked);
    // The same page for a new email and a taken one (SECURITY.md 1).
    const sent = { ...flow, payload: outcome.payload };
    return renderCode(c, reply, sent, { intro: c.t('page.code.intro', { email: String(outcome.payload['address']) }), bind: true, startOverUrl: `${c.base}?screen=signup` });
  }

  /** A code typed into a registration, verification or recovery flow of this interaction. */
  async function enterCode(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submitted(c, form, codeFlowTypeOf(form['flow']), ['active', 'verified']);
    if (!flow) return renderSignIn(c, reply, undefined, { code: 'flow.csrf' }, 400);
    if (flow.type === 'recovery') {
      const confirmed = await confirmRecoveryCode(deps.selfService, c.tenant, flow, form['code'] ?? '', contextOf(c, request));
      if (!confirmed.ok) return renderCode(c, reply, flow, { intro: recoveryIntro(c, flow), error: refusalFieldError(confirmed, reply) }, refusalStatus(confirmed));
      return renderNewPassword(c, reply, flow);
    }
    // Verified by its link in another browser: that browser signed nobody in, nor does this one.
    if (flow.state === 'verified') return renderSignIn(c, reply, String(flow.payload['address']), undefined, 200, c.t('page.signin.verified'));
    const signedIn = await signInByCode(deps.selfService, c.tenant, flow, form['code'] ?? '', contextOf(c, request), readDeviceCookie(request, c.tenant));
    if (!signedIn.ok) return renderCode(c, reply, flow, { intro: c.t('page.code.intro', { email: String(flow.payload['address']) }), error: refusalFieldError(signedIn, reply) }, refusalStatus(signedIn));
    // Signed in by the code (a sign-up, or a sign-in that verified its address first): this browser
    // gets its device token as after a password sign-in.
    setDeviceCookie(reply, c.tenant, signedIn.deviceToken, secureCookies);
    return secondFactor.signedIn(c, request, reply, signedIn.result);
  }

  async function resend(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submitted(c, form, codeFlowTypeOf(form['flow']));
    if (!flow) return renderSignIn(c, reply, undefined, { code: 'flow.csrf' }, 400);
    const recovery = flow.type === 'recovery';
    const intro = recovery ? recoveryIntro(c, flow) : c.t('page.code.intro', { email: String(flow.payload['address']) });
    const sent = await resendCode(deps.selfService, { tenant: c.tenant, flow, locale: c.t.locale, linkPath: recovery ? 'recovery' : 'verify', kind: recovery ? 'recover_password' : 'verify_email', context: contextOf(c, request) });
    if (!sent.ok) return renderCode(c, reply, flow, { intro, error: refusalFieldError(sent, reply) }, refusalStatus(sent));
    return renderCode(c, reply, { ...flow, payload: sent.payload }, { intro, notice: c.t('page.code.resent') });
  }

  async function recover(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submitted(c, form, 'recovery');
    if (!flow) return renderRecovery(c, reply, await screenFlow(c, 'recovery', { fresh: true }), form['email'], { code: 'flow.csrf' }, 400);
    const requested = await requestRecovery(deps.selfService, c.tenant, flow, form['email'] ?? '', contextOf(c, request), c.t.locale);
    if (!requested.ok) return renderRecovery(c, reply, flow, form['email'], refusalFieldError(requested, reply), requested.code === 'email.invalid' ? 400 : 429);
    // The same page whether or not an account uses this email (SECURITY.md 1).
    const sent = { ...flow, payload: { ...flow.payload, address: requested.address } };
    return renderCode(c, reply, sent, { intro: recoveryIntro(c, sent), startOverUrl: `${c.base}?screen=recovery`, bind: true });
  }

  async function newPassword(c: Context, request: FastifyRequest, reply: FastifyReply) {
    const form = formOf(request.body);
    const flow = await submitted(c, form, 'recovery', ['verified']);
    if (!flow) return renderRecovery(c, reply, await screenFlow(c, 'recovery', { fresh: true }), undefined, { code: 'flow.expired' }, 400);
    const reset = await resetPassword(deps.selfService, c.tenant, flow, form['password'] ?? '', contextOf(c, request), undefined, readDeviceCookie(request, c.tenant));
    if (!reset.ok) {
      const error = reset.code === 'invalid' ? { code: reset.problems[0]!.code, params: { min: PASSWORD_MIN_LENGTH, max: 1024 } } : refusalFieldError(reset, reply);
      return renderNewPassword(c, reply, flow, error, 400);
    }
    // The owner proved the inbox and chose a new password: signed in, whatever someone else's
    // guesses did to the account's sign-in throttle (SECURITY.md 7).
    setDeviceCookie(reply, c.tenant, reset.deviceToken, secureCookies);
    return secondFactor.signedIn(c, request, reply, reset.result);
  }

  /** Back from an emailed link opened in this same browser: the sign-in it verified finishes, once. */
  async function continueInThisBrowser(c: Context, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const signedIn = await continueVerified(deps.selfService, c.tenant, c.uid, readDeviceCookie(request, c.tenant), contextOf(c, request));
    if (!signedIn) return false;
    setDeviceCookie(reply, c.tenant, signedIn.deviceToken, secureCookies);
    await secondFactor.signedIn(c, request, reply, signedIn.result);
    return true;
  }

  async function showConsent(c: Context, reply: FastifyReply) {
    const flow = await screenFlow(c, 'consent');
    const accountId = c.details.session?.accountId;
    const identity = accountId ? await deps.stores.identities.findById(c.tenant.id, accountId) : undefined;
    const missing = (c.details.prompt.details['missingOIDCScope'] ?? []) as string[];
    // prompt=consent shows the screen even when everything asked for is granted already: then the
    // customer is asked for all of it again (offline access included), not for "nothing new".
    const requested = String(c.details.params['scope'] ?? '').split(' ').filter((scope) => (SUPPORTED_SCOPES as readonly string[]).includes(scope));
    const asked = missing.length > 0 ? missing : requested;
    const scopes = asked.filter((scope) => scope !== 'openid' || asked.length === 1);
    const body = consentPage(c.t, {
      app: c.app,
      appLogo: c.appLogo,
      email: String(identity?.traits['email'] ?? ''),
      scopes: scopes.length > 0 ? scopes : ['openid'],
      action: `${c.base}/consent`,
      abortAction: `${c.base}/abort`,
      hidden: { flow: flow.id, csrf_token: flow.csrfToken },
    });
    return sendPage(reply, { t: c.t, branding: brandingOf(c.tenant), title: c.t('page.consent.title'), body, here: c.base });
  }

  async function consent(c: Context, request: FastifyRequest, reply: FastifyReply) {
    // A consent post while the interaction is at another step shows that step.
    if (c.details.prompt.name !== 'consent') return show(c, request, reply);
    const flow = await submitted(c, formOf(request.body), 'consent');
    if (!flow) return showConsent(c, reply);
    if (!(await completed(c, flow, c.details.session!.accountId, reply))) return reply;
    const { provider, details } = c;
    const accountId = details.session!.accountId;
    const applicationId = String(details.params['client_id']);
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    const asked = { scopes: missing.missingOIDCScope, claims: missing.missingOIDCClaims, resourceScopes: missing.missingResourceScopes };
    const given = { tenantId: c.tenant.id, identityId: accountId, applicationId, asked, context: contextOf(c, request) };
    const grantId = await giveConsent(deps.transaction, given, (decision) => saveConsentGrant(provider, { grantId: details.grantId, accountId, clientId: applicationId }, decision));
    return finish(c, reply, { consent: { grantId } });
  }

  /**
   * "Deny" on the consent screen ends the authorization request with access_denied: only with the
   * consent form's flow and CSRF token, like "Allow", so no other site can end a customer's sign-in.
   */
  async function decline(c: Context, request: FastifyRequest, reply: FastifyReply) {
    if (c.details.prompt.name !== 'consent') return show(c, request, reply);
    const flow = await submitted(c, formOf(request.body), 'consent');
    if (!flow) return showConsent(c, reply);
    return finish(c, reply, { error: 'access_denied', error_description: 'The customer declined.' });
  }

  /** A flow completes once: a second submission of the same form gets an error page instead of finishing the interaction again. */
  async function completed(c: Context, flow: Flow, identityId: string, reply: FastifyReply): Promise<boolean> {
    if (await completeOnce(deps.stores.flows, c.tenant.id, flow, identityId)) return true;
    await sendPage(reply, { status: 409, t: c.t, branding: brandingOf(c.tenant), title: c.t('page.error.title'), body: errorBody(c.t, 'flow.expired') });
    return false;
  }

  async function finish(c: Context, reply: FastifyReply, result: InteractionResults) {
    // What interactionResult does, on the interaction this request already read: it would read the
    // interaction (and its session) from storage a second time.
    const { details } = c;
    const signedIn = (result['login'] as { accountId?: string } | undefined)?.accountId;
    if (deps.countryOf && signedIn) await recordSignInCountry({ store: deps.stores.signInCountries, countryOf: deps.countryOf }, c.tenant.id, signedIn, reply.request.ip, Date.now());
    details.result = result;
    await details.save(details.exp - Math.floor(Date.now() / 1000));
    return reply.code(303).header('location', details.returnTo).header('cache-control', 'no-store').send();
  }

  function screenFlow(c: Context, type: Exclude<FlowType, 'login'>, options: { fresh?: boolean } = {}): Promise<Flow> {
    if (type === 'registration') return signUpScreen({ flows: deps.stores.flows, stats: deps.selfService.stats }, c.tenant.id, c.uid, applicationOf(c));
    return browserFlow(deps.stores.flows, c.tenant.id, c.uid, type, options);
  }

  /** The request's context, with the application the customer came from: statistics count by it (ADR 0022). */
  function contextOf(c: Context, request: FastifyRequest): RequestContext {
    return { ...requestContextOf(request), applicationId: applicationOf(c) };
  }

  function applicationOf(c: Context): string {
    return String(c.details.params['client_id'] ?? '');
  }

  function submitted(c: Context, form: Form, type: FlowType | undefined, states?: readonly FlowState[]): Promise<Flow | undefined> {
    return submittedFlow(flowDeps, c.tenant.id, c.uid, { flow: form['flow'], csrfToken: form['csrf_token'] }, type, states);
  }

  function recoveryIntro(c: Context, flow: Flow): string {
    return c.t('page.code.intro_recovery', { email: String(flow.payload['address'] ?? '') });
  }

}
