// Consent purposes at sign-in (issue 15, docs/consent.md): a check of oidc-provider's login prompt
// that sends a signed-in customer to the interaction when the tenant has a required purpose they
// have no grant of at its current version (its version went up, or it was added after they signed
// up). The hosted pages then ask for it (hosted/purposes.step.ts) before the application is
// reached, whether the customer just signed in or comes back through single sign-on. One indexed
// statement per authorization request that has a session (ADR 0024). The account portal is
// exempt: a customer who will not accept new terms can still download their data or delete the
// account there. prompt=none answers interaction_required.
import { interactionPolicy } from 'oidc-provider';
import type { ConsentLedgerStore } from '../../domain/privacy/purpose.port.ts';
import { purposesToRenew } from '../../domain/privacy/collection.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';

/** The login prompt's reason when required purposes must be accepted again. */
export const RENEW_PURPOSES_REASON = 'foyer_purposes';

export function purposesCheck(deps: { readonly consentLedger: ConsentLedgerStore }, tenantId: string): InstanceType<typeof interactionPolicy.Check> {
  return new interactionPolicy.Check(RENEW_PURPOSES_REASON, 'consent purposes must be accepted again', 'interaction_required', async (ctx) => {
    const { oidc } = ctx;
    const accountId = oidc.session?.accountId;
    if (!accountId || oidc.client?.clientId === ACCOUNT_CLIENT_ID) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    return (await purposesToRenew(deps, tenantId, accountId)).length > 0;
  });
}
