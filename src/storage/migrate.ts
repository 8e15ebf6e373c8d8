// Applies the ordered migrations, forward only, in one transaction: either the schema reaches the
// latest version or nothing changes. Run at every start and by `foyer migrate`; concurrent runs
// (several nodes starting at once, the CLI beside a server) serialise on a lock and the later ones
// find nothing to do. Looks only at its own table: no introspection of the whole database.
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Db } from './database.ts';
import { migrations } from './migrations/index.ts';

export type MigrationReport = { applied: string[]; current: string | undefined };

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  const names = Object.keys(migrations).sort();
  let running: string | undefined;
  try {
    return await db.transaction().execute(async (tx) => {
      await lockMigrations(tx);
      await sql`create table if not exists foyer_migrations (name text primary key, executed_at bigint not null)`.execute(tx);
      const { rows } = await sql<{ name: string }>`select name from foyer_migrations`.execute(tx);
      const done = new Set(rows.map((row) => row.name));
      const unknown = [...done].filter((name) => !(name in migrations));
      if (unknown.length > 0) {
        throw new MigrationError(
          `the database was migrated by a newer Foyer (it has ${unknown.join(', ')}); run that version or restore a matching backup`,
        );
      }
      const applied: string[] = [];
      for (const name of names.filter((n) => !done.has(n))) {
        running = name;
        await migrations[name]!.up(tx as unknown as Kysely<unknown>);
        await sql`insert into foyer_migrations (name, executed_at) values (${name}, ${Date.now()})`.execute(tx);
        applied.push(name);
      }
      return { applied, current: names.at(-1) };
    });
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new MigrationError(running ? `migration ${running} failed: ${detail}` : `cannot read the migration state: ${detail}`);
  }
}

/**
 * PostgreSQL: a transaction-scoped advisory lock, per schema so that deployments sharing a database
 * do not wait for each other. SQLite: the transaction itself began IMMEDIATE, which already holds
 * the database's write lock.
 */
async function lockMigrations(tx: Db): Promise<void> {
  if (!(tx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`select pg_advisory_xact_lock(hashtext('foyer_migrations:' || current_schema()))`.execute(tx);
}
