// The two halves of a sign-in at an upstream provider, shared by the hosted pages and the JSON
// flows API: `begin` stores a `federation` flow named by the request's state (`fed.<state>`) with
// the nonce and PKCE verifier, and answers where to send the customer; `callback` finds that flow
// by the state the upstream echoes, lets the upstream client check and exchange the response, and
// keeps the upstream profile on the flow (verified) for the surface that resumes the sign-in. The
// flow lives thirty minutes and completes once.
//
//   stateDiagram-v2
//     [*] --> active: begin (the customer is sent upstream)
//     active --> verified: callback, the response passed every check (payload.profile) or failed (payload.failed)
//     verified --> complete: the surface signed the customer in, or linked the account they proved
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from '../../domain/federation/connection.ts';
import type { ConnectionStore } from '../../domain/federation/connection.port.ts';
import { clientSecretOf } from '../../domain/federation/connections.service.ts';
import { showsFor } from '../../domain/federation/connection.ts';
import type { Flow } from '../../domain/flows/flow.ts';
import { newFlow } from '../../domain/flows/flow.ts';
import type { FlowStore } from '../../domain/flows/flow.port.ts';
import type { SecretBox } from '../../domain/keys/secret-box.port.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import type { UpstreamProfile } from '../../domain/credentials/federated/federated.ts';
import type { UpstreamCallback, UpstreamClient } from '../../infra/federation/upstream-client.ts';
import { upstreamTokensContext } from '../../domain/federation/connection.ts';
import { beginSamlSignIn } from './saml-sign-in.ts';
import { recordUpstreamAnswer } from './upstream-answer.ts';
import type { UpstreamAnswer } from './upstream-answer.ts';

/** Who the upstream sign-in is for: a hosted interaction, or a native app's api login flow. */
type FederationOwner =
  | { readonly kind: 'browser'; readonly interactionUid: string }
  /**
   * A signed-in customer connecting an account (from the portal, or an app through the Account
   * API): only they, signed in to the portal in that browser, may complete it; then the browser
   * goes back to `returnTo` (an app's registered redirect URI) or to the portal.
   */
  | { readonly kind: 'portal'; readonly identityId: string; readonly returnTo?: string | undefined }
  | { readonly kind: 'api'; readonly apiFlowId: string; readonly returnTo: string; readonly exchangeHash: string };

export type FederationDeps = {
  readonly flows: FlowStore;
  readonly connections: ConnectionStore;
  readonly secretBox: SecretBox;
  readonly upstream: UpstreamClient;
  readonly publicUrl: string;
  readonly logger?: FastifyBaseLogger | undefined;
};

const CACHE_MS = 10_000;

/** The upstream's callback for a tenant (its issuer): what the operator registers at the provider. */
export function redirectUriOf(issuer: string): string {
  return `${issuer}/federation/callback`;
}

/** Each tenant's connections, read at most every ten seconds per node (the sign-in page reads them on every view). */
export function createConnectionDirectory(connections: ConnectionStore) {
  const cache = new Map<string, { readonly at: number; readonly list: Promise<Connection[]> }>();
  function list(tenantId: string): Promise<Connection[]> {
    const hit = cache.get(tenantId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.list;
    const fresh = connections.list(tenantId);
    cache.set(tenantId, { at: Date.now(), list: fresh });
    fresh.catch(() => cache.delete(tenantId));
    return fresh;
  }
  return {
    list,
    /** The connections whose buttons this application shows, in the tenant's order. */
    async buttonsFor(tenantId: string, applicationId: string): Promise<Connection[]> {
      return (await list(tenantId)).filter((connection) => showsFor(connection, applicationId));
    },
    /** Home-realm discovery: the connection (shown for this application) that owns the email's domain, if any. */
    async homeRealmOf(tenantId: string, applicationId: string, email: string): Promise<Connection | undefined> {
      const at = email.lastIndexOf('@');
      if (at < 1) return undefined;
      const domain = email.slice(at + 1).trim().toLowerCase();
      return (await list(tenantId)).find((connection) => showsFor(connection, applicationId) && connection.domains.includes(domain));
    },
    forget(tenantId: string): void {
      cache.delete(tenantId);
    },
  };
}

export type ConnectionDirectory = ReturnType<typeof createConnectionDirectory>;

export function federationFlowId(state: string): string {
  return `fed.${state}`;
}

/** Starts the upstream sign-in: the flow stored, and the upstream's authorization URL (a SAML IdP's, with the AuthnRequest). */
export async function beginUpstreamSignIn(deps: FederationDeps, tenant: Tenant, connection: Connection, owner: FederationOwner, extra: Record<string, string> = {}): Promise<{ readonly url: URL; readonly flow: Flow }> {
  const flowOf = (state: string, checks: Record<string, unknown>) => newFlow({
    id: federationFlowId(state),
    tenantId: tenant.id,
    type: 'federation',
    kind: owner.kind === 'api' ? 'api' : 'browser',
    interactionUid: owner.kind === 'browser' ? owner.interactionUid : null,
    payload: {
      connection: connection.id, state, ...checks,
      ...(owner.kind === 'api' ? { apiFlow: owner.apiFlowId, returnTo: owner.returnTo, exchangeHash: owner.exchangeHash } : {}),
      ...(owner.kind === 'portal' ? { portalIdentity: owner.identityId, ...(owner.returnTo ? { portalReturnTo: owner.returnTo } : {}) } : {}),
    },
    now: Date.now(),
  });
  if (connection.kind === 'saml') return beginSamlSignIn(deps, tenant, connection, flowOf, extra);
  const secret = await clientSecretOf({ connections: deps.connections, secretBox: deps.secretBox }, connection);
  const checks = deps.upstream.newChecks();
  const redirectUri = redirectUriOf(issuerOf(deps.publicUrl, tenant));
  const url = await deps.upstream.authorizationUrl(connection, secret, redirectUri, checks, extra);
  const flow = flowOf(checks.state, { nonce: checks.nonce, codeVerifier: checks.codeVerifier });
  await deps.flows.create(flow);
  return { url, flow };
}

/**
 * The upstream's answer (the callback URL as received). Undefined when no flow has this state (an
 * expired, used or forged answer); otherwise the flow, now verified with the profile, or with
 * `failed` when the answer or the exchange failed a check (and a native app's return code).
 */
export async function receiveUpstreamAnswer(deps: FederationDeps, tenant: Tenant, callback: UpstreamCallback): Promise<UpstreamAnswer | undefined> {
  const state = callback.url.searchParams.get('state');
  if (!state) return undefined;
  const flow = await deps.flows.find(tenant.id, federationFlowId(state), Date.now());
  if (!flow || flow.type !== 'federation' || flow.state !== 'active' || typeof flow.payload['codeVerifier'] !== 'string') return undefined;
  const connection = await deps.connections.find(tenant.id, String(flow.payload['connection']));
  let payload: Record<string, unknown>;
  try {
    if (!connection || !connection.enabled) throw new Error('the connection is gone or disabled');
    const secret = await clientSecretOf({ connections: deps.connections, secretBox: deps.secretBox }, connection);
    const checks = { state, nonce: String(flow.payload['nonce']), codeVerifier: String(flow.payload['codeVerifier']) };
    const answer = await deps.upstream.profile(connection, secret, callback, checks);
    // Kept tokens travel sealed, bound to the upstream account: the flow row never holds them in clear.
    const sealedTokens = connection.storeTokens ? deps.secretBox.seal(JSON.stringify(answer.tokens), upstreamTokensContext(tenant.id, connection.id, answer.profile.subject)) : undefined;
    const profile: UpstreamProfile = { ...answer.profile, ...(sealedTokens ? { sealedTokens } : {}) };
    payload = { ...flow.payload, profile };
  } catch (error) {
    deps.logger?.warn({ connection: flow.payload['connection'], reason: (error as Error).message }, 'upstream sign-in refused');
    payload = { ...flow.payload, failed: true };
  }
  // The verifier and nonce are spent either way.
  const { codeVerifier: _verifier, nonce: _nonce, ...kept } = payload;
  return recordUpstreamAnswer(deps.flows, flow, kept);
}

/** The upstream profile a verified federation flow holds, with its connection; undefined when it failed or is not this one's. */
export async function answeredProfile(deps: Pick<FederationDeps, 'connections'>, tenant: Tenant, flow: Flow): Promise<{ readonly connection: Connection; readonly profile: UpstreamProfile } | undefined> {
  if (flow.type !== 'federation' || flow.state !== 'verified' || flow.payload['failed'] === true) return undefined;
  const connection = await deps.connections.find(tenant.id, String(flow.payload['connection']));
  const profile = flow.payload['profile'] as UpstreamProfile | undefined;
  return connection && profile ? { connection, profile } : undefined;
}
