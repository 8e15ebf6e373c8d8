// Authentication context classes: what Foyer can actually assert, and what happens when an
// application makes one it cannot assert essential. The classes are those the registered sign-in
// strategies reach (domain/credentials/strategies.ts), so discovery's acr_values_supported never
// promises more than a sign-in can give.
import { errors, interactionPolicy } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { REACHABLE_ACR_VALUES } from '../../domain/credentials/strategies.ts';
import { MFA_ACR } from '../../domain/credentials/authentication.ts';
import type { AssuranceRequest } from '../../domain/self-service/second-factor.ts';

/**
 * An essential `acr` in the claims parameter (OIDC Core 5.5.1.1) that names no class Foyer can
 * reach fails the request with unmet_authentication_requirements (OpenID Connect Core Error Code
 * unmet_authentication_requirements) instead of signing the customer in with less. Foyer offers
 * no claims parameter otherwise (claims_parameter_supported: false): a voluntary acr, or the
 * `acr_values` parameter, gets the class the sign-in reached, which the application checks.
 * Runs as an `extraParams` validation, after the redirect URI is known, so the error goes back to
 * the application.
 */
export async function refuseUnmeetableEssentialAcr(_ctx: KoaContextWithOIDC, claims: unknown): Promise<void> {
  if (typeof claims !== 'string') return;
  let request: unknown;
  try {
    request = JSON.parse(claims);
  } catch {
    return; // an unsupported parameter that is not even JSON: ignored like any other
  }
  for (const target of ['id_token', 'userinfo']) {
    const acr = (request as Record<string, Record<string, unknown> | undefined> | null)?.[target]?.['acr'] as { essential?: unknown; value?: unknown; values?: unknown } | undefined;
    if (acr?.essential !== true) continue;
    const wanted = Array.isArray(acr.values) ? acr.values : acr.value === undefined ? [] : [acr.value];
    if (wanted.length > 0 && !wanted.some((value) => (REACHABLE_ACR_VALUES as readonly unknown[]).includes(value))) {
      throw new errors.UnmetAuthenticationRequirements(`none of the essential acr values can be met; this server reaches ${REACHABLE_ACR_VALUES.join(', ')}`);
    }
  }
}

/**
 * What an authorization request asks of the sign-in (ADR 0024): `essential` when its claims
 * parameter makes an `acr` naming the MFA class essential, `voluntary` when `acr_values` names it,
 * `none` otherwise. Both the step-up check below and the hosted second-factor step read it.
 */
export function assuranceRequestOf(params: Readonly<Record<string, unknown>>): AssuranceRequest {
  const claims = params['claims'];
  if (typeof claims === 'string') {
    try {
      const acr = (JSON.parse(claims) as { id_token?: { acr?: { essential?: unknown; value?: unknown; values?: unknown } } } | null)?.id_token?.acr;
      const wanted = Array.isArray(acr?.values) ? acr.values : acr?.value === undefined ? [] : [acr.value];
      if (acr?.essential === true && wanted.includes(MFA_ACR)) return 'essential';
    } catch {
      // not JSON: refused or ignored elsewhere
    }
  }
  const values = params['acr_values'];
  return typeof values === 'string' && values.split(' ').includes(MFA_ACR) ? 'voluntary' : 'none';
}

/** The login prompt's reason when a signed-in customer must step up to the MFA class. */
export const STEP_UP_REASON = 'foyer_step_up';

/**
 * A check of oidc-provider's login prompt: an application asking for the MFA class (acr_values, or
 * an essential acr) from a customer whose session has not reached it sends them to the
 * interaction, where the second-factor step asks for what is missing. Once the interaction gave a
 * result, the request goes on with whatever class it reached (a declined voluntary request is
 * answered with the lower class, which the ID token's acr says).
 */
export function stepUpCheck(): InstanceType<typeof interactionPolicy.Check> {
  return new interactionPolicy.Check(STEP_UP_REASON, 'a second factor is required', (ctx) => {
    const { oidc } = ctx;
    if (!oidc.session?.accountId || oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    if (assuranceRequestOf(oidc.params ?? {}) === 'none' || oidc.session.acr === MFA_ACR) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    return interactionPolicy.Check.REQUEST_PROMPT;
  });
}
