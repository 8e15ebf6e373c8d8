// Applies the ordered migrations. Run at every start and by `foyer migrate`; safe to run concurrently
// (Kysely takes a lock table on both engines) and a no-op when the schema is current.
import { Migrator, PostgresAdapter, sql } from 'kysely';
import type { MigrationResult } from 'kysely';
import type { Db } from './database.ts';
import { migrations } from './migrations/index.ts';

export type MigrationReport = { applied: string[]; current: string | undefined };

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName: 'foyer_migrations',
    migrationLockTableName: 'foyer_migrations_lock',
    // Kysely looks for its tables in every schema unless told which: on a PostgreSQL database
    // shared by several deployments, another schema's tables would be taken for ours.
    ...(await currentSchema(db)),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result: MigrationResult) => result.status === 'Error');
    const detail = error instanceof Error ? error.message : String(error);
    throw new MigrationError(failed ? `migration ${failed.migrationName} failed: ${detail}` : `migrations failed: ${detail}`);
  }
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const all = await migrator.getMigrations();
  const current = all.filter((m) => m.executedAt).at(-1)?.name;
  return { applied, current };
}

async function currentSchema(db: Db): Promise<{ migrationTableSchema?: string }> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return {};
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  return schema ? { migrationTableSchema: schema } : {};
}
