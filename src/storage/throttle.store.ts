// Throttle counters in the database (one node). Upsert keeps each hit to one statement.
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { ThrottleStore } from '../domain/flows/throttle.port.ts';

export function createSqlThrottleStore(db: Db): ThrottleStore {
  return {
    async hit(key, now, windowMs) {
      const windowFloor = now - windowMs;
      const row = await db
        .insertInto('throttle_counters')
        .values({ key, count: 1, window_start: now, last_at: now })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            // An expired window restarts at one; a live one counts on.
            count: sql<number>`case when throttle_counters.window_start < ${windowFloor} then 1 else throttle_counters.count + 1 end`,
            window_start: sql<number>`case when throttle_counters.window_start < ${windowFloor} then ${now} else throttle_counters.window_start end`,
            last_at: now,
          }),
        )
        .returning(['count', 'last_at'])
        .executeTakeFirstOrThrow();
      return { count: row.count, lastAt: row.last_at };
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
