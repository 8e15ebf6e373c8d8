// offline_access for first-party applications. OIDC Core 11 lets a provider grant offline access
// without prompt=consent where "other conditions … permitting offline access" are in place: a
// first-party application is one (the business's own app, which shows no consent screen at all).
// oidc-provider's scope check drops offline_access from every request without prompt=consent, so
// libraries that ask for it as documented (oidc-client-ts, Passport) got no refresh token. The
// provider's `extraParams` validations run right after that check, on the authorization, PAR and
// device endpoints, before the request is stored for its interaction: this one puts the scope back
// when a first-party application that may use refresh tokens asked for it. Third-party
// applications keep the rule: offline access only with prompt=consent, on the consent screen.
import type { KoaContextWithOIDC } from 'oidc-provider';

type Client = NonNullable<KoaContextWithOIDC['oidc']['client']>;

export async function keepOfflineAccessOfFirstParty(ctx: KoaContextWithOIDC, _scope: unknown, client: Client | undefined): Promise<void> {
  const params = ctx.oidc.params as Record<string, unknown> | undefined;
  if (!params || !client || !(client as unknown as Record<string, unknown>)['foyer_first_party']) return;
  if (!client.grantTypeAllowed('refresh_token')) return;
  const granted = typeof params['scope'] === 'string' ? params['scope'].split(' ') : [];
  if (granted.includes('offline_access') || !scopesAskedFor(ctx).includes('offline_access')) return;
  params['scope'] = [...granted, 'offline_access'].join(' ');
}

/**
 * The scope as the application sent it: in the request object (pushed, or passed as `request`),
 * which oidc-provider has verified by now, or else in the query or form.
 */
function scopesAskedFor(ctx: KoaContextWithOIDC): string[] {
  const sent = (ctx.method === 'POST' ? ctx.oidc.body : ctx.query) as Record<string, unknown> | undefined;
  const requestObject = ctx.oidc.entities.PushedAuthorizationRequest?.request ?? sent?.['request'];
  const scope = typeof requestObject === 'string' ? payloadOf(requestObject)['scope'] : sent?.['scope'];
  return typeof scope === 'string' ? scope.split(' ') : [];
}

function payloadOf(jwt: string): Record<string, unknown> {
  try {
    const payload: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
