// What the admin API's Idempotency-Key handling needs from storage (http/admin/idempotency.ts):
// a key claimed once per caller, the answer stored with it, and rows pruned after they expire.

/** A key as found: the request it was first used for and, once answered, the sealed answer. */
type IdempotencyRecord = { readonly requestHash: string; readonly status: number | null; readonly response: string | null };

export interface IdempotencyStore {
  /**
   * Claims `key` for `credential`'s request: true when this call claimed it (the request goes on),
   * false when the key was claimed before (read it with `find`). Claims of other callers never clash.
   */
  claim(entry: { credential: string; key: string; requestHash: string; now: number; expiresAt: number }): Promise<boolean>;
  /** The key's record while it has not expired at `now`. */
  find(credential: string, key: string, now: number): Promise<IdempotencyRecord | undefined>;
  /** Stores the answer of the claimed request. */
  complete(credential: string, key: string, status: number, response: string): Promise<void>;
  /** Forgets a claim whose request failed on the server's side, so a retry runs again. */
  release(credential: string, key: string): Promise<void>;
  /** Deletes up to `limit` records expired at `now`; says how many. */
  removeExpired(now: number, limit: number): Promise<number>;
}
