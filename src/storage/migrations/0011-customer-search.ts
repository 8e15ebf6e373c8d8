// What the admin API's customer search reads (ADR 0023). A table of every identity's searchable
// trait values (domain/identity/trait-index.ts), filled here from the identities that exist, so
// that an email, a trait's value, a name's first letters or an identifier are one index range
// that also holds each match's creation time and id, on both engines (on PostgreSQL with
// text_pattern_ops, which serves `LIKE 'prefix%'` whatever the database's collation; SQLite
// compares text by code point, so a plain index serves a prefix range); and an index per status for
// "the blocked ones, newest first". The last sign-in is read from the audit log's index by target
// (migration 0001): nothing to add.
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';
import { searchableTraits } from '../../domain/identity/trait-index.ts';

const BACKFILL_BATCH = 1000;

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .createTable('identity_trait_values')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('identity_created_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_trait_values_pk', ['identity_id', 'name'])
    .execute();
  await backfill(db);

  if (postgres) {
    await sql`create index identity_trait_values_search on identity_trait_values (tenant_id, name, value text_pattern_ops, identity_created_at, identity_id)`.execute(db);
  } else {
    await db.schema.createIndex('identity_trait_values_search').on('identity_trait_values').columns(['tenant_id', 'name', 'value', 'identity_created_at', 'identity_id']).execute();
  }
  await db.schema.createIndex('identities_tenant_status').on('identities').columns(['tenant_id', 'status', 'created_at', 'id']).execute();
}

/** The values of the identities that exist, computed by the same function the store writes with. */
async function backfill(db: Kysely<unknown>): Promise<void> {
  const table = db as unknown as Kysely<{ identities: { id: string; tenant_id: string; traits: unknown; created_at: number }; identity_trait_values: { tenant_id: string; identity_id: string; name: string; value: string; identity_created_at: number } }>;
  let after = '';
  for (;;) {
    const rows = await table.selectFrom('identities').select(['id', 'tenant_id', 'traits', 'created_at']).where('id', '>', after).orderBy('id').limit(BACKFILL_BATCH).execute();
    const values = rows.flatMap((row) => {
      const traits = (typeof row.traits === 'string' ? JSON.parse(row.traits) : row.traits) as Record<string, unknown>;
      return searchableTraits(traits).map(({ name, value }) => ({ tenant_id: row.tenant_id, identity_id: row.id, name, value, identity_created_at: Number(row.created_at) }));
    });
    if (values.length > 0) await table.insertInto('identity_trait_values').values(values).execute();
    if (rows.length < BACKFILL_BATCH) return;
    after = rows.at(-1)!.id;
  }
}
