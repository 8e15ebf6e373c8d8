// The database each bench run measures on, fresh every time and removed afterwards: a SQLite file in
// a temporary DATA_DIR, or a `foyer_bench` database on the PostgreSQL server of BENCH_DATABASE_URL
// (created and dropped over the protocol with `pg`, so no psql is needed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config/schema.ts';
import type { Engine } from '../src/storage/database.ts';
import { redactUrl } from '../src/config/redact.ts';

export const BENCH_DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/foyer_bench';

export type BenchDatabase = {
  readonly engine: Engine;
  readonly config: DatabaseConfig;
  /** The server's DATA_DIR (also where its SQLite file lives). */
  readonly dataDir: string;
  /** What the server process needs to open the same database. */
  readonly env: { readonly DATABASE_URL: string };
  dispose(): Promise<void>;
};

export function createSqliteBenchDatabase(): BenchDatabase {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'foyer-bench-'));
  const file = path.join(dataDir, 'foyer.db');
  return {
    engine: 'sqlite',
    config: { engine: 'sqlite', file },
    dataDir,
    env: { DATABASE_URL: `sqlite:${file}` },
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh `foyer_bench` database, or why PostgreSQL cannot be used (then the engine is skipped). */
export async function createPostgresBenchDatabase(): Promise<BenchDatabase | { unavailable: string }> {
  const url = new URL(BENCH_DATABASE_URL);
  const name = url.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) return { unavailable: `BENCH_DATABASE_URL names the database "${name}": use lower-case letters, digits and _` };
  const admin = new URL(url);
  admin.pathname = '/postgres';
  try {
    // A run that was interrupted leaves its database behind: start from nothing every time.
    await execute(admin, `drop database if exists "${name}" with (force)`);
    await execute(admin, `create database "${name}"`);
  } catch (error) {
    return { unavailable: `PostgreSQL unreachable at ${redactUrl(url.href)}: ${(error as Error).message}` };
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'foyer-bench-'));
  return {
    engine: 'postgres',
    // The pool of the seeding connection only; the server uses its own DATABASE_POOL_MAX.
    config: { engine: 'postgres', url: url.href, poolMax: 5 },
    dataDir,
    env: { DATABASE_URL: url.href },
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
      await execute(admin, `drop database if exists "${name}" with (force)`);
    },
  };
}

async function execute(url: URL, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url.href, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
