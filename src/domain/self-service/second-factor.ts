// The second-factor step of a sign-in (ADR 0024), as the hosted pages and the JSON flows API both
// run it after a first factor: whether to ask (the tenant's and the application's policy, the
// application's `acr_values`, the device), what to ask for (the factors the customer enrolled, or
// enrolment when they have none and must), and the step itself, held in a `second_factor` flow
// until it is done. Nothing else in the sign-in knows which factors exist.
//
//   stateDiagram-v2
//     [*] --> active: first factor right and a second one is due (startSecondFactor)
//     active --> active: a wrong or reused code (counted by the code-entry throttle)
//     active --> verified: enrolled at sign-in; the new recovery codes are shown once
//     active --> complete: a right code (TOTP or a recovery code): signed in with both factors
//     verified --> complete: the customer saw the codes and continues
//     active --> complete: "not now" on a voluntary request or optional enrolment: signed in with the first factor only
import type { AuthenticationResult } from '../credentials/authentication.ts';
import { MFA_ACR } from '../credentials/authentication.ts';
import type { SecondFactorStrategies } from '../credentials/strategies.ts';
import { offeredSecondFactors } from '../credentials/email-otp/email-otp.ts';
import type { Flow, FlowKind } from '../flows/flow.ts';
import { newFlow } from '../flows/flow.ts';
import type { FlowStore } from '../flows/flow.port.ts';
import type { ThrottleStore } from '../flows/throttle.port.ts';
import { ACCOUNT_POLICY, signInThrottleKeys } from '../flows/throttle.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { MfaPolicy } from '../tenants/tenant-settings.ts';

const STRICTNESS: readonly MfaPolicy[] = ['off', 'optional', 'adaptive', 'required'];

/** The policy a sign-in to `application` follows: the stricter of the tenant's and the application's, so no application weakens the tenant's rule. */
export function effectivePolicy(tenant: Tenant, applicationPolicy: MfaPolicy | null | undefined): MfaPolicy {
  const tenantPolicy = tenant.settings.mfa?.policy ?? 'off';
  const candidates = [tenantPolicy, applicationPolicy ?? 'off'];
  return candidates.reduce((stricter, policy) => (STRICTNESS.indexOf(policy) > STRICTNESS.indexOf(stricter) ? policy : stricter), 'off');
}

/**
 * What the application asked for: nothing, `acr_values` naming the MFA class (voluntary: the
 * customer may decline, and the ID token then says what happened), or an essential `acr` (the
 * request fails rather than signs in with less).
 */
export type AssuranceRequest = 'none' | 'voluntary' | 'essential';

/** What is known about the browser or app signing in. */
type SignInSignals = {
  /** It signed in to this account before (a valid device token, http/device-cookie.ts). */
  readonly seenDevice: boolean;
  /** The customer asked it to be remembered after a second factor, and it still is. */
  readonly rememberedDevice: boolean;
  /** Its address is in a country the customer never signed in from (GEOIP_DATABASE; false without one). */
  readonly newCountry?: boolean | undefined;
};

type Demand =
  | { readonly kind: 'none' }
  /** Asks for one of `methods` (the enrolled ones). `mayDecline`: a voluntary request the customer may turn down. */
  | { readonly kind: 'verify'; readonly methods: readonly string[]; readonly mayDecline: boolean }
  /** The customer has no second factor and is asked to set up an authenticator app; `mayDecline` when not required. */
  | { readonly kind: 'enrol'; readonly mayDecline: boolean };

type DemandDeps = { readonly strategies: SecondFactorStrategies; readonly throttle: ThrottleStore; readonly now?: () => number };

/**
 * Whether this sign-in needs a second factor, and which. The application's request for the MFA
 * class always asks, even on a remembered device; the policy asks unless the device is remembered.
 * `identifier` is the account's sign-in identifier, to look for failed attempts (adaptive);
 * `unavailable` the methods this sign-in does not offer (passkeys, for an application that turned them off).
 */
export async function secondFactorDemand(deps: DemandDeps, tenant: Tenant, first: AuthenticationResult, input: { readonly policy: MfaPolicy; readonly requested: AssuranceRequest; readonly signals: SignInSignals; readonly identifier: string; readonly unavailable?: readonly string[] | undefined }): Promise<Demand> {
  if (first.acr === MFA_ACR) return { kind: 'none' };
  const found: string[] = [];
  for (const factor of Object.values(deps.strategies.secondFactors)) if (await factor.enrolled(tenant, first.identityId)) found.push(factor.method.id);
  // An emailed code is offered only to a customer with nothing stronger, and never after the inbox
  // signed them in (SECURITY.md 11); a passkey this application turned off still counts as stronger.
  const enrolled = offeredSecondFactors(found, first).filter((method) => !input.unavailable?.includes(method));
  const hasFactor = enrolled.length > 0;
  if (input.requested !== 'none') {
    const mayDecline = input.requested === 'voluntary' && input.policy !== 'required';
    return hasFactor ? { kind: 'verify', methods: enrolled, mayDecline } : { kind: 'enrol', mayDecline };
  }
  if (input.signals.rememberedDevice) return { kind: 'none' };
  switch (input.policy) {
    case 'off':
      return { kind: 'none' };
    case 'optional':
      return hasFactor ? { kind: 'verify', methods: enrolled, mayDecline: false } : { kind: 'none' };
    case 'required':
      return hasFactor ? { kind: 'verify', methods: enrolled, mayDecline: false } : { kind: 'enrol', mayDecline: false };
    case 'adaptive': {
      // Only a customer who set up a factor is asked. Asking one without to set it up on a risky
      // sign-in would let whoever holds a stolen password bind their own authenticator to the account
      // (ADR 25); the customer chose no second factor, and a tenant wanting one for all says required.
      if (!hasFactor) return { kind: 'none' };
      const risky = !input.signals.seenDevice || input.signals.newCountry === true || (await failedAttemptsSinceLastSignIn(deps, tenant.id, input.identifier));
      return risky ? { kind: 'verify', methods: enrolled, mayDecline: false } : { kind: 'none' };
    }
  }
}

/** Wrong passwords for this account since it last signed in from a new device (the account-wide throttle counter, which a success resets). */
async function failedAttemptsSinceLastSignIn(deps: DemandDeps, tenantId: string, identifier: string): Promise<boolean> {
  const { account } = signInThrottleKeys(tenantId, identifier, 'unknown');
  const counter = await deps.throttle.peek(account, (deps.now ?? Date.now)(), ACCOUNT_POLICY.windowMs);
  return counter.count > 0;
}

/** Where the step belongs: a browser interaction (`<uid>.second_factor`) or an api login flow (`<id>.second_factor`). */
type SecondFactorOwner = { readonly kind: 'browser'; readonly interactionUid: string } | { readonly kind: 'api'; readonly loginFlowId: string };

/** What the step's flow remembers between requests. */
type SecondFactorPayload = {
  readonly first: AuthenticationResult;
  readonly demand: Exclude<Demand, { kind: 'none' }>;
  /** Set once the step succeeded: the sign-in to complete. */
  readonly result?: AuthenticationResult | undefined;
};

function secondFactorFlowId(owner: SecondFactorOwner): string {
  return owner.kind === 'browser' ? `${owner.interactionUid}.second_factor` : `${owner.loginFlowId}.second_factor`;
}

/** Opens the step (replacing an older one of the same interaction or login flow). */
export async function startSecondFactor(flows: FlowStore, tenantId: string, owner: SecondFactorOwner, first: AuthenticationResult, demand: Exclude<Demand, { kind: 'none' }>): Promise<Flow> {
  const now = Date.now();
  const id = secondFactorFlowId(owner);
  await flows.delete(tenantId, id);
  const kind: FlowKind = owner.kind;
  const payload: SecondFactorPayload = { first, demand };
  const flow = { ...newFlow({ id, tenantId, type: 'second_factor', kind, interactionUid: owner.kind === 'browser' ? owner.interactionUid : null, payload, now }), identityId: first.identityId };
  await flows.create(flow);
  return flow;
}

export function payloadOf(flow: Flow): SecondFactorPayload {
  return flow.payload as unknown as SecondFactorPayload;
}

type StepRefusal = { readonly ok: false; readonly code: 'mfa.code_invalid' | 'mfa.method_unavailable' | 'mfa.enrolment_expired' | 'mfa.already_enrolled' | 'passkey.invalid' } | { readonly ok: false; readonly code: 'mfa.throttled'; readonly retryAfterSeconds: number };

/** A code for one of the demanded methods: right, the sign-in's result with both factors. */
export async function verifySecondFactor(deps: { readonly strategies: SecondFactorStrategies }, tenant: Tenant, flow: Flow, input: { readonly method: string; readonly code: string }, context: RequestContext): Promise<{ readonly ok: true; readonly result: AuthenticationResult } | StepRefusal> {
  const { first, demand } = payloadOf(flow);
  const factor = Object.values(deps.strategies.secondFactors).find((candidate) => candidate.method.id === input.method);
  if (!factor || demand.kind !== 'verify' || !demand.methods.includes(input.method)) return { ok: false, code: 'mfa.method_unavailable' };
  // A passkey's challenge is bound to this step (its flow, completed once); codes ignore it.
  return factor.verify(tenant, first, { code: input.code, binding: passkeyBindingOf(flow) }, context);
}

/**
 * The customer set up their app at sign-in (the enrolment and its first code): signed in with both
 * factors, and ten recovery codes made to show once. The flow moves to verified, holding the result
 * until the customer continues past the codes.
 */
export async function enrolAtSignIn(deps: { readonly strategies: SecondFactorStrategies; readonly flows: FlowStore }, tenant: Tenant, flow: Flow, input: { readonly enrolment: string; readonly code: string }, context: RequestContext): Promise<{ readonly ok: true; readonly recoveryCodes: readonly string[] } | StepRefusal> {
  const payload = payloadOf(flow);
  if (payload.demand.kind !== 'enrol') return { ok: false, code: 'mfa.method_unavailable' };
  const enrolled = await deps.strategies.enrolments.totp.complete(tenant, payload.first.identityId, input, context);
  if (!enrolled.ok) return enrolled;
  const recoveryCodes = await deps.strategies.generateRecoveryCodes(tenant.id, payload.first.identityId, context);
  const result = deps.strategies.enrolledResult(payload.first);
  const moved = await deps.flows.advance(tenant.id, flow.id, 'active', { state: 'verified', payload: { ...payload, result } }, Date.now());
  if (!moved) return { ok: false, code: 'mfa.enrolment_expired' };
  return { ok: true, recoveryCodes };
}

/** Completes the step once: the result to sign in with (both factors, or the first alone when declined). */
export async function completeSecondFactor(flows: FlowStore, tenantId: string, flow: Flow, result: AuthenticationResult): Promise<boolean> {
  if (flow.state === 'verified') return flows.advance(tenantId, flow.id, 'verified', { state: 'complete', payload: flow.payload, identityId: result.identityId }, Date.now());
  return flows.complete(tenantId, flow.id, result.identityId, Date.now());
}

/** What a passkey's challenge at this step is derived from: the step's flow, which completes once. */
export function passkeyBindingOf(flow: Flow): string {
  return `${flow.id}.${flow.csrfToken}`;
}

/** Whether the customer may turn the step down (and sign in with the first factor only). */
export function mayDecline(flow: Flow): boolean {
  return payloadOf(flow).demand.mayDecline;
}

