// Kysely over Node's built-in node:sqlite, so the embedded default needs no native module.
// Kysely's own SQLite driver expects better-sqlite3's statement shape; this adapts node:sqlite to it,
// caches prepared statements (Kysely prepares every query anew), and opens write transactions with
// BEGIN IMMEDIATE so that a second process (the CLI beside the server) waits on the busy timeout
// instead of failing on a lock upgrade.
import { DatabaseSync } from 'node:sqlite';
import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDatabase, SqliteStatement } from 'kysely';

const STATEMENT_CACHE_SIZE = 256;
const BUSY_TIMEOUT_MS = 5_000;

/**
 * WAL: readers never block the writer. synchronous=NORMAL (the default): a committed transaction
 * survives any crash of the process, but the last ones before a power loss or OS crash may be
 * lost, and no commit waits for fsync on the event loop; FULL also survives power loss, at about
 * ten times the cost of each commit.
 */
export function openSqliteFile(file: string, synchronous: 'normal' | 'full' = 'normal'): DatabaseSync {
  const database = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
  database.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'};`);
  return database;
}

class NodeSqliteDatabase implements SqliteDatabase {
  readonly #database: DatabaseSync;
  /** Adapted statements by SQL text, least recently used first; each is prepared (and inspected) once. */
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql);
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.#database.prepare(sql);
    const adapted: SqliteStatement = {
      reader: statement.columns().length > 0,
      all: (parameters) => statement.all(...(parameters as SqliteValue[])),
      run: (parameters) => statement.run(...(parameters as SqliteValue[])),
      iterate: (parameters) => statement.iterate(...(parameters as SqliteValue[])),
    };
    this.#statements.set(sql, adapted);
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      this.#statements.delete(this.#statements.keys().next().value!);
    }
    return adapted;
  }

  close(): void {
    this.#statements.clear();
    if (this.#database.isOpen) this.#database.close();
  }
}

type SqliteValue = null | number | bigint | string | NodeJS.ArrayBufferView;

class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class NodeSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;

  constructor(database: DatabaseSync) {
    const adapted = new NodeSqliteDatabase(database);
    super({ database: adapted });
    this.#database = adapted;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver({ database: this.#database });
  }
}
