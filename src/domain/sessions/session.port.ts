import type { Session } from './session.ts';

export interface SessionStore {
  create(session: Session, tokenHash: string): Promise<void>;
  /** The unrevoked session with that token hash in the tenant (liveness is the caller's check). */
  findByTokenHash(tenantId: string, tokenHash: string): Promise<Session | undefined>;
  touch(tenantId: string, id: string, now: number): Promise<void>;
  revoke(tenantId: string, id: string, now: number): Promise<boolean>;
  revokeAllOf(tenantId: string, identityId: string, now: number): Promise<number>;
  /** The identity's unrevoked sessions still within their lifetime, newest first. */
  listOf(tenantId: string, identityId: string, now: number): Promise<Session[]>;
  /** Revokes the session only if it is this identity's; false otherwise. */
  revokeOf(tenantId: string, identityId: string, id: string, now: number): Promise<boolean>;
  /** Deletes up to `limit` sessions (of any tenant) past their lifetime; idle ones are refused by `isLive` until then. */
  removeExpired(now: number, limit: number): Promise<number>;
}
