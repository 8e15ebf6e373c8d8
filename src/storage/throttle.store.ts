// Throttle counters in the database (one node). A reservation is one short transaction holding the
// keys' rows locked (PostgreSQL: the upsert's row lock; SQLite: BEGIN IMMEDIATE holds the write
// lock) while decideReservation (the same decision the Redis script makes) looks at them, so
// concurrent attempts on one key are decided one after the other.
import type { Db } from './database.ts';
import type { Reservation, ReservationRequest, ThrottleStore } from '../domain/flows/throttle.port.ts';
import { ACCOUNT_POLICY, ADDRESS_POLICY, decideReservation } from '../domain/flows/throttle.ts';
import type { Sweepable } from '../infra/jobs/expired-rows.job.ts';
import { prepareQuery } from './prepared-query.ts';

/** No policy's window is longer: a counter untouched for this long can only start afresh. */
const STALE_AFTER_MS = Math.max(ACCOUNT_POLICY.windowMs, ADDRESS_POLICY.windowMs);

// Every sign-in attempt reserves, and every successful one resets and releases: these statements
// are compiled once (prepared-query.ts).

/**
 * Creates the counter if missing and reads it back in one statement; the no-op update locks the
 * row on PostgreSQL until commit, so a concurrent attempt waits for this decision.
 */
const lockCounter = prepareQuery((db, $: { key: string; now: number }) =>
  db
    .insertInto('throttle_counters')
    .values({ key: $.key, count: 0, window_start: $.now, last_at: $.now })
    .onConflict((conflict) => conflict.column('key').doUpdateSet({ key: (eb) => eb.ref('excluded.key') }))
    .returning(['count', 'window_start', 'last_at']),
);

const writeCounter = prepareQuery((db, $: { key: string; count: number; windowStart: number; lastAt: number }) =>
  db.updateTable('throttle_counters').set({ count: $.count, window_start: $.windowStart, last_at: $.lastAt }).where('key', '=', $.key),
);

const releaseOne = prepareQuery((db, $: { key: string }) =>
  db
    .updateTable('throttle_counters')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', $.key)
    .where('count', '>', 0),
);

const deleteCounter = prepareQuery((db, $: { key: string }) => db.deleteFrom('throttle_counters').where('key', '=', $.key));

export function createSqlThrottleStore(db: Db): ThrottleStore & Sweepable {
  async function reserveAll(requests: readonly ReservationRequest[], now: number): Promise<Reservation> {
    // Keys in one order, so two transactions never lock the same rows in opposite orders.
    const ordered = [...requests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const decide = async (tx: Db): Promise<Reservation> => {
      const decisions = [];
      for (const { key, policy } of ordered) {
        const [row] = (await lockCounter.execute(tx, { key, now })).rows;
        if (!row) throw new Error(`the throttle counter ${key} came back empty`);
        decisions.push({ key, decision: decideReservation({ count: row.count, windowStart: row.window_start, lastAt: row.last_at }, now, policy) });
      }
      const waits = decisions.flatMap(({ decision }) => (decision.allowed ? [] : [decision.retryAfterMs]));
      if (waits.length > 0) return { allowed: false, retryAfterMs: Math.max(...waits) };
      for (const { key, decision } of decisions) {
        if (!decision.allowed) continue;
        const { count, windowStart, lastAt } = decision.next;
        await writeCounter.execute(tx, { key, count, windowStart, lastAt });
      }
      return { allowed: true };
    };
    return db.isTransaction ? decide(db) : db.transaction().execute(decide);
  }

  return {
    reserve: (key, now, policy) => reserveAll([{ key, policy }], now),
    reserveAll,

    async release(key) {
      // One statement, so it is atomic on its own; a counter already at zero stays there.
      await releaseOne.execute(db, { key });
    },

    async peek(key, now, windowMs) {
      const row = await db.selectFrom('throttle_counters').select(['count', 'last_at', 'window_start']).where('key', '=', key).executeTakeFirst();
      if (!row || row.window_start < now - windowMs) return { count: 0, lastAt: 0 };
      return { count: row.count, lastAt: row.last_at };
    },

    async reset(key) {
      await deleteCounter.execute(db, { key });
    },

    async removeExpired(now, limit) {
      const stale = db.selectFrom('throttle_counters').select('key').where('window_start', '<=', now - STALE_AFTER_MS).limit(limit);
      const result = await db.deleteFrom('throttle_counters').where('key', 'in', stale).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
