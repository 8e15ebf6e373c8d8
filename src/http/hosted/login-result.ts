// What oidc-provider is told when a hosted page signs the customer in: the account, and how it
// signed in, taken from the domain's AuthenticationResult only (ADR 0019), so the ID token's `amr`
// and `acr` say what the strategy that completed the sign-in reached.
import type { InteractionResults } from 'oidc-provider';
import type { AuthenticationResult } from '../../domain/credentials/authentication.ts';

export function loginResultOf(result: AuthenticationResult): InteractionResults {
  return { login: { accountId: result.identityId, amr: [...result.amr], acr: result.acr, remember: true } };
}
