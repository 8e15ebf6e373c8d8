// What the keys module needs from storage.
import type { NewSigningKey, SigningKey } from './signing-key.ts';

export interface SigningKeyStore {
  /** Stores a new key as active. */
  insert(key: NewSigningKey): Promise<SigningKey>;
  /**
   * The tenant's keys still published at `now` (unpublish_at null or later than now): active keys
   * first, newest first within each status, so every node orders them the same way.
   */
  listPublished(tenantId: string, now: number): Promise<SigningKey[]>;
  /** Marks the given active keys retired; returns how many changed. Ids of other tenants are ignored. */
  retire(tenantId: string, ids: readonly string[], when: { retiredAt: number; unpublishAt: number }): Promise<number>;
  /** Deletes the tenant's keys whose unpublish_at has passed; returns how many. */
  deleteUnpublished(tenantId: string, now: number): Promise<number>;
  /**
   * Inside a transaction: waits for, then holds until commit, the tenant's key-set lock, so that
   * concurrent "check then add" writers of one tenant's keys run one after the other.
   */
  lockTenantKeys(tenantId: string): Promise<void>;
}
