// What the first-run setup (domain/admin/setup.ts) needs from storage: links kept as hashes, each
// usable once until it expires.

export interface SetupLinkStore {
  insert(link: { tokenHash: string; createdAt: number; expiresAt: number }): Promise<void>;
  /** Makes every unused link expire at `now` (a new one replaces them). */
  revokeUnused(now: number): Promise<void>;
  /** Whether the link exists, is unused and unexpired at `now`. */
  isUsable(tokenHash: string, now: number): Promise<boolean>;
  /** Marks the link used if it is usable at `now`; false otherwise (used, expired or unknown). */
  consume(tokenHash: string, now: number): Promise<boolean>;
  /** Deletes up to `limit` links expired at `now`; says how many. */
  removeExpired(now: number, limit: number): Promise<number>;
}
