// The flows of an OpenID Connect interaction, as the hosted pages drive them: one flow per
// interaction and screen, whose id derives from the interaction (`<uid>.<type>`), so every view and
// node finds the same flow without an extra index. The sign-in flow is never stored before it is
// over (ADR 13): its CSRF token is derived, and it is stored once, complete.
//
//   stateDiagram-v2
//     [*] --> active: first view of a screen (registration, recovery, consent: stored)
//     [*] --> complete: sign-in, stored complete by its first successful submission (claimed once)
//     active --> complete: submitted successfully (completeOnce); a second submission is refused
//     verified --> complete: the emailed link, opened in this browser, continues the sign-in (continueVerified)
import { timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Flow, FlowState, FlowType } from '../flows/flow.ts';
import { derivedCsrfToken, newFlow } from '../flows/flow.ts';
import type { FlowStore } from '../flows/flow.port.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { AuthenticationResult } from '../credentials/authentication.ts';
import { authenticatedBy } from '../credentials/authentication.ts';
import { PASSWORD } from '../credentials/password/password-sign-in.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { StatsRecorder } from '../stats/stats-recorder.port.ts';
import type { SelfServiceDeps } from './code-steps.ts';
import { recordSignIn, deviceTokenAfterCode } from './sign-in.ts';

type BrowserFlowDeps = {
  readonly flows: FlowStore;
  /** flowCsrfKeyOf(master secret): the sign-in form's CSRF token is derived, not stored. */
  readonly csrfKey: KeyObject;
};

/** What a hosted form posts back: the flow's id and its CSRF token. */
type Submitted = { readonly flow?: string | undefined; readonly csrfToken?: string | undefined };

/**
 * The sign-in flow of an interaction. It holds nothing between requests but its CSRF token, which
 * is derived, so it is stored only once it is over: showing the sign-in page, the page every
 * customer sees, reads and writes no flow.
 */
export function signInFlowOf(csrfKey: KeyObject, tenantId: string, uid: string): Flow {
  const id = `${uid}.login`;
  return newFlow({ id, tenantId, type: 'login', kind: 'browser', interactionUid: uid, now: Date.now(), csrfToken: derivedCsrfToken(csrfKey, tenantId, id) });
}

/** The browser flow of this interaction and screen, created on first view. */
export async function browserFlow(flows: FlowStore, tenantId: string, uid: string, type: Exclude<FlowType, 'login'>, options: { fresh?: boolean } = {}): Promise<Flow> {
  return (await findOrCreate(flows, tenantId, uid, type, options)).flow;
}

/**
 * The sign-up screen of an interaction: its registration flow, created on first view. Its creation
 * is the sign-up form shown to this customer once, the first step of the funnel of `application`
 * (ADR 0022), however often the page is shown again.
 */
export async function signUpScreen(deps: { readonly flows: FlowStore; readonly stats?: StatsRecorder | undefined }, tenantId: string, uid: string, application: string): Promise<Flow> {
  const { flow, created } = await findOrCreate(deps.flows, tenantId, uid, 'registration');
  if (created) deps.stats?.count(tenantId, 'signup.viewed', { application });
  return flow;
}

async function findOrCreate(flows: FlowStore, tenantId: string, uid: string, type: Exclude<FlowType, 'login'>, options: { fresh?: boolean } = {}): Promise<{ flow: Flow; created: boolean }> {
  const id = `${uid}.${type}`;
  const now = Date.now();
  const existing = await flows.find(tenantId, id, now);
  // A finished recovery is started afresh when the customer asks again.
  if (existing && options.fresh && existing.state !== 'active') await flows.delete(tenantId, id);
  else if (existing) return { flow: existing, created: false };
  const flow = newFlow({ id, tenantId, type, kind: 'browser', interactionUid: uid, now });
  try {
    await flows.create(flow);
    return { flow, created: true };
  } catch (error) {
    // Two first views at once: the other one created it.
    const raced = await flows.find(tenantId, id, now);
    if (raced) return { flow: raced, created: false };
    throw error;
  }
}

/** The submitted flow, when it belongs to this interaction and the form echoes its CSRF token. */
export async function submittedFlow(deps: BrowserFlowDeps, tenantId: string, uid: string, submitted: Submitted, type: FlowType | undefined, states: readonly FlowState[] = ['active']): Promise<Flow | undefined> {
  const id = submitted.flow;
  if (!id || !type) return undefined;
  if (type === 'login') {
    const flow = signInFlowOf(deps.csrfKey, tenantId, uid);
    return id === flow.id && sameToken(flow.csrfToken, submitted.csrfToken ?? '') ? flow : undefined;
  }
  const flow = await deps.flows.find(tenantId, id, Date.now());
  if (!flow || flow.type !== type || flow.kind !== 'browser' || flow.interactionUid !== uid || !states.includes(flow.state)) return undefined;
  return sameToken(flow.csrfToken, submitted.csrfToken ?? '') ? flow : undefined;
}

/**
 * A flow completes once: false for a second submission of the same form (a double click, a replay),
 * which must not finish the interaction again.
 */
export async function completeOnce(flows: FlowStore, tenantId: string, flow: Flow, identityId: string): Promise<boolean> {
  // A sign-in flow is stored complete, once (its id is the interaction's). A stored active one
  // (made by an earlier version, which stored it on first view) completes as every other flow.
  if (flow.type === 'login') return (await flows.claim({ ...flow, state: 'complete', identityId })) || (await flows.complete(tenantId, flow.id, identityId, Date.now()));
  return flows.complete(tenantId, flow.id, identityId, Date.now());
}

/**
 * Back from an emailed link opened in the same browser (the link page checked the flow's binding
 * cookie): the verified registration or verification flow of this interaction signs in, once. As
 * after the code, it is the account's password sign-in completed by the inbox (signInByCode).
 */
export async function continueVerified(deps: SelfServiceDeps, tenant: Tenant, uid: string, heldDeviceTokens: string | undefined, context: RequestContext): Promise<{ readonly result: AuthenticationResult; readonly deviceToken: string | undefined } | undefined> {
  const now = Date.now();
  for (const type of ['registration', 'verification'] as const) {
    const flow = await deps.stores.flows.find(tenant.id, `${uid}.${type}`, now);
    if (flow?.state !== 'verified' || flow.payload['sameBrowser'] !== true || !flow.identityId) continue;
    if (!(await deps.stores.flows.advance(tenant.id, flow.id, 'verified', { state: 'complete', payload: flow.payload }, now))) continue;
    const result = authenticatedBy(PASSWORD, flow.identityId);
    await recordSignIn(deps, tenant.id, result, context, { completesSignUp: type === 'registration' });
    return { result, deviceToken: deviceTokenAfterCode(deps, tenant.id, flow.payload['address'], heldDeviceTokens) };
  }
  return undefined;
}

/**
 * Back from the recovery link opened in the browser whose sign-in asked for it (the reset marked its
 * flow `sameBrowser`): the sign-in it finished, for the second-factor step to judge, never a session
 * by itself. Once: the mark is spent here. The reset already recorded the sign-in.
 */
export async function continueRecovered(deps: SelfServiceDeps, tenant: Tenant, uid: string): Promise<AuthenticationResult | undefined> {
  const now = Date.now();
  const flow = await deps.stores.flows.find(tenant.id, `${uid}.recovery`, now);
  if (flow?.state !== 'complete' || flow.payload['sameBrowser'] !== true || !flow.identityId) return undefined;
  const { sameBrowser: _spent, ...payload } = flow.payload;
  if (!(await deps.stores.flows.advance(tenant.id, flow.id, 'complete', { state: 'complete', payload, identityId: flow.identityId }, now))) return undefined;
  return authenticatedBy(PASSWORD, flow.identityId);
}

/** Registration, verification and recovery flows of an interaction are `<uid>.<type>`. */
export function codeFlowTypeOf(id: string | undefined): FlowType | undefined {
  const type = id?.slice(id.lastIndexOf('.') + 1);
  return type === 'registration' || type === 'verification' || type === 'recovery' ? type : undefined;
}

function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
