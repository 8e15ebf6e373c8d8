// Idempotency keys of the admin API (IdempotencyStore): one row per caller and key, claimed by an
// insert that the primary key lets only one request win, completed with the sealed answer, and
// deleted by the sweep once expired.
import type { Db } from './database.ts';
import type { IdempotencyStore } from '../domain/admin/idempotency.port.ts';

export function createIdempotencyStore(db: Db): IdempotencyStore {
  return {
    async claim({ credential, key, requestHash, now, expiresAt }) {
      // An expired record the sweep has not reached yet no longer holds the key.
      await db.deleteFrom('idempotency_keys').where('credential', '=', credential).where('key', '=', key).where('expires_at', '<=', now).execute();
      const result = await db
        .insertInto('idempotency_keys')
        .values({ credential, key, request_hash: requestHash, status: null, response: null, created_at: now, expires_at: expiresAt })
        .onConflict((conflict) => conflict.columns(['credential', 'key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async find(credential, key, now) {
      const row = await db
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status', 'response'])
        .where('credential', '=', credential)
        .where('key', '=', key)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && { requestHash: row.request_hash, status: row.status === null ? null : Number(row.status), response: row.response };
    },

    async complete(credential, key, status, response) {
      await db.updateTable('idempotency_keys').set({ status, response }).where('credential', '=', credential).where('key', '=', key).execute();
    },

    async release(credential, key) {
      await db.deleteFrom('idempotency_keys').where('credential', '=', credential).where('key', '=', key).where('status', 'is', null).execute();
    },

    async removeExpired(now, limit) {
      const expired = await db.selectFrom('idempotency_keys').select(['credential', 'key']).where('expires_at', '<=', now).limit(limit).execute();
      if (expired.length === 0) return 0;
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('expires_at', '<=', now)
        .where((eb) => eb.or(expired.map((row) => eb.and([eb('credential', '=', row.credential), eb('key', '=', row.key)]))))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
