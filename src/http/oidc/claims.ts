// Standard OpenID Connect claims, per scope, from an identity's traits and verified addresses.
// Traits follow the default schema (email, phone, name{given,family}, locale, address, …); a claim is
// only released when the customer has a value for it.
import type { Identity } from '../../domain/identity/identity.ts';
import { normalizeAddress } from '../../domain/identity/identity.ts';

/** What each scope releases (OIDC Core 5.4). */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  profile: ['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  address: ['address'],
  /** The consent purposes the customer has granted now, each with the version granted (docs/consent.md). */
  consents: ['consents'],
} as const;

/** `account`: the Account API (`{issuer}/api/account`), the customer's own self-service. */
export const SUPPORTED_SCOPES = ['openid', 'offline_access', 'email', 'phone', 'profile', 'address', 'account', 'consents'] as const;

/**
 * The `consents` claim: each purpose the customer has granted now and the version granted,
 * `{ "terms": 2, "marketing": 1 }`; an empty object when none. Read from the ledger only when the
 * `consents` scope was granted (one indexed read, ADR 0024).
 */
export function consentsClaimOf(granted: readonly { readonly purposeId: string; readonly version: number }[]): Record<string, number> {
  return Object.fromEntries(granted.map((grant) => [grant.purposeId, grant.version]));
}

/** Whether the granted scopes (space-separated, as oidc-provider passes them) include `consents`. */
export function grantsConsentsScope(scope: string | undefined): boolean {
  return (scope ?? '').split(' ').includes('consents');
}

type Claims = Record<string, unknown> & { sub: string };

export function claimsOf(identity: Identity): Claims {
  const traits = identity.traits as Record<string, unknown>;
  const email = stringOf(traits['email']);
  const phone = stringOf(traits['phone']);
  const claims: Claims = {
    sub: identity.id,
    email,
    email_verified: email === undefined ? undefined : isVerified(identity, 'email', email),
    phone_number: phone,
    phone_number_verified: phone === undefined ? undefined : isVerified(identity, 'phone', phone),
    address: typeof traits['address'] === 'object' && traits['address'] !== null ? traits['address'] : undefined,
    updated_at: Math.floor(identity.updatedAt / 1000),
  };
  // Profile claims carry the trait of the same name (the default schema uses OIDC's names).
  for (const claim of SCOPE_CLAIMS.profile) {
    if (claim !== 'updated_at') claims[claim] = stringOf(traits[claim]);
  }
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  return claims;
}

/**
 * The claims an answer may carry; oidc-provider then keeps those of the granted scopes. An
 * application whose ID tokens are minimal (`foyer_id_token_claims`) gets in them only the subject
 * and the claims it asked for by name, as with oidc-provider's conformIdTokenClaims (OIDC Core 5.4):
 * the profile is at userinfo.
 */
export function releasedClaims(claims: Claims, use: string, client: { [key: string]: unknown } | undefined, requested: Record<string, unknown> | undefined): Claims {
  if (use !== 'id_token' || client?.['foyer_id_token_claims'] !== 'minimal') return claims;
  const minimal: Claims = { sub: claims.sub };
  for (const name of Object.keys(requested ?? {})) if (claims[name] !== undefined) minimal[name] = claims[name];
  return minimal;
}

function isVerified(identity: Identity, kind: 'email' | 'phone', value: string): boolean {
  const normalised = normalizeAddress(kind, value);
  return identity.addresses.some((address) => address.kind === kind && address.value === normalised && address.verifiedAt !== null);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
