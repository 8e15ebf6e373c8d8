// Throttle counters in the database (one node). A reservation holds the keys' rows locked while
// decideReservation (the same decision the Redis script makes) looks at them, so concurrent
// attempts on one key are decided one after the other. On SQLite it is one short transaction
// (BEGIN IMMEDIATE holds the write lock); on PostgreSQL one call of foyer_throttle_reserve
// (migration 0007), the same decision in PL/pgSQL under the upsert's row locks, in one round trip.
import { PostgresAdapter, sql } from 'kysely';
import type { Db } from './database.ts';
import { inTransaction } from './database.ts';
import type { Reservation, ReservationRequest, SweptThrottleStore } from '../domain/flows/throttle.port.ts';
import { ACCOUNT_POLICY, ADDRESS_POLICY, decideReservation } from '../domain/flows/throttle.ts';
import { ENTRY_ADDRESS_KEY_PREFIX, ENTRY_ADDRESS_POLICY } from '../domain/self-service/code-steps.ts';
import { prepareQuery } from './prepared-query.ts';
import type { PreparedQuery } from './prepared-query.ts';

/** No policy's window is longer: a counter untouched for this long can only start afresh. */
const STALE_AFTER_MS = Math.max(ACCOUNT_POLICY.windowMs, ADDRESS_POLICY.windowMs);
/**
 * Except the per-address code counters, whose window is a day: kept that long, and only they (a
 * day of every sign-in address's counter would be a far bigger table).
 */
const LONG_STALE_AFTER_MS = ENTRY_ADDRESS_POLICY.windowMs;
const LONG_KEYS = `${ENTRY_ADDRESS_KEY_PREFIX}%`;

// Every sign-in attempt reserves, and every successful one resets and releases: these statements
// are compiled once (prepared-query.ts). A reservation in a transaction is two statements whatever
// the number of keys: one to lock and read the counters, one to write them.

type CounterStatements = {
  lock: PreparedQuery<Record<string, string | number>, { key: string; count: number; window_start: number; last_at: number }>;
  write: PreparedQuery<Record<string, string | number>, unknown>;
};

/** The statements of a reservation over `size` distinct keys (two for a sign-in), compiled on first use. */
const counterStatements = new Map<number, CounterStatements>();

function statementsFor(size: number): CounterStatements {
  let statements = counterStatements.get(size);
  if (!statements) {
    const indexes = [...Array(size).keys()];
    statements = {
      // Creates the counters that are missing and reads them all back in one statement; the no-op
      // update locks the rows on PostgreSQL until commit (in the order of the values, which is the
      // keys' order), so a concurrent attempt on any of them waits for this decision.
      lock: prepareQuery((db, $: Record<string, string | number>) =>
        db
          .insertInto('throttle_counters')
          .values(indexes.map((index) => ({ key: $[`key${index}`] as string, count: 0, window_start: $['now'] as number, last_at: $['now'] as number })))
          .onConflict((conflict) => conflict.column('key').doUpdateSet({ key: (eb) => eb.ref('excluded.key') }))
          .returning(['key', 'count', 'window_start', 'last_at']),
      ),
      // Every row exists (the lock made it): the upsert only ever updates, all keys in one statement.
      write: prepareQuery((db, $: Record<string, string | number>) =>
        db
          .insertInto('throttle_counters')
          .values(
            indexes.map((index) => ({
              key: $[`key${index}`] as string,
              count: $[`count${index}`] as number,
              window_start: $[`windowStart${index}`] as number,
              last_at: $[`lastAt${index}`] as number,
            })),
          )
          .onConflict((conflict) =>
            conflict.column('key').doUpdateSet((eb) => ({
              count: eb.ref('excluded.count'),
              window_start: eb.ref('excluded.window_start'),
              last_at: eb.ref('excluded.last_at'),
            })),
          ),
      ),
    };
    counterStatements.set(size, statements);
  }
  return statements;
}

const releaseOne = prepareQuery((db, $: { key: string }) =>
  db
    .updateTable('throttle_counters')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', $.key)
    .where('count', '>', 0),
);

const deleteCounter = prepareQuery((db, $: { key: string }) => db.deleteFrom('throttle_counters').where('key', '=', $.key));

/** PostgreSQL: one reservation over distinct keys in one round trip (migration 0007). */
const reserveInFunction = prepareQuery((db, $: { keys: string[]; windows: number[]; frees: number[]; maxDelays: number[]; now: number }) =>
  db.selectNoFrom(sql<string>`foyer_throttle_reserve(${$.keys}::text[], ${$.windows}::bigint[], ${$.frees}::integer[], ${$.maxDelays}::bigint[], ${$.now}::bigint)`.as('wait')),
);

/** PostgreSQL: a reset and a release in one statement (two different rows). */
const resetAndReleaseOne = prepareQuery((db, $: { reset: string; release: string }) =>
  db
    .with('forgotten', (db) => db.deleteFrom('throttle_counters').where('key', '=', $.reset))
    .updateTable('throttle_counters')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', $.release)
    .where('count', '>', 0),
);

export function createSqlThrottleStore(db: Db): SweptThrottleStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  async function reserveAll(requests: readonly ReservationRequest[], now: number): Promise<Reservation> {
    if (requests.length === 0) return { allowed: true };
    // Keys in one order, so two transactions never lock the same rows in opposite orders.
    const ordered = [...requests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // One row per distinct key (PostgreSQL refuses to upsert a row twice in one statement).
    const keys = [...new Set(ordered.map(({ key }) => key))];
    if (postgres && keys.length === ordered.length) {
      const { rows } = await reserveInFunction.execute(db, {
        keys,
        windows: ordered.map(({ policy }) => policy.windowMs),
        frees: ordered.map(({ policy }) => policy.freeAttempts),
        maxDelays: ordered.map(({ policy }) => policy.maxDelayMs),
        now,
      });
      // bigint arrives as a string from the driver.
      const wait = Number(rows[0]?.wait);
      if (!Number.isSafeInteger(wait) || wait < 0) throw new Error(`foyer_throttle_reserve answered ${String(rows[0]?.wait)}`);
      return wait === 0 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
    }
    const statements = statementsFor(keys.length);
    const decide = async (tx: Db): Promise<Reservation> => {
      const lockValues: Record<string, string | number> = { now };
      keys.forEach((key, index) => (lockValues[`key${index}`] = key));
      const stored = new Map((await statements.lock.execute(tx, lockValues)).rows.map((row) => [row.key, row]));
      const decisions = ordered.map(({ key, policy }) => {
        const row = stored.get(key);
        if (!row) throw new Error(`the throttle counter ${key} came back empty`);
        return { key, decision: decideReservation({ count: row.count, windowStart: row.window_start, lastAt: row.last_at }, now, policy) };
      });
      const waits = decisions.flatMap(({ decision }) => (decision.allowed ? [] : [decision.retryAfterMs]));
      if (waits.length > 0) return { allowed: false, retryAfterMs: Math.max(...waits) };
      // Every decision allowed here; for a key named twice, the later decision is the one written.
      const next = new Map(decisions.map(({ key, decision }) => [key, decision.allowed ? decision.next : undefined]));
      const writeValues: Record<string, string | number> = {};
      keys.forEach((key, index) => {
        const counter = next.get(key)!;
        writeValues[`key${index}`] = key;
        writeValues[`count${index}`] = counter.count;
        writeValues[`windowStart${index}`] = counter.windowStart;
        writeValues[`lastAt${index}`] = counter.lastAt;
      });
      await statements.write.execute(tx, writeValues);
      return { allowed: true };
    };
    return inTransaction(db, decide);
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

    async resetAndRelease(resetKey, releaseKey) {
      // A key reset is gone: there is nothing left to give back to it.
      if (resetKey === releaseKey) return void (await deleteCounter.execute(db, { key: resetKey }));
      if (postgres) return void (await resetAndReleaseOne.execute(db, { reset: resetKey, release: releaseKey }));
      // SQLite: two statements, one commit.
      const both = async (tx: Db) => {
        await deleteCounter.execute(tx, { key: resetKey });
        await releaseOne.execute(tx, { key: releaseKey });
      };
      await inTransaction(db, both);
    },

    async removeExpired(now, limit) {
      const stale = db
        .selectFrom('throttle_counters')
        .select('key')
        .where((eb) => eb.or([eb.and([eb('window_start', '<=', now - STALE_AFTER_MS), eb('key', 'not like', LONG_KEYS)]), eb('window_start', '<=', now - LONG_STALE_AFTER_MS)]))
        .limit(limit);
      const result = await db.deleteFrom('throttle_counters').where('key', 'in', stale).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
