// Deleting the account, by the customer: the identity is erased with everything that cascades
// from it (addresses, credentials, app sessions, consents) and everything the protocol issued
// (browser sessions, grants, codes, tokens), through the same use case operators use. The audit
// entry and the `identity.deleted` event keep the id only: no address, and not even the request's
// address or user agent, which would be personal data about someone who asked to be forgotten.
import { deleteIdentity } from '../identity/identities.service.ts';
import type { AccountDeps, AccountStores, Customer } from './account.ts';
import { getProfile } from './profile.ts';
import { queueMail } from '../mail/mail.ts';

/** Erases the account; a last message goes to its email address, queued in the same transaction. */
export async function deleteAccount(deps: AccountDeps, customer: Customer): Promise<{ revokedArtifacts: number }> {
  const identity = await getProfile(deps, customer);
  const email = typeof identity.traits['email'] === 'string' ? identity.traits['email'] : undefined;
  const actor = { type: 'customer' as const, id: customer.identityId, context: { requestId: customer.context.requestId } };
  const now = (deps.now ?? Date.now)();
  const transaction = <T>(work: (stores: AccountStores) => Promise<T>) =>
    deps.transaction(async (stores) => {
      const erased = await work(stores);
      // Queued after the erasure (which forgets earlier mail), in its transaction: sent exactly when the account is gone.
      if (email) await queueMail(stores.mail, customer.tenant, { tenantId: customer.tenantId, to: email, kind: 'account_deleted', locale: customer.locale, params: {} }, now);
      return erased;
    });
  // Every browser session ends with the account: deleteIdentity records them for back-channel logout.
  return deleteIdentity({ transaction, now: () => now }, customer.tenantId, customer.identityId, actor);
}
