// What the identity module needs from storage. Every call is scoped to a tenant.
import type { AddressKind, Credential, Identity, IdentityStatus, NewIdentity, StoredCredential, Traits } from './identity.ts';

type IdentityPage = {
  readonly limit: number;
  /** id of the last identity of the previous page */
  readonly after?: string | undefined;
  /**
   * Its creation time, when the caller has it: the page then starts right even if that identity
   * was deleted meanwhile (without it, the position is read from the identity itself).
   */
  readonly afterCreatedAt?: number | undefined;
};

/** A text to match: the whole value, or the values that start with it. */
export type TextMatch = { readonly value: string; readonly prefix: boolean };

/** From (inclusive) and to (exclusive), epoch milliseconds; either may be open. */
export type TimeRange = { readonly from?: number | undefined; readonly to?: number | undefined };

/** Where a page of search results starts: after this identity, in newest-first order. */
export type IdentityCursor = { readonly createdAt: number; readonly id: string };

/** Every given criterion must hold. */
export type IdentitySearch = {
  readonly status?: IdentityStatus | undefined;
  /** Exactly this external id. */
  readonly externalId?: string | undefined;
  /** Each: one of the named traits' searchable text (trait-index.ts, already folded) matches. */
  readonly traits?: readonly { readonly names: readonly string[]; readonly match: TextMatch }[] | undefined;
  readonly createdAt?: TimeRange | undefined;
  /** true: the email address is verified; false: the customer has an email address not verified yet (customers without one match neither). */
  readonly emailVerified?: boolean | undefined;
  /** When the customer last signed in: the latest SIGN_IN_AUDIT_ACTION entry of the audit log about them. */
  readonly lastSignedInAt?: TimeRange | undefined;
};

/** How a condition compares: SCIM's operators (RFC 7644 3.4.2.2); `pr` is "has a value". */
export type ConditionOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le' | 'pr';

/**
 * A boolean condition on a tenant's identities, evaluated in SQL (IdentityStore.filter): what a
 * SCIM filter becomes once its attributes are mapped to traits and columns. Trait texts compare
 * with their searchable (folded) text (trait-index.ts), so `value` must already be folded.
 */
export type IdentityCondition =
  | { readonly all: readonly IdentityCondition[] }
  | { readonly any: readonly IdentityCondition[] }
  | { readonly not: IdentityCondition }
  | { readonly constant: boolean }
  /** One of the named traits' searchable text compares (`pr`: one of them has a searchable value). */
  | { readonly traits: readonly string[]; readonly op: ConditionOperator; readonly value?: string | undefined }
  /** A column compared exactly (case-sensitive). */
  | { readonly column: 'id' | 'status' | 'externalId'; readonly op: ConditionOperator; readonly value?: string | undefined }
  /** A time in epoch milliseconds. */
  | { readonly time: 'createdAt' | 'updatedAt'; readonly op: ConditionOperator; readonly value?: number | undefined }
  /** A member of this customer group (null: of any). */
  | { readonly group: string | null };

/** What a filtered list is ordered by: a column, or one trait's searchable text (identities without it last). */
export type IdentityOrder = { readonly by: { readonly column: 'createdAt' | 'updatedAt' | 'id' | 'externalId' } | { readonly trait: string }; readonly descending: boolean };

export interface IdentityStore {
  /** Creates the identity with its addresses and credentials at once. Throws DomainError
   * `identity.address_taken`, `identity.identifier_taken` or `identity.external_id_taken` (conflict) and writes nothing. */
  create(identity: NewIdentity): Promise<Identity>;
  /** Creates many identities in few statements, in the caller's transaction or one of its own (a
   * bulk import's batch). Throws DomainError (conflict) when any address, identifier or external id
   * is taken, and writes none of them. */
  createMany(identities: readonly NewIdentity[]): Promise<Identity[]>;
  /** The identities that have one of these emails or external ids, each once, with their email and external id. */
  findMatches(tenantId: string, keys: { readonly emails: readonly string[]; readonly externalIds: readonly string[] }): Promise<{ id: string; externalId: string | null; email: string | null }[]>;
  /** The password hash of each of these identities that has one (an export's). */
  passwordHashesOf(tenantId: string, identityIds: readonly string[]): Promise<Map<string, string>>;
  findById(tenantId: string, id: string): Promise<Identity | undefined>;
  /** Looks an address up in its normalised form, so `Ann@Example.com` finds `ann@example.com`. */
  findByAddress(tenantId: string, kind: AddressKind, value: string): Promise<Identity | undefined>;
  /** The customer with this external id (their id in a CRM or an old system), if any. */
  findByExternalId(tenantId: string, externalId: string): Promise<Identity | undefined>;
  /** Sets or clears (null) the external id. Throws DomainError `identity.external_id_taken` (conflict)
   * when another customer of the tenant has it; false when there is no such identity. */
  setExternalId(tenantId: string, id: string, externalId: string | null, now: number): Promise<boolean>;
  /** The credential a customer names by an identifier (a password credential by email). */
  findCredential(tenantId: string, type: string, identifier: string): Promise<StoredCredential | undefined>;
  /** The same credential together with its identity, in one read (what a sign-in needs). */
  findCredentialWithIdentity(tenantId: string, type: string, identifier: string): Promise<{ credential: StoredCredential; identity: Identity } | undefined>;
  /** Replaces a credential's config (e.g. a password hash upgraded at sign-in). Returns false when
   * there is no such credential in the tenant. */
  updateCredentialConfig(tenantId: string, credentialId: string, config: Readonly<Record<string, unknown>>, now: number): Promise<boolean>;
  /** updateCredentialConfig, only while the credential's updated_at is still `expectedUpdatedAt`
   * (compare and set): false when another request changed it first, or it is gone. */
  updateCredentialConfigIf(tenantId: string, credentialId: string, expectedUpdatedAt: number, config: Readonly<Record<string, unknown>>, now: number): Promise<boolean>;
  /** Removes the identity's credentials of these types; answers how many went. */
  removeCredentials(tenantId: string, identityId: string, types: readonly string[]): Promise<number>;
  /** Removes one credential of the identity (a passkey, a linked upstream account) with its identifiers; false when it has no such credential. */
  removeCredential(tenantId: string, identityId: string, credentialId: string): Promise<boolean>;
  /** Adds a credential to an existing identity (e.g. the first password, set through recovery). */
  addCredential(tenantId: string, identityId: string, credential: Omit<Credential, 'identityId'>, now: number): Promise<void>;
  /** Marks one of the identity's addresses verified now; false when it has no such address. */
  markAddressVerified(tenantId: string, identityId: string, kind: AddressKind, value: string, now: number): Promise<boolean>;
  /**
   * Moves the identity to a new email address, verified at `verifiedAt` (null: not yet): the address,
   * the password identifier and the traits change together (call it in a transaction). Throws
   * DomainError `identity.address_taken` (conflict) when another account holds the new address.
   */
  replaceEmail(tenantId: string, identityId: string, change: { readonly from: string; readonly to: string; readonly traits: Traits; readonly verifiedAt: number | null }, now: number): Promise<boolean>;
  /** Newest first: created_at, then id, descending (an imported identity keeps its creation time). */
  list(tenantId: string, page: IdentityPage): Promise<Identity[]>;
  /**
   * The identities matching every criterion, newest first (created_at, then id, descending), at
   * most `limit`, starting after `after`. Keyset paging: a page stays right when identities are
   * added or removed meanwhile.
   */
  search(tenantId: string, query: IdentitySearch, page: { readonly limit: number; readonly after?: IdentityCursor | undefined }): Promise<Identity[]>;
  /**
   * The identities matching the condition (all when undefined), in the given order (ties by id),
   * `limit` of them after skipping `offset`, and how many match in all: SCIM's list with its
   * `startIndex`, `count` and `totalResults`.
   */
  filter(tenantId: string, condition: IdentityCondition | undefined, page: { readonly order: IdentityOrder; readonly offset: number; readonly limit: number }): Promise<{ readonly total: number; readonly identities: Identity[] }>;
  /** Returns false when there is no such identity in the tenant. */
  setStatus(tenantId: string, id: string, status: IdentityStatus, now: number): Promise<boolean>;
  /** Locks the identity's row until the transaction ends (a read-check-write such as If-Match or a merge patch). */
  lock(tenantId: string, id: string): Promise<void>;
  /** Replaces the traits (addresses are not touched: verifiable traits change through their own flows).
   * Returns false when there is no such identity in the tenant. */
  updateTraits(tenantId: string, id: string, traits: Traits, now: number): Promise<boolean>;
  /** Replaces the metadata only operators see and change (a staff member's role lives there).
   * Returns false when there is no such identity in the tenant. */
  updateMetadataAdmin(tenantId: string, id: string, metadata: Readonly<Record<string, unknown>>, now: number): Promise<boolean>;
  /** Every credential of the identity, oldest first, with the identifiers it is found by. */
  listCredentials(tenantId: string, identityId: string): Promise<(Credential & { readonly createdAt: number; readonly updatedAt: number })[]>;
  /** Removes the identity and, with it, its addresses, credentials and sessions. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /**
   * After many identities were written at once (an import): the database's statistics of their
   * tables are brought up to date, so that its next plans know their size.
   */
  refreshStatistics(): Promise<void>;
}
