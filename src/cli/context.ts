// Opens what a command needs from the same configuration as the server, and closes it afterwards.
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { openDatabase, tuneForBulkWrites } from '../storage/database.ts';
import type { DatabaseHandle } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import type { MigrationReport } from '../storage/migrate.ts';
import { createStores, createTransaction } from '../storage/stores.ts';
import type { Stores, Transaction } from '../domain/unit-of-work.ts';
import type { CliIo } from './io.ts';

export type CliContext = {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly stores: Stores;
  readonly transaction: Transaction;
  readonly migration: MigrationReport;
  /** For a command that writes in bulk (the import): see tuneForBulkWrites. */
  readonly tuneForBulkWrites: () => Promise<void>;
};

/** Commands bring the schema up to date first, as the server does at start. */
export async function withContext<T>(io: CliIo, work: (context: CliContext) => Promise<T>): Promise<T> {
  const { config, warnings } = loadConfig(io.env);
  for (const warning of warnings) io.stderr.write(`foyer: ${warning}\n`);
  const database = await openDatabase(config.database);
  try {
    const migration = await migrateToLatest(database.db);
    return await work({ config, database, stores: createStores(database.db), transaction: createTransaction(database.db), migration, tuneForBulkWrites: () => tuneForBulkWrites(database) });
  } finally {
    await database.close();
  }
}
