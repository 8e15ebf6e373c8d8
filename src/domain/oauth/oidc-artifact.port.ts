// What the OpenID Connect surface needs from storage: oidc-provider's artifacts (sessions, codes,
// tokens, grants, interactions…) kept per tenant and model, found by id, session uid or user code.

/** A stored artifact as oidc-provider wrote it, and when it was consumed (epoch ms) if it was. */
export type StoredOidcArtifact = {
  readonly payload: Record<string, unknown>;
  readonly consumedAt: number | null;
};

export interface OidcArtifactStore {
  /**
   * Creates the artifact or replaces its payload and expiry. Its grant id, uid, user code and
   * account are read from `payload.grantId`, `payload.uid`, `payload.userCode` and
   * `payload.accountId`. A consumed artifact stays consumed: a code or refresh token must never
   * become redeemable again.
   */
  upsert(tenantId: string, model: string, id: string, payload: Record<string, unknown>, expiresAt: number | null): Promise<void>;
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
  /** Deletes every artifact of every model carrying this grant id in the tenant. */
  revokeByGrantId(tenantId: string, grantId: string): Promise<void>;
  /**
   * Deletes every artifact of every model (sessions, codes, grants, access and refresh tokens…)
   * that belongs to this account in the tenant, and says how many: a blocked or deleted customer
   * keeps no way back in (SECURITY.md 14).
   */
  revokeByAccountId(tenantId: string, accountId: string): Promise<number>;
  /**
   * Deletes up to `limit` artifacts of any tenant that expired at or before `now` and says how many:
   * callers repeat it in batches so that no delete holds locks for long.
   */
  removeExpired(now: number, limit: number): Promise<number>;
}
