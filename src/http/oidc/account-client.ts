// The account portal's own client, built into every tenant: a first-party public client (PKCE, no
// consent screen) whose only redirect is the portal's callback. It is not an application row, so
// operators can neither delete nor change it; the tenant's provider finds it by its fixed id.
import type { Tenant } from '../../domain/tenants/tenant.ts';

export const ACCOUNT_CLIENT_ID = 'foyer-account';

/** The portal's paths below a tenant's issuer. */
export const ACCOUNT_PATH = '/account';
export const ACCOUNT_CALLBACK_PATH = '/account/callback';

export function accountClientMetadata(issuer: string, tenant: Tenant): Record<string, unknown> {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: tenant.settings.branding?.name ?? tenant.name,
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${ACCOUNT_CALLBACK_PATH}`],
    post_logout_redirect_uris: [`${issuer}${ACCOUNT_PATH}`],
    foyer_first_party: true,
    // The portal reads the SSO session itself; its tokens only prove the sign-in, so they live briefly.
    foyer_ttl: { accessToken: 300, idToken: 300 },
  };
}
