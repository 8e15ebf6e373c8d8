// Applications the customer has allowed into their account (SECURITY.md 25): the consents they
// gave, reviewable and revocable. Revoking deletes the consent and ends that application's grants
// and tokens for this customer, so its refresh token stops working at once.
import { browserSessionsOf, recordEndedSessions } from '../oauth/logout.ts';
import { DomainError } from '../errors.ts';
import type { AccountDeps, AccountStores, Customer } from './account.ts';
import { recordChange } from './account.ts';

export type ConnectedApplication = {
  readonly clientId: string;
  readonly name: string;
  readonly logoUri: string | undefined;
  readonly scopes: readonly string[];
  readonly resourceScopes: Readonly<Record<string, readonly string[]>>;
  readonly grantedAt: number;
  readonly updatedAt: number;
};

export async function listApplications(deps: Pick<AccountDeps, 'stores'>, customer: Customer): Promise<ConnectedApplication[]> {
  return connectedApplications(deps.stores, customer.tenantId, customer.identityId);
}

/** The applications a customer allowed in, most recently changed first (their account, or an operator, reads it). */
export async function connectedApplications(stores: Pick<AccountStores, 'consents' | 'applications'>, tenantId: string, identityId: string): Promise<ConnectedApplication[]> {
  const consents = await stores.consents.listForIdentity(tenantId, identityId);
  return Promise.all(
    consents.map(async (consent) => {
      const application = await stores.applications.findById(tenantId, consent.applicationId);
      return {
        clientId: consent.applicationId,
        name: application?.name ?? consent.applicationId,
        logoUri: application?.logoUri ?? undefined,
        scopes: consent.scopes,
        resourceScopes: consent.resourceScopes,
        grantedAt: consent.grantedAt,
        updatedAt: consent.updatedAt,
      };
    }),
  );
}

export async function revokeApplication(deps: AccountDeps, customer: Customer, clientId: string): Promise<{ revokedGrants: number }> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const { tenantId, identityId } = customer;
    const revokedGrants = await disconnectApplication(stores, tenantId, identityId, clientId, now);
    await recordChange(stores, customer, now, {
      action: 'consent.revoked',
      details: { applicationId: clientId, revokedGrants },
      event: { type: 'consent.revoked', payload: { applicationId: clientId } },
    });
    // The browser sessions stay, but the application's sign-in through each of them ends with its grant.
    await recordEndedSessions(stores.outbox, tenantId, identityId, await browserSessionsOf(stores.oidcArtifacts, tenantId, identityId, now, clientId), now);
    return { revokedGrants };
  });
}

/**
 * Inside the caller's transaction: deletes the consent and ends the application's grants and
 * tokens for this customer; says how many grants ended. DomainError `application.not_connected`
 * when the application had neither. The caller audits, then records the ended sign-ins
 * (browserSessionsOf for this client) for back-channel logout.
 */
export async function disconnectApplication(stores: Pick<AccountStores, 'consents' | 'oidcArtifacts'>, tenantId: string, identityId: string, clientId: string, now: number): Promise<number> {
  const removed = await stores.consents.delete(tenantId, identityId, clientId);
  const grants = (await stores.oidcArtifacts.listByAccountId(tenantId, 'Grant', identityId, now)).filter((grant) => grant.payload['clientId'] === clientId);
  if (!removed && grants.length === 0) throw new DomainError('application.not_connected', 'not_found', 'This application has no access to the account.');
  for (const grant of grants) {
    await stores.oidcArtifacts.revokeByGrantId(tenantId, grant.id);
    await stores.oidcArtifacts.destroy(tenantId, 'Grant', grant.id);
  }
  return grants.length;
}
