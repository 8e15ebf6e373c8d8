// Outbox events delivered (or given up) are kept for a retention period, then pruned by the
// expired-rows sweep. The lease of a claim needs no column of its own: like the mail queue, a
// claim moves available_at to the end of the lease, which the pending index already covers. What
// pruning needs is to find old published rows without reading the pending ones: a partial index
// on published_at (SQLite and PostgreSQL both have partial indexes).
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('outbox_events_published')
    .on('outbox_events')
    .column('published_at')
    .where(sql.ref('published_at'), 'is not', null)
    .execute();
}
