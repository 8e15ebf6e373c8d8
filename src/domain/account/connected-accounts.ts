// The customer's connected accounts (ADR 0032), as the account portal and the Account API both show
// them: each upstream account linked to this one, and removing one. The last way to sign in cannot
// be removed: a connected account goes only while a password, a passkey, another connection whose
// button still shows, or the tenant's emailed sign-in codes are left to sign in with.
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { ConnectionStore } from '../federation/connection.port.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { FEDERATED_CREDENTIAL } from '../credentials/federated/federated.ts';
import { emailSignInAllowed } from '../self-service/passwordless.ts';
import { DomainError } from '../errors.ts';
import type { Customer } from './account.ts';
import { recordChange } from './account.ts';

type ConnectedAccountStores = { readonly identities: IdentityStore; readonly connections: ConnectionStore; readonly audit: AuditStore; readonly outbox: OutboxStore };

type ConnectedAccountDeps = { readonly stores: Pick<ConnectedAccountStores, 'identities' | 'connections'>; readonly transaction: UnitOfWork<ConnectedAccountStores>; readonly now?: () => number };

export type ConnectedAccount = {
  readonly connection: string;
  /** The connection's button text (its id when the connection was deleted since). */
  readonly name: string;
  /** The address the upstream gave when it was linked, if any. */
  readonly email: string | null;
  readonly linkedAt: number;
  /** Removing it would leave another way to sign in. */
  readonly removable: boolean;
};

/** Credentials that sign a customer in by themselves (second factors do not). */
const SIGN_IN_CREDENTIALS = new Set(['password', 'webauthn', 'passkey']);

type Credentials = Awaited<ReturnType<IdentityStore['listCredentials']>>;

/** How many ways to sign in the credentials give, but `except` (a credential id). */
async function otherWaysToSignIn(stores: Pick<ConnectedAccountStores, 'connections'>, customer: Customer, credentials: Credentials, hasEmail: boolean, except: string): Promise<number> {
  const usable = new Set((await stores.connections.list(customer.tenantId)).filter((connection) => connection.enabled).map((connection) => connection.id));
  const emailCodes = hasEmail && emailSignInAllowed(customer.tenant) ? 1 : 0;
  return emailCodes + credentials.filter((credential) => credential.id !== except && (SIGN_IN_CREDENTIALS.has(credential.type) || (credential.type === FEDERATED_CREDENTIAL && usable.has(String(credential.config['connection']))))).length;
}

export async function connectedAccounts(deps: Pick<ConnectedAccountDeps, 'stores'>, customer: Customer): Promise<ConnectedAccount[]> {
  const [credentials, connections, identity] = await Promise.all([
    deps.stores.identities.listCredentials(customer.tenantId, customer.identityId),
    deps.stores.connections.list(customer.tenantId),
    deps.stores.identities.findById(customer.tenantId, customer.identityId),
  ]);
  const names = new Map(connections.map((connection) => [connection.id, connection.displayName]));
  const hasEmail = (identity?.addresses ?? []).some((address) => address.kind === 'email' && address.verifiedAt !== null);
  const linked = credentials.filter((credential) => credential.type === FEDERATED_CREDENTIAL);
  return Promise.all(
    linked.map(async (credential) => {
      const connection = String(credential.config['connection']);
      return {
        connection,
        name: names.get(connection) ?? connection,
        email: typeof credential.config['email'] === 'string' ? credential.config['email'] : null,
        linkedAt: credential.createdAt,
        removable: (await otherWaysToSignIn(deps.stores, customer, credentials, hasEmail, credential.id)) > 0,
      };
    }),
  );
}

/** Removes the link to `connection`; refused (409 `federation.last_method`) when it is the last way to sign in. */
export async function removeConnectedAccount(deps: ConnectedAccountDeps, customer: Customer, connection: string): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    // Two removals at once must not leave the account with no way in: the row lock orders them.
    await stores.identities.lock(customer.tenantId, customer.identityId);
    const credentials = await stores.identities.listCredentials(customer.tenantId, customer.identityId);
    const credential = credentials.find((candidate) => candidate.type === FEDERATED_CREDENTIAL && candidate.config['connection'] === connection);
    if (!credential) throw new DomainError('connection.not_found', 'not_found', `No account of "${connection}" is connected.`, { id: connection });
    const identity = await stores.identities.findById(customer.tenantId, customer.identityId);
    const hasEmail = (identity?.addresses ?? []).some((address) => address.kind === 'email' && address.verifiedAt !== null);
    if ((await otherWaysToSignIn(stores, customer, credentials, hasEmail, credential.id)) === 0) {
      throw new DomainError('federation.last_method', 'conflict', 'This is the only way to sign in to the account: set a password or connect another account first.');
    }
    await stores.identities.removeCredential(customer.tenantId, customer.identityId, credential.id);
    await recordChange(stores, customer, now, { action: 'identity.connection_unlinked', details: { connection }, event: { type: 'identity.connection_unlinked', payload: { connection } } });
  });
}
