import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { MigrationError, migrateToLatest } from '../../src/storage/migrate.ts';
import { migrations } from '../../src/storage/migrations/index.ts';

const TABLES = [
  'tenants', 'identities', 'identity_addresses', 'credentials', 'credential_identifiers', 'browser_sessions',
  'flows', 'oidc_artifacts', 'applications', 'signing_keys', 'audit_events', 'outbox_events', 'mail_messages', 'identity_trait_values',
];

/** Tables and columns of the suite's own schema only (catalogue-wide introspection races with parallel suites dropping theirs). */
async function columnsOf(database: TestDatabase): Promise<{ table: string; column: string; nullable: boolean }[]> {
  const { db } = database.handle;
  if (database.engine === 'sqlite') {
    const { rows } = await sql<{ table: string; column: string; notnull: number }>`
      select m.name as "table", p.name as "column", p."notnull" as "notnull"
      from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table'`.execute(db);
    return rows.map((row) => ({ table: row.table, column: row.column, nullable: row.notnull === 0 }));
  }
  const { rows } = await sql<{ table: string; column: string; nullable: string }>`
    select table_name as "table", column_name as "column", is_nullable as "nullable"
    from information_schema.columns where table_schema = current_schema()`.execute(db);
  return rows.map((row) => ({ table: row.table, column: row.column, nullable: row.nullable === 'YES' }));
}

describeEachEngine('migrations', (current) => {
  test('create every table of the first schema', async () => {
    const names = new Set((await columnsOf(current())).map((c) => c.table));
    for (const table of TABLES) assert.ok(names.has(table), `missing table ${table}`);
  });

  test('every tenant-owned table carries tenant_id', async () => {
    const columns = await columnsOf(current());
    for (const table of TABLES.filter((name) => name !== 'tenants')) {
      assert.ok(columns.some((c) => c.table === table && c.column === 'tenant_id' && !c.nullable), `${table} lacks a non-null tenant_id`);
    }
  });

  test('running them again is a no-op, also when two run at once', async () => {
    const reports = await Promise.all([migrateToLatest(current().handle.db), migrateToLatest(current().handle.db)]);
    for (const report of reports) {
      assert.deepEqual(report.applied, []);
      assert.equal(report.current, Object.keys(migrations).at(-1));
    }
  });

  test('the lookups the code makes are indexed', async () => {
    const { db } = current().handle;
    const indexes =
      current().engine === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(db)).rows
        : (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`.execute(db)).rows;
    const names = new Set(indexes.map((i) => i.name));
    for (const index of [
      'identity_addresses_unique_value', 'credential_identifiers_unique', 'oidc_artifacts_uid', 'oidc_artifacts_user_code',
      'oidc_artifacts_grant', 'browser_sessions_identity', 'audit_events_tenant_time', 'outbox_events_pending', 'outbox_events_published', 'mail_messages_due', 'idempotency_keys_expiry', 'admin_setup_links_expiry',
      'audit_events_action', 'mail_messages_tenant_status',
      'identity_trait_values_search', 'identities_tenant_status',
    ]) {
      assert.ok(names.has(index), `missing index ${index}`);
    }
  });

  test('refuse a database migrated by a newer Foyer, changing nothing', async () => {
    const { db } = current().handle;
    await sql`insert into foyer_migrations (name, executed_at) values ('9999-from-the-future', 1)`.execute(db);
    try {
      await assert.rejects(migrateToLatest(db), (error: unknown) => error instanceof MigrationError && /migrated by a newer Foyer.*9999-from-the-future/.test(error.message));
    } finally {
      await sql`delete from foyer_migrations where name = '9999-from-the-future'`.execute(db);
    }
    assert.deepEqual((await migrateToLatest(db)).applied, []);
  });
});
