// First-run setup links (SetupLinkStore), by the hash of their token: consumed by one conditional
// update, so two submissions of the same link cannot both create an owner.
import type { Db } from './database.ts';
import type { SetupLinkStore } from '../domain/admin/setup-link.port.ts';

export function createSetupLinkStore(db: Db): SetupLinkStore {
  return {
    async insert({ tokenHash, createdAt, expiresAt }) {
      await db.insertInto('admin_setup_links').values({ token_hash: tokenHash, created_at: createdAt, expires_at: expiresAt, used_at: null }).execute();
    },

    async revokeUnused(now) {
      await db.updateTable('admin_setup_links').set({ expires_at: now }).where('used_at', 'is', null).where('expires_at', '>', now).execute();
    },

    async isUsable(tokenHash, now) {
      const row = await db.selectFrom('admin_setup_links').select('token_hash').where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      return row !== undefined;
    },

    async consume(tokenHash, now) {
      const result = await db
        .updateTable('admin_setup_links')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async removeExpired(now, limit) {
      const expired = await db.selectFrom('admin_setup_links').select('token_hash').where('expires_at', '<=', now).limit(limit).execute();
      if (expired.length === 0) return 0;
      const result = await db.deleteFrom('admin_setup_links').where('token_hash', 'in', expired.map((row) => row.token_hash)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
