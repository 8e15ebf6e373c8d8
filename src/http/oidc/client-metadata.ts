// Turns a Foyer application into the client metadata oidc-provider validates and enforces.
// The secret travels as its hash: `compareClientSecret` is replaced to verify against it.
import type { Application } from '../../domain/applications/application.ts';
import { verifyClientSecret } from '../../domain/applications/client-secret.ts';
import { ADMIN_SCOPES_METADATA } from '../admin/admin-resource.ts';

export function clientMetadataOf(application: Application, secretHash: string | null): Record<string, unknown> {
  const confidential = secretHash !== null;
  const grantTypes = [...application.grantTypes];
  const usesRedirects = grantTypes.includes('authorization_code');
  return {
    client_id: application.id,
    client_name: application.name,
    ...(confidential ? { client_secret: secretHash } : {}),
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    application_type: application.kind === 'native' ? 'native' : 'web',
    grant_types: grantTypes,
    response_types: usesRedirects ? ['code'] : [],
    redirect_uris: usesRedirects ? [...application.redirectUris] : [],
    post_logout_redirect_uris: [...application.postLogoutRedirectUris],
    ...(application.logoUri ? { logo_uri: application.logoUri } : {}),
    ...(application.backchannelLogoutUri
      ? { backchannel_logout_uri: application.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
    id_token_signed_response_alg: application.idTokenAlgorithm,
    foyer_first_party: application.firstParty,
    // Read by the hosted pages of its interactions (no application read per sign-in page).
    ...(application.passkeysDisabled ? { foyer_passkeys_disabled: true } : {}),
    foyer_id_token_claims: application.idTokenClaims,
    foyer_ttl: { ...application.tokenLifetimes },
    ...(application.adminAccess ? { [ADMIN_SCOPES_METADATA]: [...application.adminAccess.scopes] } : {}),
  };
}

export async function verifyHashedClientSecret(secretHash: string | undefined, presented: string): Promise<boolean> {
  return typeof secretHash === 'string' && typeof presented === 'string' && verifyClientSecret(secretHash, presented);
}
