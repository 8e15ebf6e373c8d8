// An identity is one customer: traits (validated by the tenant's schema), verifiable addresses,
// credentials and metadata. The profile, not the credential, is the centre.

export type IdentityStatus = 'active' | 'blocked' | 'deleted';
export type AddressKind = 'email' | 'phone';

export type Traits = Readonly<Record<string, unknown>>;

export type Address = {
  readonly id: string;
  readonly kind: AddressKind;
  /** Normalised (see normalizeAddress): what uniqueness and lookups use. */
  readonly value: string;
  readonly verifiedAt: number | null;
};

export type Identity = {
  readonly id: string;
  readonly tenantId: string;
  readonly status: IdentityStatus;
  readonly traits: Traits;
  readonly metadataPublic: Readonly<Record<string, unknown>>;
  readonly metadataAdmin: Readonly<Record<string, unknown>>;
  /** The customer's id in the system they came from (a CRM, SCIM's externalId, an import); unique in the tenant. */
  readonly externalId: string | null;
  readonly addresses: readonly Address[];
  readonly createdAt: number;
  readonly updatedAt: number;
};

export type Credential = {
  readonly id: string;
  readonly identityId: string;
  /** The strategy that owns it: `password`, `webauthn`, `totp`, `recovery_codes`, `oidc`. */
  readonly type: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly identifiers: readonly string[];
};

/** A credential as sign-in reads it back: what to verify, and whose it is. */
export type StoredCredential = Omit<Credential, 'identifiers'>;

export type NewIdentity = {
  readonly id: string;
  readonly tenantId: string;
  readonly traits: Traits;
  readonly addresses: readonly { readonly kind: AddressKind; readonly value: string; readonly verifiedAt?: number | null }[];
  readonly credentials: readonly Omit<Credential, 'identityId'>[];
  readonly metadataPublic?: Readonly<Record<string, unknown>>;
  readonly metadataAdmin?: Readonly<Record<string, unknown>>;
  readonly externalId?: string | null | undefined;
  /** Active unless said otherwise (an import may bring a blocked customer). */
  readonly status?: IdentityStatus | undefined;
  readonly now: number;
};

/**
 * The form in which an address is stored and compared. Emails are compared case-insensitively
 * (as every mail provider in practice does); phone numbers lose spacing and punctuation.
 */
export function normalizeAddress(kind: AddressKind, value: string): string {
  const trimmed = value.trim();
  if (kind === 'email') return trimmed.toLowerCase();
  return trimmed.replace(/[\s().-]/g, '');
}
