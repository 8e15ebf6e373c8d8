// RP-initiated logout with an id_token_hint that does not verify (forged, expired key, another
// issuer's or another application's) must end on the sign-out confirmation page: neither a silent
// logout nor a redirect that the hint was supposed to vouch for (SECURITY.md 24). oidc-provider
// answers such a request with an error page; this middleware runs before its routes and drops the
// bad hint, with the post_logout_redirect_uri and state that depended on it, so the request becomes
// a logout without a hint, which oidc-provider always confirms with the customer.
import type Provider from 'oidc-provider';

type Middleware = Parameters<Provider['use']>[0];

const DEPENDENT_ON_HINT = ['id_token_hint', 'post_logout_redirect_uri', 'state'];

/**
 * Only the query of a GET is screened: that is how relying parties send the customer to log out.
 * A form POST with a bad hint still gets oidc-provider's error page, which does not log out either.
 */
export function confirmLogoutOnInvalidHint(provider: Provider, endSessionPath: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === endSessionPath) {
      const params = new URLSearchParams(ctx.querystring);
      const hint = params.get('id_token_hint');
      if (hint !== null && !(await hintVerifies(provider, hint, params.get('client_id')))) {
        for (const name of DEPENDENT_ON_HINT) params.delete(name);
        ctx.querystring = params.toString();
      }
    }
    await next();
  };
}

/** The same checks oidc-provider makes (audience is a client, client_id agrees, signature and issuer verify), as a yes or no. */
async function hintVerifies(provider: Provider, hint: string, clientId: string | null): Promise<boolean> {
  const audience = audienceOf(hint);
  if (audience === undefined || (clientId !== null && clientId !== audience)) return false;
  try {
    const client = await provider.Client.find(audience);
    if (!client) return false;
    await provider.IdToken.validate(hint, client);
    return true;
  } catch {
    return false;
  }
}

function audienceOf(jwt: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof payload.aud === 'string' ? payload.aud : undefined;
  } catch {
    return undefined;
  }
}
