// A tenant's token signing keys: one active key per algorithm signs, retired keys stay published
// (public part in the JWKS) until every token they signed has expired.
import { createHash } from 'node:crypto';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type SigningKeyStatus = 'active' | 'retired';

/** The public half as published: enough members to verify, never a private one. */
export type PublicSigningJwk = {
  readonly kty: 'EC' | 'RSA';
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
};

/** A private JWK as oidc-provider's `jwks` option takes it (public members plus d, p, q, …). */
export type PrivateSigningJwk = PublicSigningJwk & Readonly<Record<string, string>>;

export type SigningKey = {
  /** Row id (UUIDv7); the JWK's `kid` is its RFC 7638 thumbprint, kept in `publicJwk`. */
  readonly id: string;
  readonly tenantId: string;
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly status: SigningKeyStatus;
  readonly publicJwk: PublicSigningJwk;
  /** The private JWK as JSON, sealed by the secret box under `signingKeyContext(tenantId, kid)`. */
  readonly sealedPrivateJwk: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
  /** When the key may leave the JWKS; null while it is active. */
  readonly unpublishAt: number | null;
};

export type NewSigningKey = Omit<SigningKey, 'kid' | 'status' | 'retiredAt' | 'unpublishAt'>;

/** What operators and the audit log see of a key: never any key material. */
export type SigningKeySummary = {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly status: SigningKeyStatus;
  readonly createdAt: number;
  readonly retiredAt: number | null;
  readonly unpublishAt: number | null;
};

export function summarizeSigningKey(key: SigningKey): SigningKeySummary {
  const { kid, algorithm, status, createdAt, retiredAt, unpublishAt } = key;
  return { kid, algorithm, status, createdAt, retiredAt, unpublishAt };
}

/** The secret-box context of a key's private half: the sealed value only opens for this tenant and kid. */
export function signingKeyContext(tenantId: string, kid: string): string {
  return `signing-key:${tenantId}:${kid}`;
}

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'] } as const;

/** The RFC 7638 JWK thumbprint (SHA-256, base64url): the same key always gets the same kid. */
export function jwkThumbprint(jwk: { readonly kty?: string } & Readonly<Record<string, unknown>>): string {
  const members = jwk.kty === 'EC' || jwk.kty === 'RSA' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (!members) throw new TypeError(`no thumbprint for key type ${String(jwk.kty)}`);
  const canonical = `{${members
    .map((member) => {
      const value = jwk[member];
      if (typeof value !== 'string' || value === '') throw new TypeError(`the JWK lacks "${member}"`);
      return `${JSON.stringify(member)}:${JSON.stringify(value)}`;
    })
    .join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}
