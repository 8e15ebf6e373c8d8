// Authentication context classes: what Foyer can actually assert, and what happens when an
// application makes one it cannot assert essential. The classes are those the registered sign-in
// strategies reach (domain/credentials/strategies.ts), so discovery's acr_values_supported never
// promises more than a sign-in can give.
import { errors } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { REACHABLE_ACR_VALUES } from '../../domain/credentials/strategies.ts';

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
