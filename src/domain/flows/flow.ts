// A flow is one attempt at a self-service task (sign-in, sign-up, …), persisted so that any node can
// continue it: hosted pages render a browser flow; a native app drives an api flow as JSON.
//
//   stateDiagram-v2
//     [*] --> active: created (browser: for an OIDC interaction; api: by POST /flows/{type})
//     active --> active: submitted with errors (shown on the form / returned as problems)
//     active --> active: a one-time code was sent or resent (registration, verification, recovery)
//     active --> verified: recovery only, the code or link was right; a new password comes next
//     active --> complete: submitted successfully (browser: interaction finished; api: session issued)
//     verified --> complete: recovery only, the new password was set
//     active --> [*]: expired (FLOW_LIFETIME_MS)
import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { randomToken } from '../../lib/ids.ts';

/** `purposes`: a signed-in customer accepting required consent purposes whose version went up (domain/privacy/collection.ts). `federation`: a sign-in at an upstream provider (http/federation/upstream-sign-in.ts). */
export type FlowType = 'login' | 'registration' | 'consent' | 'verification' | 'recovery' | 'second_factor' | 'email_sign_in' | 'sms_sign_in' | 'purposes' | 'federation' | 'passkey_offer';
export type FlowKind = 'browser' | 'api';
export type FlowState = 'active' | 'verified' | 'complete';

export type Flow = {
  readonly id: string;
  readonly tenantId: string;
  readonly type: FlowType;
  readonly kind: FlowKind;
  readonly state: FlowState;
  /** Browser flows only: the form must echo it (api flows carry no cookies to protect). */
  readonly csrfToken: string;
  readonly interactionUid: string | null;
  readonly identityId: string | null;
  /** What the flow's steps remember between requests (e.g. the one-time code's hash). */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly expiresAt: number;
  readonly createdAt: number;
};

export const FLOW_LIFETIME_MS = 30 * 60_000;

export function newFlow(input: { id: string; tenantId: string; type: FlowType; kind: FlowKind; interactionUid?: string | null; payload?: Record<string, unknown>; now: number; csrfToken?: string }): Flow {
  return {
    id: input.id,
    tenantId: input.tenantId,
    type: input.type,
    kind: input.kind,
    state: 'active',
    csrfToken: input.csrfToken ?? randomToken(24),
    interactionUid: input.interactionUid ?? null,
    identityId: null,
    payload: input.payload ?? {},
    expiresAt: input.now + FLOW_LIFETIME_MS,
    createdAt: input.now,
  };
}

/** The key of derived CSRF tokens (derivedCsrfToken), from the master secret. */
export function flowCsrfKeyOf(masterSecret: string): KeyObject {
  // A KeyObject: an HMAC under a Buffer key imports the key anew on every call, several times the
  // cost of the HMAC itself.
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-flow-csrf', 'flow-csrf', 32)));
}

/**
 * The CSRF token of a flow that is not stored until it is over (a hosted sign-in): an HMAC of its
 * id, so every node derives the same token without a read. As unguessable as a random one (192
 * bits) and bound to the flow as a stored one is; the flow's id binds it to its interaction, whose
 * cookie the browser must present too.
 */
export function derivedCsrfToken(key: KeyObject, tenantId: string, flowId: string): string {
  return createHmac('sha256', key).update(`${tenantId}\0${flowId}`).digest().subarray(0, 24).toString('base64url');
}
