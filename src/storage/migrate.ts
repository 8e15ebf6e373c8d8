// Applies the ordered migrations. Run at every start and by `foyer migrate`; safe to run concurrently
// (Kysely takes a lock table on both engines) and a no-op when the schema is current.
import { Migrator } from 'kysely';
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
