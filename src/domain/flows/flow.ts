// A flow is one attempt at a self-service task (sign-in, sign-up, …), persisted so that any node can
// continue it: hosted pages render a browser flow; a native app drives an api flow as JSON.
//
//   stateDiagram-v2
//     [*] --> active: created (browser: for an OIDC interaction; api: by POST /flows/{type})
//     active --> active: submitted with errors (shown on the form / returned as problems)
//     active --> complete: submitted successfully (browser: interaction finished; api: session issued)
//     active --> [*]: expired (FLOW_LIFETIME_MS)
import { randomToken } from '../../lib/ids.ts';

export type FlowType = 'login' | 'registration' | 'consent';
export type FlowKind = 'browser' | 'api';
export type FlowState = 'active' | 'complete';

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
  readonly expiresAt: number;
  readonly createdAt: number;
};

export const FLOW_LIFETIME_MS = 30 * 60_000;

export function newFlow(input: { id: string; tenantId: string; type: FlowType; kind: FlowKind; interactionUid?: string; now: number }): Flow {
  return {
    id: input.id,
    tenantId: input.tenantId,
    type: input.type,
    kind: input.kind,
    state: 'active',
    csrfToken: randomToken(24),
    interactionUid: input.interactionUid ?? null,
    identityId: null,
    expiresAt: input.now + FLOW_LIFETIME_MS,
    createdAt: input.now,
  };
}
