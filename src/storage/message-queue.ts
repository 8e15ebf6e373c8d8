// What the mail and SMS queues share (ADR 0012, 0031): a message is `queued` until it is sent or
// given up; a claim leases the due ones it picks (moves their available_at to the end of the lease
// and counts the attempt) in one short transaction, PostgreSQL skipping rows another dispatcher is
// claiming at that moment (FOR UPDATE SKIP LOCKED), SQLite having one writer anyway; a failed
// attempt either waits for its retry or gives the message up.
import { PostgresAdapter } from 'kysely';
import type { Generated, Kysely, Selectable, UpdateObject } from 'kysely';
import type { Db } from './database.ts';
import { inTransaction } from './database.ts';
import type { Database } from './tables.ts';

type MessageTable = 'mail_messages' | 'sms_messages';

/** The columns of delivery, which every message table has under these names. */
type QueueColumns = { id: string; status: string; attempts: Generated<number>; available_at: number; last_error: string | null; created_at: number };

/** Longer errors (an SMTP server's whole transcript) are cut: the start says what went wrong. */
const MAX_ERROR_LENGTH = 2000;

/**
 * Kysely types a query by its table's name, and a name chosen at run time has no one type: the
 * queue's queries are typed against its delivery columns, which the SQL names the same way.
 */
function queueOf(db: Db, table: MessageTable) {
  return { queue: db as unknown as Kysely<{ queue: QueueColumns }>, name: table as unknown as 'queue' };
}

/** Leases up to `limit` messages of `table` that are due at `now`, for `leaseMs`: oldest first. */
export async function claimQueued<T extends MessageTable>(db: Db, table: T, now: number, limit: number, leaseMs: number): Promise<Selectable<Database[T]>[]> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const rows = await inTransaction(db, async (tx) => {
    const { queue, name } = queueOf(tx, table);
    let due = queue.selectFrom(name).select('id').where('status', '=', 'queued').where('available_at', '<=', now).orderBy('available_at').limit(limit);
    if (postgres) due = due.forUpdate().skipLocked();
    const ids = (await due.execute()).map((row) => row.id);
    if (ids.length === 0) return [];
    // The conditions again: a row another dispatcher leased meanwhile is no longer due, so each
    // message is claimed by one dispatcher even where the select above cannot lock.
    return queue
      .updateTable(name)
      .set((eb) => ({ available_at: now + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .where('status', '=', 'queued')
      .where('available_at', '<=', now)
      .returningAll()
      .execute();
  });
  rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  return rows as unknown as Selectable<Database[T]>[];
}

/**
 * A failed attempt of a queued message: tried again at `retryAt`, or given up (status failed) when
 * it is undefined, with `givenUp`'s changes besides (what of the message goes with it).
 */
export async function failQueued<T extends MessageTable>(db: Db, table: T, id: string, error: string, retryAt: number | undefined, givenUp: UpdateObject<Database, T>): Promise<void> {
  const lastError = error.slice(0, MAX_ERROR_LENGTH);
  const { queue, name } = queueOf(db, table);
  // givenUp names columns of the caller's table, typed there against it.
  const update = retryAt === undefined ? { ...(givenUp as object), status: 'failed', last_error: lastError } : { last_error: lastError, available_at: retryAt };
  await queue.updateTable(name).set(update).where('id', '=', id).where('status', '=', 'queued').execute();
}
