// What the OpenID Connect surface needs from storage: oidc-provider's artifacts (sessions, codes,
// tokens, grants, interactions…) kept per tenant and model, found by id, session uid or user code.

/** A stored artifact as oidc-provider wrote it, and when it was consumed (epoch ms) if it was. */
export type StoredOidcArtifact = {
  readonly payload: Record<string, unknown>;
  readonly consumedAt: number | null;
};

/** Where a browser session was used from: recorded on its row when first stored. */
export type ArtifactDevice = { readonly userAgent?: string | undefined; readonly ip?: string | undefined };

/** A customer's artifact with its id, and for sessions the device and when it was last saved. */
export type AccountArtifact = StoredOidcArtifact & {
  readonly id: string;
  readonly device: ArtifactDevice | null;
  readonly seenAt: number | null;
};

/** One change of an artifact, for writeAll: what upsert or destroy would do. */
export type ArtifactWrite =
  | {
      readonly kind: 'upsert';
      readonly model: string;
      readonly id: string;
      readonly payload: Record<string, unknown>;
      readonly expiresAt: number | null;
      readonly seen?: { device: ArtifactDevice; at: number } | undefined;
    }
  | { readonly kind: 'destroy'; readonly model: string; readonly id: string };

export interface OidcArtifactStore {
  /**
   * Creates the artifact or replaces its payload and expiry. Its grant id, uid, user code and
   * account are read from `payload.grantId`, `payload.uid`, `payload.userCode` and
   * `payload.accountId`. A consumed artifact stays consumed: a code or refresh token must never
   * become redeemable again.
   */
  upsert(tenantId: string, model: string, id: string, payload: Record<string, unknown>, expiresAt: number | null, seen?: { device: ArtifactDevice; at: number }): Promise<void>;
  /**
   * The finders return undefined for rows that expired at or before `now` (default: the current
   * time): expired rows may linger until `removeExpired` runs.
   */
  find(tenantId: string, model: string, id: string, now?: number): Promise<StoredOidcArtifact | undefined>;
  findByUid(tenantId: string, model: string, uid: string, now?: number): Promise<StoredOidcArtifact | undefined>;
  findByUserCode(tenantId: string, model: string, userCode: string, now?: number): Promise<StoredOidcArtifact | undefined>;
  /**
   * Marks the artifact consumed at `now`, atomically: true when this call consumed it, false when
   * it already was (the first consumption time is kept).
   */
  consume(tenantId: string, model: string, id: string, now: number): Promise<boolean>;
  destroy(tenantId: string, model: string, id: string): Promise<void>;
  /**
   * Several upserts and destroys at once, all or nothing: one transaction, and on PostgreSQL one
   * statement. Each (model, id) appears at most once among `writes`.
   */
  writeAll(tenantId: string, writes: readonly ArtifactWrite[]): Promise<void>;
  /**
   * Records that a session was used at `at` (the portal's "last used"), unless it was recorded
   * less than `resolutionMs` before: one write a minute at most for a customer clicking around.
   */
  markSeen(tenantId: string, model: string, id: string, at: number, resolutionMs: number): Promise<void>;
  /** Deletes every artifact of every model carrying this grant id in the tenant. */
  revokeByGrantId(tenantId: string, grantId: string): Promise<void>;
  /**
   * Deletes every artifact of every model (sessions, codes, grants, access and refresh tokens…)
   * that belongs to this account in the tenant, and says how many: a blocked or deleted customer
   * keeps no way back in (SECURITY.md 14).
   */
  revokeByAccountId(tenantId: string, accountId: string): Promise<number>;
  /** The account's live artifacts of one model (its sessions, its grants), newest save first. */
  listByAccountId(tenantId: string, model: string, accountId: string, now: number): Promise<AccountArtifact[]>;
  /**
   * Like revokeByAccountId, but keeps the session with uid `keep.sessionUid` and every artifact of
   * the grants in `keep.grantIds` (the grants themselves included): "sign out everywhere else".
   */
  revokeByAccountIdExcept(tenantId: string, accountId: string, keep: { sessionUid?: string | undefined; grantIds: readonly string[] }): Promise<number>;
  /**
   * Deletes up to `limit` artifacts of any tenant that expired at or before `now` and says how many:
   * callers repeat it in batches so that no delete holds locks for long.
   */
  removeExpired(now: number, limit: number): Promise<number>;
}
