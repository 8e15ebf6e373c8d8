// How long a refresh token lives (SECURITY.md 21). Each token, the first and every rotation, lives
// the application's refresh lifetime (14 days by default: how long a customer may stay away), but
// never past the absolute lifetime of its family, counted from the first token (which oidc-provider
// carries through every rotation as `iiat`): after that the customer signs in again, however often
// the application refreshed. A public browser application's token that is not sender-constrained
// (no DPoP) is not extended by rotation at all, oidc-provider's own rule: its family ends when its
// first token would have.
import type { Client, KoaContextWithOIDC, RefreshToken } from 'oidc-provider';
import type { Tenant } from '../../domain/tenants/tenant.ts';

const DAY = 86_400;

/** The refresh lifetime of an application that sets none (seconds). */
export const DEFAULT_REFRESH_TOKEN_TTL = 14 * DAY;
/** The absolute lifetime of a refresh token family when the tenant sets none (seconds). */
const DEFAULT_REFRESH_TOKEN_ABSOLUTE_LIFETIME = 90 * DAY;

type RefreshLifetimes = {
  /** The application's refresh lifetime, in seconds. */
  readonly idle: number;
  /** The tenant's absolute lifetime of a family, in seconds. */
  readonly absolute: number;
};

/** ttl.RefreshToken: seconds from now; at least 1, as oidc-provider requires. */
export function refreshTokenTtl(ctx: KoaContextWithOIDC | undefined, token: RefreshToken, client: Client, lifetimes: RefreshLifetimes, nowSeconds: number): number {
  const familyStartedAt = token.iiat ?? token.iat ?? nowSeconds;
  let ttl = Math.min(lifetimes.idle, familyStartedAt + lifetimes.absolute - nowSeconds);
  const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
  if (rotated && client.applicationType === 'web' && client.clientAuthMethod === 'none' && !token.isSenderConstrained()) {
    ttl = Math.min(ttl, rotated.remainingTTL);
  }
  return Math.max(1, Math.floor(ttl));
}

/** The tenant's absolute lifetime of refresh token families (`refreshTokens.absoluteLifetime`). */
export function refreshTokenAbsoluteLifetimeOf(tenant: Pick<Tenant, 'settings'>): number {
  return tenant.settings.refreshTokens?.absoluteLifetime ?? DEFAULT_REFRESH_TOKEN_ABSOLUTE_LIFETIME;
}
