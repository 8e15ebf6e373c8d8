// Sign-in as every surface runs it (the hosted pages and the JSON flows API alike): a first-factor
// strategy (domain/credentials, ADR 0019; the password today), then, when the tenant requires a verified email before sign-in
// (`verification.allowSignInUnverified: false`) and this customer's is not, an emailed code before
// anyone is signed in. Only the right password for an active account reaches the code step, so it
// tells a stranger nothing that a wrong password does not (SECURITY.md 1); and an address someone
// pre-registered in another person's name never signs in until its inbox proves itself.
//
//   stateDiagram-v2
//     [*] --> signed_in: first factor right; the address is verified, or the tenant does not ask
//     [*] --> verify_address: first factor right, address unverified (a verification flow `<owner>.verification` holds the emailed code)
//     verify_address --> signed_in: the code (signInByCode), or the link opened in the same browser (continueVerified)
import type { AuthenticationResult, FirstFactor } from '../credentials/authentication.ts';
import { authenticatedBy } from '../credentials/authentication.ts';
import { PASSWORD } from '../credentials/password/password-sign-in.ts';
import type { Flow, FlowKind } from '../flows/flow.ts';
import type { Identity } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { Locale } from '../../i18n/locales.ts';
import type { Refusal, SelfServiceDeps } from './code-steps.ts';
import { clock } from './code-steps.ts';
import { startVerification } from './verification.ts';
import { confirmAddress } from './registration.ts';
import { rememberDevice } from '../flows/device-token.ts';
import type { StatsRecorder } from '../stats/stats-recorder.port.ts';
import { RETURN_WINDOW_MS } from '../stats/stats.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { EventInterest } from '../events/event-interest.port.ts';
import { recordEvent } from '../events/record-event.ts';

type SignInStep<FactorRefusal> =
  | { readonly ok: true; readonly step: 'signed_in'; readonly identity: Identity; readonly result: AuthenticationResult; readonly deviceToken?: string | undefined }
  /** The first factor was right; `flow` (a verification flow) holds the code just emailed to `identity`. */
  | { readonly ok: true; readonly step: 'verify_address'; readonly identity: Identity; readonly flow: Flow }
  | FactorRefusal
  | Refusal;

/** Where the verification flow belongs: a browser interaction (`<uid>.verification`) or an api login flow (`<id>.verification`). */
type VerificationOwner = { readonly kind: 'browser'; readonly interactionUid: string } | { readonly kind: 'api'; readonly loginFlowId: string };

export async function signInVerifyingFirst<Input, FactorRefusal extends { readonly ok: false; readonly code: string }>(
  deps: SelfServiceDeps,
  firstFactor: FirstFactor<Input, FactorRefusal>,
  tenant: Tenant,
  input: Input,
  context: RequestContext,
  verification: VerificationOwner & { readonly locale: Locale },
): Promise<SignInStep<FactorRefusal>> {
  const outcome = await firstFactor.authenticate(tenant, input, context);
  if (!outcome.ok) {
    // A blocked account counts as a failure like a wrong password: only the audit log tells them apart.
    deps.stats?.count(tenant.id, outcome.code === 'signin.throttled' ? 'signin.throttled' : 'signin.failed', { application: context.applicationId, method: firstFactor.method.id });
    return outcome;
  }
  const { identity } = outcome;
  if (!mustVerifyFirst(tenant, identity)) {
    await recordSignIn(deps, tenant.id, outcome.result, context, { signedUpAt: identity.createdAt, completesSignUp: false });
    return { ok: true, step: 'signed_in', identity, result: outcome.result, ...(outcome.deviceToken ? { deviceToken: outcome.deviceToken } : {}) };
  }
  const kind: FlowKind = verification.kind;
  const owner = verification.kind === 'browser' ? { interactionUid: verification.interactionUid } : { parentFlowId: verification.loginFlowId };
  const started = await startVerification(deps, tenant, { identity, address: emailOf(identity), purpose: 'signin', kind, ...owner }, context, verification.locale);
  if (!started.ok) return started;
  return { ok: true, step: 'verify_address', identity, flow: started.flow };
}

/** Whether this customer must prove their email before signing in to this tenant. */
function mustVerifyFirst(tenant: Tenant, identity: Identity): boolean {
  if (tenant.settings.verification?.allowSignInUnverified !== false) return false;
  const email = emailOf(identity);
  if (email === '') return false;
  const address = normalizeAddress('email', email);
  return !identity.addresses.some((candidate) => candidate.kind === 'email' && candidate.value === address && candidate.verifiedAt !== null);
}

export function emailOf(identity: Identity): string {
  return typeof identity.traits['email'] === 'string' ? identity.traits['email'] : '';
}

/** A sign-in an emailed code (or link) completed: who, how, and the browser's or app's device token. */
type SignedInByCode = { readonly ok: true; readonly identity: Identity; readonly result: AuthenticationResult; readonly deviceToken: string | undefined };

/**
 * The emailed code of a sign-up, or of a sign-in that verifies its address first: right, it
 * verifies the address, completes the flow, and signs the customer in. The account's credential is
 * the password set at sign-up or checked before the code, so the sign-in says what a password
 * sign-in says (PASSWORD). `heldDeviceTokens` are those the browser or app holds already.
 */
export async function signInByCode(deps: SelfServiceDeps, tenant: Tenant, flow: Flow, code: string, context: RequestContext, heldDeviceTokens: string | undefined): Promise<SignedInByCode | Refusal> {
  const verified = await confirmAddress(deps, tenant, flow, { code }, context, 'complete');
  if (!verified.ok) return verified;
  const deviceToken = deviceTokenAfterCode(deps, tenant.id, flow.payload['address'], heldDeviceTokens);
  const result = authenticatedBy(PASSWORD, verified.identity.id);
  await recordSignIn(deps, tenant.id, result, context, { signedUpAt: verified.identity.createdAt, completesSignUp: flow.type === 'registration' });
  return { ok: true, identity: verified.identity, result, deviceToken };
}

/**
 * A completed sign-in: the `identity.signed_in` event, when a subscription of the tenant takes it
 * (one INSERT into the outbox; delivery happens after, off the request; no subscription, no row:
 * only outside subscribers read this event, ADR 0026), and the dashboards' counts (ADR 0022): by
 * method and application, the customer among today's active ones, and a possible return to count
 * for their sign-up, unless this sign-in is the one that completed it. `signedUpAt` (when known)
 * spares the flush a lookup for customers whose window has closed.
 */
export async function recordSignIn(
  deps: { readonly stores?: { readonly outbox: Pick<OutboxStore, 'enqueue'> } | undefined; readonly stats?: StatsRecorder | undefined; readonly events?: EventInterest | undefined; readonly now?: () => number },
  tenantId: string,
  result: AuthenticationResult,
  context: RequestContext,
  customer: { readonly signedUpAt?: number | undefined; readonly completesSignUp: boolean },
): Promise<void> {
  const now = (deps.now ?? Date.now)();
  if (deps.stores && (deps.events?.wants(tenantId, 'identity.signed_in') ?? true)) {
    const payload = { method: result.method, amr: [...result.amr], acr: result.acr, ...(context.applicationId ? { applicationId: context.applicationId } : {}) };
    await recordEvent(deps.stores.outbox, { tenantId, aggregateId: result.identityId, occurredAt: now }, { type: 'identity.signed_in', payload });
  }
  if (!deps.stats) return;
  deps.stats.count(tenantId, 'signin.succeeded', { application: context.applicationId, method: result.method });
  const inWindow = customer.signedUpAt === undefined || now - customer.signedUpAt < RETURN_WINDOW_MS;
  deps.stats.signedIn(tenantId, result.identityId, !customer.completesSignUp && inWindow);
}

/**
 * What a browser or app keeps after an emailed code or link signed the customer in instead of a
 * password (a sign-up, a sign-in that verified its address first): a device token, as a password
 * sign-in hands out, so that someone guessing the password afterwards cannot keep this customer out
 * (SECURITY.md 7). `address` is the code flow's, which is the account's sign-in identifier; `held`
 * are the tokens the browser or app has already.
 */
export function deviceTokenAfterCode(deps: SelfServiceDeps, tenantId: string, address: unknown, held: string | undefined): string | undefined {
  if (!deps.deviceKey || typeof address !== 'string' || address === '') return undefined;
  return rememberDevice(deps.deviceKey, tenantId, address, held, clock(deps));
}
