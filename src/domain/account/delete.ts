// Deleting the account, by the customer: the identity is erased with everything that cascades
// from it (addresses, credentials, app sessions, consents) and everything the protocol issued
// (browser sessions, grants, codes, tokens), through the same use case operators use. The audit
// entry and the `identity.deleted` event keep the id only: no address, and not even the request's
// address or user agent, which would be personal data about someone who asked to be forgotten.
import { deleteIdentity } from '../identity/identities.service.ts';
import type { AccountDeps, Customer } from './account.ts';
import { getProfile } from './profile.ts';

export async function deleteAccount(deps: AccountDeps, customer: Customer): Promise<{ revokedArtifacts: number }> {
  await getProfile(deps, customer);
  const actor = { type: 'customer' as const, id: customer.identityId, context: { requestId: customer.context.requestId } };
  return deleteIdentity({ transaction: (work) => deps.transaction((stores) => work(stores)), now: deps.now }, customer.tenantId, customer.identityId, actor);
}
