// Staff invitations (StaffInvitationStore, migration 0028): found by the hash of their link, and
// accepted by one conditional update, so a link works once even when submitted twice at once.
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './tables.ts';
import type { StaffInvitation, StaffInvitationStore } from '../domain/admin/staff-invitation.port.ts';
import type { StaffRole } from '../domain/admin/scopes.ts';

/** Invitations stay a month after their link expires (the audit log keeps their story after that). */
const RETAIN_MS = 30 * 24 * 60 * 60 * 1000;

type Row = Selectable<Database['staff_invitations']>;

function toInvitation(row: Row): StaffInvitation {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    role: row.role as StaffRole,
    invitedBy: row.invited_by,
    createdAt: Number(row.created_at),
    sentAt: Number(row.sent_at),
    expiresAt: Number(row.expires_at),
    acceptedAt: row.accepted_at === null ? null : Number(row.accepted_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export function createStaffInvitationStore(db: Db): StaffInvitationStore {
  const unfinished = () => db.selectFrom('staff_invitations').selectAll().where('accepted_at', 'is', null).where('revoked_at', 'is', null);
  /** An update of invitations neither accepted nor withdrawn: a conditional write, so each change happens once. */
  const open = () => db.updateTable('staff_invitations').where('accepted_at', 'is', null).where('revoked_at', 'is', null);
  const changed = async (update: { executeTakeFirst(): Promise<{ numUpdatedRows: bigint }> }) => (await update.executeTakeFirst()).numUpdatedRows > 0n;
  return {
    async insert(invitation) {
      await db
        .insertInto('staff_invitations')
        .values({
          id: invitation.id,
          tenant_id: invitation.tenantId,
          email: invitation.email,
          role: invitation.role,
          token_hash: invitation.tokenHash,
          invited_by: invitation.invitedBy,
          created_at: invitation.createdAt,
          sent_at: invitation.sentAt,
          expires_at: invitation.expiresAt,
          accepted_at: null,
          revoked_at: null,
        })
        .execute();
    },

    async findById(tenantId, id) {
      const row = await db.selectFrom('staff_invitations').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toInvitation(row);
    },

    async findUnfinishedByEmail(tenantId, email) {
      const row = await unfinished().where('tenant_id', '=', tenantId).where('email', '=', email).orderBy('id', 'desc').executeTakeFirst();
      return row && toInvitation(row);
    },

    async listUnfinished(tenantId, { limit, after }) {
      let query = unfinished().where('tenant_id', '=', tenantId);
      if (after !== undefined) query = query.where('id', '<', after);
      return (await query.orderBy('id', 'desc').limit(limit).execute()).map(toInvitation);
    },

    async findOpenByTokenHash(tokenHash, now) {
      const row = await unfinished().where('token_hash', '=', tokenHash).where('expires_at', '>', now).executeTakeFirst();
      return row && toInvitation(row);
    },

    async renew(tenantId, id, { tokenHash, sentAt, expiresAt }) {
      return changed(open().set({ token_hash: tokenHash, sent_at: sentAt, expires_at: expiresAt }).where('tenant_id', '=', tenantId).where('id', '=', id));
    },

    async revoke(tenantId, id, now) {
      return changed(open().set({ revoked_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id));
    },

    async accept(tokenHash, now) {
      return changed(open().set({ accepted_at: now }).where('token_hash', '=', tokenHash).where('expires_at', '>', now));
    },

    async acceptById(tenantId, id, now) {
      return changed(open().set({ accepted_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).where('expires_at', '>', now));
    },

    async removeExpired(now, limit) {
      // Accepted and withdrawn ones go too, a month after the link would have expired anyway.
      const old = await db.selectFrom('staff_invitations').select('id').where('expires_at', '<=', now - RETAIN_MS).limit(limit).execute();
      if (old.length === 0) return 0;
      const result = await db.deleteFrom('staff_invitations').where('id', 'in', old.map((row) => row.id)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
