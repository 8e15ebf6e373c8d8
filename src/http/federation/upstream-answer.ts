// How an upstream's answer is written to its federation flow, the same for OpenID Connect and SAML:
// once, verified (with the profile or `failed`), and for a native app's sign-in (kind api) with the
// hash of the return code its redirect to return_to carries. One write per request (ADR 0014): the
// code is bound in the same advance that spends the upstream checks.
import { createHash } from 'node:crypto';
import type { Flow } from '../../domain/flows/flow.ts';
import type { FlowStore } from '../../domain/flows/flow.port.ts';
import { randomToken } from '../../lib/ids.ts';

/** The flow back from the upstream, and for a native app's sign-in the code the redirect carries (only its hash is kept). */
export type UpstreamAnswer = { readonly flow: Flow; readonly returnCode: string | undefined };

export const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Advances the active federation flow to verified with `payload`. A native app's sign-in completes
 * only with its exchange token AND the code the redirect carries to the browser that went upstream:
 * someone who starts a sign-in and gets a victim to open its provider link (which a provider
 * remembering the victim approves without a prompt) holds the token but never sees the code, so
 * cannot take the victim's session. Undefined when another request advanced the flow first.
 */
export async function recordUpstreamAnswer(flows: FlowStore, flow: Flow, payload: Record<string, unknown>): Promise<UpstreamAnswer | undefined> {
  const returnCode = flow.kind === 'api' ? randomToken(32) : undefined;
  const kept = returnCode ? { ...payload, returnCodeHash: sha256(returnCode).toString('base64url') } : payload;
  if (!(await flows.advance(flow.tenantId, flow.id, 'active', { state: 'verified', payload: kept }, Date.now()))) return undefined;
  return { flow: { ...flow, state: 'verified', payload: kept }, returnCode };
}
