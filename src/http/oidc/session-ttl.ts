// How long a browser session lives (SECURITY.md 15). oidc-provider saves a session again whenever a
// request touches it, with the TTL this returns, so the TTL is the idle timeout, except that it
// never reaches past the absolute lifetime counted from sign-in. The same limits as the sessions
// Foyer issues to native apps.
import { SESSION_IDLE_TIMEOUT_MS, SESSION_LIFETIME_MS } from '../../domain/sessions/session.ts';

/**
 * A session nobody signed in to holds only the token of a form the provider showed (the device code
 * and sign-out pages store one for whoever opens them): it lives as long as an interaction, so a
 * flood of such pages leaves rows for an hour, not a week (docs/adr/0017).
 */
const ANONYMOUS_SESSION_TTL_SECONDS = 3600;

/** Seconds the session may live from `nowSeconds`; at least 1, as oidc-provider requires. */
export function browserSessionTtl(session: { loginTs?: number | undefined }, nowSeconds: number): number {
  const idle = SESSION_IDLE_TIMEOUT_MS / 1000;
  if (session.loginTs === undefined) return ANONYMOUS_SESSION_TTL_SECONDS;
  const remaining = session.loginTs + SESSION_LIFETIME_MS / 1000 - nowSeconds;
  return Math.max(1, Math.min(idle, Math.floor(remaining)));
}
