// The admin API as a resource server of the admin tenant (RFC 8707): its resource indicator is the
// API's URL, its tokens are JWTs (RFC 9068) signed with the admin tenant's keys and verified by the
// admin plugin itself (credentials.ts). A machine (client credentials) may ask for the scopes its
// admin client holds and no others; a staff member's token carries only STAFF_SIGN_IN_SCOPE, since
// what staff may do is their role's, read on every request.
import { errors } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { STAFF_SIGN_IN_SCOPE } from '../../domain/admin/scopes.ts';

export const ADMIN_API_PATH = '/admin/api/v1';

/** Short: a machine whose client is deleted or narrowed is refused at once anyway; this bounds a leaked token (ADMIN_API_TOKEN_TTL_SECONDS). */
const ADMIN_TOKEN_TTL_SECONDS = 600;

/** The admin API's URL: its resource indicator, and the audience of its tokens. */
export function adminApiUrlOf(publicUrl: string): string {
  return `${publicUrl}${ADMIN_API_PATH}`;
}

/** The client metadata property that carries an admin client's scopes (http/oidc/client-metadata.ts). */
export const ADMIN_SCOPES_METADATA = 'foyer_admin_scopes';

export function adminResourceServer(ctx: KoaContextWithOIDC, audience: string, ttlSeconds = ADMIN_TOKEN_TTL_SECONDS) {
  const params = ctx.oidc.params as Record<string, unknown> | undefined;
  const machine = ctx.oidc.route === 'token' && params?.['grant_type'] === 'client_credentials';
  const held = (ctx.oidc.client as unknown as Record<string, unknown> | undefined)?.[ADMIN_SCOPES_METADATA];
  const allowed = machine ? (Array.isArray(held) ? (held as string[]) : []) : [STAFF_SIGN_IN_SCOPE];
  if (machine) {
    const requested = typeof params['scope'] === 'string' ? params['scope'].split(' ').filter(Boolean) : [];
    const refused = requested.filter((scope) => !allowed.includes(scope));
    // RFC 6749 5.2: a scope the client does not hold is refused, not silently dropped.
    if (refused.length > 0) throw new errors.InvalidScope(`${refused.join(', ')}: not among the admin scopes this client holds`, refused.join(' '));
  }
  return {
    scope: allowed.join(' '),
    audience,
    accessTokenTTL: ttlSeconds,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: 'ES256' as const } },
  };
}
