// The tenant's APIs as oidc-provider's resource servers (RFC 8707 resource indicators): which
// `resource` values exist, what their access tokens look like, and what a client-credentials
// request may ask for. An API's tokens are always JWTs (RFC 9068) addressed to it and signed with
// the tenant's key, so the API validates them itself against the JWKS: it is no application of the
// tenant and could not introspect them.
import { errors } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Tenant } from '../../domain/tenants/tenant.ts';

/** APIs the tenant has declared (`tenant.settings.apis`) are the only valid resource indicators. */
export function resourceServerOf(tenant: Tenant, indicator: string, ctx: KoaContextWithOIDC) {
  const api = (tenant.settings.apis ?? []).find((candidate) => candidate.identifier === indicator);
  if (!api) throw new errors.InvalidTarget(`the resource ${indicator} is not an API of this tenant`);
  refuseUnknownClientCredentialsScopes(ctx, api.scopes ?? [], `scopes of ${indicator}`);
  return {
    scope: (api.scopes ?? []).join(' '),
    audience: api.identifier,
    // Without its own lifetime an API's tokens live as long as the application's (ttl in provider.ts).
    ...(api.accessTokenTtl === undefined ? {} : { accessTokenTTL: api.accessTokenTtl }),
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: 'ES256' as const } },
  };
}

/**
 * No `resource`: a client-credentials request asks for no scope at all. Foyer's own scopes
 * (openid, account, email, …) are a customer's: a machine's token must never carry them, or it
 * would pass for a customer's at the Account API or userinfo.
 */
export async function noDefaultResource(ctx: KoaContextWithOIDC): Promise<undefined> {
  refuseUnknownClientCredentialsScopes(ctx, [], 'scopes a machine may hold: those of an API, asked for with its resource; openid, account and the profile scopes belong to customers');
  return undefined;
}

/**
 * oidc-provider drops the scopes of a client-credentials request that the API (or the server)
 * does not know, and issues a token without them; the application should learn of its mistake
 * instead (RFC 6749 5.2, invalid_scope). Both resource hooks run before that filter.
 */
function refuseUnknownClientCredentialsScopes(ctx: KoaContextWithOIDC, known: readonly string[], what: string): void {
  const params = ctx.oidc.params as Record<string, unknown> | undefined;
  if (ctx.oidc.route !== 'token' || params?.['grant_type'] !== 'client_credentials') return;
  const requested = typeof params['scope'] === 'string' ? params['scope'].split(' ').filter(Boolean) : [];
  const unknown = requested.filter((scope) => !known.includes(scope));
  if (unknown.length > 0) throw new errors.InvalidScope(`${unknown.join(', ')}: not among the ${what}`, unknown.join(' '));
}
