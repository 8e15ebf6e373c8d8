// Sign-in without a password (ADR 0031), as the hosted pages and the JSON flows API both run it:
// the customer gives an email address, and an email brings a one-time code and a link. The answer
// is the same whether or not an account uses the address (SECURITY.md 1): an address nobody owns
// (or whose account is blocked) gets a flow of the same shape that no code matches, and no email,
// after the same work. The code step is the emailed-code step every flow shares (code-steps.ts):
// throttled per flow, per client address and per address, only the latest code live, each once.
//
// A tenant whose customers have a phone number as an identifier may offer the same by text message
// (startSmsSignIn): a code only, no link, the SMS pumping limits counted for every number given.
//
//   stateDiagram-v2
//     [*] --> active: an address given (startEmailSignIn): a code and link sent, or an unmatchable one
//     active --> active: a wrong code (counted) · the code resent
//     active --> complete: the right code (signed in with EMAIL_CODE)
//     active --> verified: the link, opened in the browser that asked (bound by a cookie)
//     verified --> complete: that browser's sign-in continues (continueEmailSignIn, EMAIL_LINK)
import type { Flow, FlowKind } from '../flows/flow.ts';
import { newFlow } from '../flows/flow.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { ADMIN_TENANT_SLUG } from '../tenants/tenant.ts';
import type { AuthenticationResult } from '../credentials/authentication.ts';
import { authenticatedBy } from '../credentials/authentication.ts';
import { EMAIL_LINK } from '../credentials/email-code/email-code.ts';
import type { EmailCodeFirstFactor } from '../credentials/email-code/email-code.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { Identity } from '../identity/identity.ts';
import type { Refusal, SelfServiceDeps } from './code-steps.ts';
import { auditOf, clock, composeCode, reserveSend } from './code-steps.ts';
import { CODE_LIFETIME_MS, issueCode, unmatchable } from './one-time-code.ts';
import { identifierTraits, traitSchemaOf, verifiableTraits } from '../identity/traits.ts';
import { phoneNumberOf, queueSms, reserveSms, smsText } from '../sms/sms.ts';
import type { SmsRefusal } from '../sms/sms.ts';
import { recordSignIn, deviceTokenAfterCode } from './sign-in.ts';

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** Whether customers of this tenant may sign in by an emailed code: on unless turned off; never for staff (the admin tenant). */
export function emailSignInAllowed(tenant: Pick<Tenant, 'slug' | 'settings'>): boolean {
  if (tenant.slug === ADMIN_TENANT_SLUG) return false;
  return tenant.settings.passwordless?.email !== false;
}

/**
 * Whether customers of this tenant may sign in by a texted code: the tenant turned it on, its trait
 * schema has a phone trait that identifies a customer, and texts can be sent (`smsAvailable`).
 */
export function smsSignInAllowed(tenant: Pick<Tenant, 'slug' | 'settings'>, smsAvailable: boolean): boolean {
  if (!smsAvailable || tenant.slug === ADMIN_TENANT_SLUG || tenant.settings.passwordless?.sms !== true) return false;
  const schema = traitSchemaOf(tenant.settings);
  const identifiers = identifierTraits(schema);
  return verifiableTraits(schema).some(([name, kind]) => kind === 'phone' && identifiers.includes(name));
}

/** Where the sign-in's code flow belongs: a browser interaction (`<uid>.email_sign_in`) or an api login flow (`<id>.email_sign_in`). */
type EmailSignInOwner = { readonly kind: 'browser'; readonly interactionUid: string } | { readonly kind: 'api'; readonly loginFlowId: string };

function emailSignInFlowId(owner: EmailSignInOwner, type: 'email_sign_in' | 'sms_sign_in' = 'email_sign_in'): string {
  return `${owner.kind === 'browser' ? owner.interactionUid : owner.loginFlowId}.${type}`;
}

type Started = { readonly ok: true; readonly flow: Flow } | Refusal | { readonly ok: false; readonly code: 'email.invalid' } | { readonly ok: false; readonly code: 'signin.method_unavailable' };

/**
 * Sends a sign-in code and link to `email` (a new flow replaces an older one of the same owner).
 * Answers the flow, which looks the same for every address.
 */
export async function startEmailSignIn(deps: SelfServiceDeps, tenant: Tenant, owner: EmailSignInOwner, email: string, context: RequestContext, locale: Locale): Promise<Started> {
  if (!emailSignInAllowed(tenant)) return { ok: false, code: 'signin.method_unavailable' };
  const address = normalizeAddress('email', email);
  if (!EMAIL_SHAPE.test(address) || address.length > 254) return { ok: false, code: 'email.invalid' };
  const refused = await reserveSend(deps, tenant.id, address, context);
  if (refused) return refused;
  const identity = await deps.stores.identities.findByAddress(tenant.id, 'email', address);
  const subject: Identity | undefined = identity?.status === 'active' ? identity : undefined;
  const now = clock(deps);
  const id = emailSignInFlowId(owner);
  const kind: FlowKind = owner.kind;
  const draft = newFlow({ id, tenantId: tenant.id, type: 'email_sign_in', kind, interactionUid: owner.kind === 'browser' ? owner.interactionUid : null, payload: { locale }, now });
  return deps.transaction(async (stores) => {
    const sent = await composeCode(deps, stores, { tenant, flow: draft, locale, linkPath: 'signin-link', kind: 'sign_in_code', context }, { address, subjectId: subject?.id, sentCount: 0 });
    const flow: Flow = { ...draft, payload: sent.payload };
    await stores.flows.delete(tenant.id, id);
    await stores.flows.create(flow);
    if (subject) await stores.audit.append(auditOf(tenant.id, 'signin.code_sent', subject.id, context, { channel: 'email' }));
    return { ok: true, flow } as const;
  });
}

type SignedIn = { readonly ok: true; readonly identity: Identity; readonly result: AuthenticationResult; readonly deviceToken: string | undefined };

/** The code typed (or a link's token in an app's flow): right, the customer is signed in. */
export async function signInByEmailCode(deps: SelfServiceDeps, strategy: EmailCodeFirstFactor, tenant: Tenant, flow: Flow, given: { readonly code?: string; readonly token?: string }, context: RequestContext, heldDeviceTokens: string | undefined): Promise<SignedIn | Refusal> {
  const outcome = await strategy.authenticate(tenant, { flow, ...given, heldDeviceTokens }, context);
  if (!outcome.ok) {
    deps.stats?.count(tenant.id, outcome.code === 'code.throttled' ? 'signin.throttled' : 'signin.failed', { application: context.applicationId, method: strategy.method.id });
    return outcome;
  }
  await recordSignIn(deps, tenant.id, outcome.result, context, { signedUpAt: outcome.identity.createdAt, completesSignUp: false });
  return { ok: true, identity: outcome.identity, result: outcome.result, deviceToken: outcome.deviceToken };
}

/**
 * The link, opened in the browser whose sign-in asked for it: checks the token and leaves the flow
 * verified for that sign-in to finish. Anywhere else the link signs nobody in (the caller checks the
 * browser first), so a forwarded or scanned link is worth nothing.
 */
export async function confirmEmailLink(strategy: EmailCodeFirstFactor, tenant: Tenant, flow: Flow, token: string, context: RequestContext): Promise<{ readonly ok: true } | Refusal> {
  const outcome = await strategy.authenticate(tenant, { flow, token, forBrowser: true }, context);
  return outcome.ok ? { ok: true } : outcome;
}

/** Back from the link in this browser: the interaction's verified email sign-in completes, once. */
export async function continueEmailSignIn(deps: SelfServiceDeps, tenant: Tenant, uid: string, heldDeviceTokens: string | undefined, context: RequestContext): Promise<{ readonly result: AuthenticationResult; readonly deviceToken: string | undefined } | undefined> {
  const now = clock(deps);
  const flow = await deps.stores.flows.find(tenant.id, emailSignInFlowId({ kind: 'browser', interactionUid: uid }), now);
  if (flow?.state !== 'verified' || flow.payload['sameBrowser'] !== true || !flow.identityId) return undefined;
  if (!(await deps.stores.flows.advance(tenant.id, flow.id, 'verified', { state: 'complete', payload: flow.payload }, now))) return undefined;
  const result = authenticatedBy(EMAIL_LINK, flow.identityId);
  await recordSignIn(deps, tenant.id, result, context, { completesSignUp: false });
  return { result, deviceToken: deviceTokenAfterCode(deps, tenant.id, flow.payload['address'], heldDeviceTokens) };
}

/** The open email sign-in of an api login flow, if it has one. */
export async function emailSignInOf(deps: Pick<SelfServiceDeps, 'stores'>, tenantId: string, loginFlow: Flow): Promise<Flow | undefined> {
  const flow = await deps.stores.flows.find(tenantId, emailSignInFlowId({ kind: 'api', loginFlowId: loginFlow.id }), Date.now());
  return flow?.type === 'email_sign_in' && flow.kind === 'api' && flow.state === 'active' ? flow : undefined;
}

type SmsStarted = { readonly ok: true; readonly flow: Flow } | SmsRefusal | { readonly ok: false; readonly code: 'signin.method_unavailable' };

/**
 * Texts a sign-in code to `phone` (a new flow replaces an older one of the same owner). Every number
 * counts against the SMS limits, owned or not, and the answer is the same; only an account's number
 * gets the text.
 */
export async function startSmsSignIn(deps: SelfServiceDeps & { readonly smsAvailable: boolean }, tenant: Tenant, owner: EmailSignInOwner, phone: string, context: RequestContext, locale: Locale): Promise<SmsStarted> {
  if (!smsSignInAllowed(tenant, deps.smsAvailable)) return { ok: false, code: 'signin.method_unavailable' };
  const number = phoneNumberOf(phone);
  if (!number) return { ok: false, code: 'phone.invalid' };
  const now = clock(deps);
  const refused = await reserveSms(deps.throttle, tenant, number, context, now);
  if (refused) return refused;
  const identity = await deps.stores.identities.findByAddress(tenant.id, 'phone', number.e164);
  const subject = identity?.status === 'active' ? identity : undefined;
  const id = emailSignInFlowId(owner, 'sms_sign_in');
  const issued = issueCode(deps.codeKey, id, now);
  const secret = subject ? issued.secret : unmatchable(issued.secret);
  const payload = { ...secret, address: number.e164, subjectId: subject?.id, sentCount: 1, lastSentAt: now, locale };
  const flow = newFlow({ id, tenantId: tenant.id, type: 'sms_sign_in', kind: owner.kind, interactionUid: owner.kind === 'browser' ? owner.interactionUid : null, payload, now });
  const minutes = CODE_LIFETIME_MS / 60_000;
  return deps.transaction(async (stores) => {
    if (subject) await queueSms(stores.sms, tenant, { to: number.e164, kind: 'sign_in', locale, code: issued.code, minutes }, now);
    // Nobody to text: the same work all the same.
    else smsText(tenant, { kind: 'sign_in', locale, code: issued.code, minutes });
    await stores.latestCodes.record(tenant.id, number.e164, id, secret.codeExpiresAt);
    await stores.flows.delete(tenant.id, id);
    await stores.flows.create(flow);
    if (subject) await stores.audit.append(auditOf(tenant.id, 'signin.code_sent', subject.id, context, { channel: 'sms' }));
    return { ok: true, flow } as const;
  });
}

/** The open sign-in by a texted code of a login flow (browser interaction or api), if it has one. */
export async function smsSignInOf(deps: Pick<SelfServiceDeps, 'stores'>, tenantId: string, owner: EmailSignInOwner): Promise<Flow | undefined> {
  const flow = await deps.stores.flows.find(tenantId, emailSignInFlowId(owner, 'sms_sign_in'), Date.now());
  return flow?.type === 'sms_sign_in' && flow.kind === owner.kind && flow.state === 'active' ? flow : undefined;
}
