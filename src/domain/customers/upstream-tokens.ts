// The upstream tokens kept for a customer's connected account (issue 16, ADR 0032): a tenant's own
// back end reads them to call the provider's API as the customer (GitHub repositories, a Google
// calendar). They are kept only when the connection asks (`store_tokens`), sealed by the secret
// box bound to the tenant, connection and upstream account, replaced at every sign-in through it,
// and gone with the link. Each read is audited with who read them; they never enter an event.
import { DomainError } from '../errors.ts';
import type { Stores } from '../unit-of-work.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { SecretBox } from '../keys/secret-box.port.ts';
import { getIdentity } from '../identity/identities.service.ts';
import { FEDERATED_CREDENTIAL } from '../credentials/federated/federated.ts';
import { upstreamTokensContext } from '../federation/connection.ts';
import { uuidv7 } from '../../lib/ids.ts';

type UpstreamTokensView = {
  readonly connection: string;
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  readonly scope: string | null;
  /** Epoch milliseconds, as the provider said at the sign-in; null when it did not say. */
  readonly expiresAt: number | null;
  /** When the customer last signed in through it (the tokens' age). */
  readonly obtainedAt: number;
};

type Deps = { readonly stores: Pick<Stores, 'identities' | 'audit'>; readonly secretBox: SecretBox; readonly now?: () => number };

export async function readUpstreamTokens(deps: Deps, tenantId: string, identityId: string, connectionId: string, actor: Actor): Promise<UpstreamTokensView> {
  await getIdentity(deps.stores, tenantId, identityId);
  const credentials = await deps.stores.identities.listCredentials(tenantId, identityId);
  const link = credentials.find((credential) => credential.type === FEDERATED_CREDENTIAL && credential.config['connection'] === connectionId);
  const sealed = link?.config['upstreamTokens'];
  if (!link || typeof sealed !== 'string') {
    throw new DomainError('federation.tokens_not_kept', 'not_found', `No upstream tokens are kept for this customer's "${connectionId}" account (not connected, or the connection does not keep tokens).`, { id: connectionId });
  }
  const tokens = JSON.parse(deps.secretBox.open(sealed, upstreamTokensContext(tenantId, connectionId, String(link.config['subject'])))) as Record<string, unknown>;
  const now = (deps.now ?? Date.now)();
  await deps.stores.audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action: 'customer.upstream_tokens_read', outcome: 'success', actor: { type: actor.type, id: actor.id }, target: { type: 'identity', id: identityId }, context: actor.context, details: { connection: connectionId } });
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  return {
    connection: connectionId,
    accessToken: String(tokens['access_token']),
    tokenType: String(tokens['token_type'] ?? 'bearer'),
    refreshToken: text(tokens['refresh_token']),
    idToken: text(tokens['id_token']),
    scope: text(tokens['scope']),
    expiresAt: typeof tokens['expires_at'] === 'number' ? tokens['expires_at'] : null,
    obtainedAt: Number(link.config['tokensAt'] ?? link.config['linkedAt'] ?? 0),
  };
}
