// Throttle counters in the database (one node). A reservation is one short transaction holding the
// key's row locked while decideReservation (the same decision the Redis script makes) looks at it,
// so concurrent attempts on one key are decided one after the other.
import { PostgresAdapter } from 'kysely';
import type { Db } from './database.ts';
import type { ThrottleStore } from '../domain/flows/throttle.port.ts';
import { decideReservation } from '../domain/flows/throttle.ts';

export function createSqlThrottleStore(db: Db): ThrottleStore {
  // PostgreSQL needs `for update` to lock the row. SQLite has no such clause (Kysely would emit it
  // anyway): there our dialect opens transactions with BEGIN IMMEDIATE, which holds the write lock.
  const lockRows = db.getExecutor().adapter instanceof PostgresAdapter;

  return {
    async reserve(key, now, policy) {
      const decide = async (tx: Db) => {
        // An empty row to lock: a concurrent first attempt waits here for ours instead of racing it.
        await tx
          .insertInto('throttle_counters')
          .values({ key, count: 0, window_start: now, last_at: now })
          .onConflict((conflict) => conflict.column('key').doNothing())
          .execute();
        const select = tx.selectFrom('throttle_counters').select(['count', 'window_start', 'last_at']).where('key', '=', key);
        const row = await (lockRows ? select.forUpdate() : select).executeTakeFirstOrThrow();
        const decision = decideReservation({ count: row.count, windowStart: row.window_start, lastAt: row.last_at }, now, policy);
        if (!decision.allowed) return { allowed: false, retryAfterMs: decision.retryAfterMs } as const;
        const { count, windowStart, lastAt } = decision.next;
        await tx.updateTable('throttle_counters').set({ count, window_start: windowStart, last_at: lastAt }).where('key', '=', key).execute();
        return { allowed: true } as const;
      };
      return db.isTransaction ? decide(db) : db.transaction().execute(decide);
    },

    async release(key) {
      // One statement, so it is atomic on its own; a counter already at zero stays there.
      await db
        .updateTable('throttle_counters')
        .set((eb) => ({ count: eb('count', '-', 1) }))
        .where('key', '=', key)
        .where('count', '>', 0)
        .execute();
    },

    async peek(key, now, windowMs) {
      const row = await db.selectFrom('throttle_counters').select(['count', 'last_at', 'window_start']).where('key', '=', key).executeTakeFirst();
      if (!row || row.window_start < now - windowMs) return { count: 0, lastAt: 0 };
      return { count: row.count, lastAt: row.last_at };
    },

    async reset(key) {
      await db.deleteFrom('throttle_counters').where('key', '=', key).execute();
    },
  };
}
