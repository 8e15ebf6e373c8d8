// Opens the configured engine and hands back one typed Kysely instance for all stores.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, sql } from 'kysely';
import type { KyselyConfig } from 'kysely';
import type { DatabaseConfig } from '../config/schema.ts';
import { redactUrl } from '../config/redact.ts';
import type { Database } from './tables.ts';
import { NodeSqliteDialect, openSqliteFile } from './sqlite-dialect.ts';
import { createPostgresDialect, createPostgresPool } from './postgres-dialect.ts';

export type Engine = DatabaseConfig['engine'];
export type Db = Kysely<Database>;

/** Runs `work` in the caller's transaction when `db` is one, else in a transaction of its own. */
export function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export type DatabaseHandle = {
  readonly db: Db;
  readonly engine: Engine;
  /** Runs a trivial query; throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/** Thrown when the database cannot be opened or reached; the message is safe to show (no password). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** What a caller may watch: every statement as the driver receives it (tests read query plans with it). */
export type DatabaseOptions = { readonly onQuery?: (sql: string, parameters: readonly unknown[]) => void };

export async function openDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  const log = logOf(options);
  const handle = config.engine === 'sqlite' ? openSqlite(config.file, config.synchronous, log) : openPostgres(config.url, config.poolMax, log);
  try {
    await handle.ping();
  } catch (error) {
    await handle.close().catch(() => {});
    const target = config.engine === 'sqlite' ? config.file : redactUrl(config.url);
    throw new DatabaseUnavailableError(`cannot reach ${target}: ${describeConnectionError(error)}`);
  }
  return handle;
}

/**
 * For a process that writes in bulk, the import: SQLite keeps up to 128 MiB of the database in its
 * page cache (2 MiB by default, so every batch read back from the file the index pages it had just
 * written) and lets its write-ahead log grow to 64 MiB before copying it into the database (4 MiB
 * by default), so a page written by many batches is copied once. Measured: 50,000 customers into a
 * database already holding 550,000, 31 s by default, 25 s so, a third less system time. Bounded
 * memory still; PostgreSQL needs nothing of the kind.
 */
export async function tuneForBulkWrites(handle: DatabaseHandle): Promise<void> {
  if (handle.engine !== 'sqlite') return;
  await sql`pragma cache_size = -131072`.execute(handle.db);
  await sql`pragma wal_autocheckpoint = 16384`.execute(handle.db);
}

/** Kysely's log hook for `onQuery`; none at all without it, so the default path pays nothing. */
function logOf({ onQuery }: DatabaseOptions): KyselyConfig['log'] {
  if (!onQuery) return undefined;
  return (event) => {
    if (event.level === 'query') onQuery(event.query.sql, event.query.parameters);
  };
}

function openSqlite(file: string, synchronous: 'normal' | 'full' | undefined, log: KyselyConfig['log']): DatabaseHandle {
  let database;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    database = openSqliteFile(file, synchronous);
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot open the SQLite database ${file}: ${(error as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect(database), ...(log ? { log } : {}) });
  return {
    db,
    engine: 'sqlite',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, poolMax: number, log: KyselyConfig['log']): DatabaseHandle {
  const pool = createPostgresPool({ url, poolMax });
  const db = new Kysely<Database>({ dialect: createPostgresDialect(pool), ...(log ? { log } : {}) });
  return {
    db,
    engine: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

function describeConnectionError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (message && (!code || message.includes(code))) return message;
  return [code, message].filter(Boolean).join(': ') || String(error);
}
