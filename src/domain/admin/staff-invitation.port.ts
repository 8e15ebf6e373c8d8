// What staff invitations (staff-invitations.ts) need from storage: invitations of the admin tenant,
// their link kept as a hash, found by it only while open (not accepted, withdrawn or expired).

import type { StaffRole } from './scopes.ts';

export type StaffInvitation = {
  readonly id: string;
  readonly tenantId: string;
  /** Normalised (trimmed, lower case). */
  readonly email: string;
  readonly role: StaffRole;
  readonly invitedBy: string | null;
  readonly createdAt: number;
  /** When the last email went out (the first, or a resend). */
  readonly sentAt: number;
  readonly expiresAt: number;
  readonly acceptedAt: number | null;
  readonly revokedAt: number | null;
};

export interface StaffInvitationStore {
  insert(invitation: StaffInvitation & { readonly tokenHash: string }): Promise<void>;
  findById(tenantId: string, id: string): Promise<StaffInvitation | undefined>;
  /** Neither accepted nor withdrawn (expired ones too: an owner may resend them), for this email. */
  findUnfinishedByEmail(tenantId: string, email: string): Promise<StaffInvitation | undefined>;
  /** Invitations neither accepted nor withdrawn, newest first, `limit` after the id `after`. */
  listUnfinished(tenantId: string, page: { readonly limit: number; readonly after?: string | undefined }): Promise<StaffInvitation[]>;
  /** The invitation whose link this is, if it is open at `now`. */
  findOpenByTokenHash(tokenHash: string, now: number): Promise<StaffInvitation | undefined>;
  /** A new link and expiry for an unfinished invitation (a resend); false if it is finished or unknown. */
  renew(tenantId: string, id: string, change: { readonly tokenHash: string; readonly sentAt: number; readonly expiresAt: number }): Promise<boolean>;
  /** Withdraws an unfinished invitation; false if it is finished or unknown. */
  revoke(tenantId: string, id: string, now: number): Promise<boolean>;
  /** Marks the invitation whose link this is accepted, if it is open at `now` (once: a conditional update). */
  accept(tokenHash: string, now: number): Promise<boolean>;
  /** Marks an open invitation accepted by its id (the invitee signed in through the workforce IdP); false if it is not open. */
  acceptById(tenantId: string, id: string, now: number): Promise<boolean>;
  /** Deletes up to `limit` invitations whose link expired long enough before `now` (the store keeps them a while). */
  removeExpired(now: number, limit: number): Promise<number>;
}
