// Sign-in for the console: OpenID Connect with PKCE as the public client `foyer-console` of the
// admin tenant (oidc-client-ts), asking for the admin API as the resource (RFC 8707) and the `admin`
// scope, so the access token is one the admin API accepts for the signed-in staff member. Tokens
// live in sessionStorage (this tab only); the refresh token renews the access token before it
// expires (offline_access, granted to first-party applications without a consent screen).
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { User } from 'oidc-client-ts';

/** What /console/config.json tells the app about this installation. */
export type ConsoleConfig = { readonly issuer: string; readonly clientId: string; readonly api: string; readonly publicUrl: string };

export const BASE = '/console';

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${BASE}/config.json`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}

export function userManagerOf(config: ConsoleConfig): UserManager {
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${config.publicUrl}${BASE}/callback`,
    post_logout_redirect_uri: `${config.publicUrl}${BASE}/`,
    response_type: 'code',
    scope: 'openid email admin offline_access',
    resource: config.api,
    // The access token is for the admin API, not for userinfo; the ID token carries the email.
    loadUserInfo: false,
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** Where the app goes back to after the sign-in (a path under /console). */
export type SignInState = { readonly returnTo: string };

export function returnToOf(user: User): string {
  const state = user.state as Partial<SignInState> | undefined;
  return typeof state?.returnTo === 'string' && state.returnTo.startsWith('/') && !state.returnTo.startsWith('//') ? state.returnTo : '/';
}
