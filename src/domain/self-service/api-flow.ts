// The flows a native app drives as JSON (DESIGN.md "flows"): created by POST /flows/{type}, found
// by id, and completed by issuing a Foyer session. No cookies are involved, so there is no CSRF
// token to check; an api flow is found only by its id, and only as an api flow.
//
//   stateDiagram-v2
//     [*] --> active: created (startApiFlow)
//     active --> active: a step failed, or a code was sent (the flow's own use case)
//     active --> verified: recovery only, the code was right
//     active --> complete: signed in (completeApiFlow: a session is issued, once)
//     verified --> complete: recovery only, the new password was set (signed in)
//     active --> complete: signed in, with required purposes to accept again: a `purposes` flow
//                          (startPurposesStep) holds the sign-in until they are, then issues the session
import type { Flow, FlowState, FlowType } from '../flows/flow.ts';
import { newFlow } from '../flows/flow.ts';
import type { FlowStore } from '../flows/flow.port.ts';
import type { SessionStore } from '../sessions/session.port.ts';
import type { Session } from '../sessions/session.ts';
import { hashSessionToken, newSession } from '../sessions/session.ts';
import type { AuthenticationResult } from '../credentials/authentication.ts';
import { DomainError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { StatsRecorder } from '../stats/stats-recorder.port.ts';

/**
 * A new api flow. A registration flow is the sign-up form an app is about to show: the first step
 * of the sign-up funnel (ADR 0022), counted without an application. `payload`: what the app asked
 * for at the start (the application it signs in to, the class it asks for), which later steps read.
 */
export async function startApiFlow(deps: { readonly flows: FlowStore; readonly stats?: StatsRecorder | undefined }, tenantId: string, type: FlowType, payload: Record<string, unknown> = {}): Promise<Flow> {
  const now = Date.now();
  const flow = newFlow({ id: uuidv7(now), tenantId, type, kind: 'api', payload, now });
  await deps.flows.create(flow);
  if (type === 'registration') deps.stats?.count(tenantId, 'signup.viewed', { application: '' });
  return flow;
}

/**
 * The api flow `id` of this tenant (of `type`, when given) at one of `states`; a complete one too
 * with `allowComplete` (reading a flow). Anything else is a problem the app can act on.
 */
export async function activeApiFlow(flows: FlowStore, tenantId: string, id: string, type: FlowType | undefined, options: { allowComplete: boolean; states?: readonly FlowState[] } = { allowComplete: false }): Promise<Flow> {
  const flow = await flows.find(tenantId, id, Date.now());
  if (!flow || flow.kind !== 'api' || (type && flow.type !== type)) {
    throw new DomainError('flow.not_found', 'not_found', 'This flow does not exist or has expired; start a new one.');
  }
  if (!options.allowComplete && !(options.states ?? ['active']).includes(flow.state)) {
    throw new DomainError(flow.state === 'complete' ? 'flow.already_complete' : 'flow.wrong_step', 'conflict', flow.state === 'complete' ? 'This flow is complete; start a new one.' : 'This flow is at another step: read it with GET /flows/{id} to see what to send.');
  }
  return flow;
}

/** The open verification of an api login flow (`<id>.verification`, see signInVerifyingFirst), if it has one. */
export async function signInVerificationOf(flows: FlowStore, tenantId: string, flow: Flow): Promise<Flow | undefined> {
  const verification = await flows.find(tenantId, `${flow.id}.verification`, Date.now());
  return verification?.type === 'verification' && verification.kind === 'api' && verification.state === 'active' ? verification : undefined;
}

/**
 * The sign-in of `flow` is right, but the customer has required consent purposes to accept again:
 * the flow completes (once), and a `purposes` flow of its own (a fresh id) holds the sign-in's
 * result until the purposes are accepted, when completeApiFlow issues the session.
 */
export async function startPurposesStep(flows: FlowStore, flow: Flow, result: AuthenticationResult, options: { alreadyComplete: boolean }): Promise<Flow> {
  const now = Date.now();
  if (!options.alreadyComplete && !(await flows.complete(flow.tenantId, flow.id, result.identityId, now))) {
    throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
  }
  const step = { ...newFlow({ id: uuidv7(now), tenantId: flow.tenantId, type: 'purposes', kind: 'api', payload: { result, after: flow.id }, now }), identityId: result.identityId };
  await flows.create(step);
  return step;
}

/**
 * Signs the customer in at the end of an api flow: completes the flow, once (unless its own step
 * already moved it to complete: `alreadyComplete`), and issues a session whose methods are the
 * result's `amr`. The token is returned once; only its hash is stored.
 */
export async function completeApiFlow(
  deps: { readonly flows: FlowStore; readonly sessions: SessionStore },
  flow: Flow,
  result: AuthenticationResult,
  device: Session['device'],
  options: { alreadyComplete: boolean },
): Promise<{ readonly flow: Flow; readonly session: Session; readonly token: string }> {
  const now = Date.now();
  if (!options.alreadyComplete && !(await deps.flows.complete(flow.tenantId, flow.id, result.identityId, now))) {
    throw new DomainError('flow.already_complete', 'conflict', 'This flow is complete; start a new one.');
  }
  const { session, token } = newSession({ tenantId: flow.tenantId, identityId: result.identityId, methods: result.amr, acr: result.acr, device, now });
  await deps.sessions.create(session, hashSessionToken(token));
  return { flow: { ...flow, state: 'complete', identityId: result.identityId }, session, token };
}
