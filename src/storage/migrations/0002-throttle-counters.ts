// Counters for throttling (failed sign-ins per account and per address). On one node they live
// here; with REDIS_URL they live in Redis instead, shared by every node.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema
    .createTable('throttle_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_start', time, (c) => c.notNull())
    .addColumn('last_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('throttle_counters_window').on('throttle_counters').column('window_start').execute();
}
