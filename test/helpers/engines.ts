// Runs a suite against every storage engine. SQLite gets a fresh file; PostgreSQL a fresh schema in
// the test database (TEST_DATABASE_URL), dropped afterwards, so test files can run in parallel.
// Without a reachable PostgreSQL the PostgreSQL half is skipped with a message, except under
// CI=true, where it must run and an unreachable server fails the suite.
import { after, before, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../src/storage/database.ts';
import type { DatabaseHandle, Engine } from '../../src/storage/database.ts';
import type { DatabaseConfig } from '../../src/config/schema.ts';
import { migrateToLatest } from '../../src/storage/migrate.ts';

export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/foyer_test';
const REQUIRED = process.env['CI'] === 'true';

/** A fresh, migrated database of one engine, and how to reopen and dispose of it. */
export type TestDatabase = {
  readonly engine: Engine;
  readonly config: DatabaseConfig;
  /** Extra environment a child process needs to open the same database (DATABASE_URL). */
  readonly env: Record<string, string>;
  readonly schema: string | undefined;
  readonly handle: DatabaseHandle;
  /** Opens another handle on the same database (to check what a killed process left behind). */
  reopen(): Promise<DatabaseHandle>;
  dispose(): Promise<void>;
};

let postgresProbe: Promise<string | undefined> | undefined;

/** Resolves to undefined when PostgreSQL is usable, or to why it is not. Creates the test database if missing. */
export function probePostgres(): Promise<string | undefined> {
  postgresProbe ??= (async () => {
    const url = new URL(TEST_DATABASE_URL);
    try {
      await query(url, 'select 1');
      return undefined;
    } catch (error) {
      if ((error as { code?: string }).code !== '3D000') return (error as Error).message;
    }
    try {
      const admin = new URL(url);
      admin.pathname = '/postgres';
      await query(admin, `create database "${url.pathname.slice(1)}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a parallel test file
      });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  })();
  return postgresProbe;
}

async function query(url: URL, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url.href, connectionTimeoutMillis: 15_000 }); // generous: a busy machine is slow to connect, and a wrongly skipped engine hides failures
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The server under test may have closed the handle already. */
async function closeQuietly(handle: DatabaseHandle): Promise<void> {
  await handle.close().catch(() => {});
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'foyer-test-'));
    const file = path.join(dir, 'foyer.db');
    const config: DatabaseConfig = { engine: 'sqlite', file };
    const handle = await openDatabase(config);
    await migrateToLatest(handle.db);
    return {
      engine,
      config,
      env: { DATABASE_URL: `sqlite:${file}` },
      schema: undefined,
      handle,
      reopen: () => openDatabase(config),
      async dispose() {
        await closeQuietly(handle);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const url = new URL(TEST_DATABASE_URL);
  await query(url, `create schema "${schema}"`);
  // The schema travels in the URL (libpq's `options`), so a child process lands in it too.
  url.searchParams.set('options', `-c search_path=${schema}`);
  const config: DatabaseConfig = { engine: 'postgres', url: url.href, poolMax: 5 };
  const handle = await openDatabase(config);
  await migrateToLatest(handle.db);
  return {
    engine,
    config,
    env: { DATABASE_URL: url.href },
    schema,
    handle,
    reopen: () => openDatabase(config),
    async dispose() {
      await closeQuietly(handle);
      await query(new URL(TEST_DATABASE_URL), `drop schema "${schema}" cascade`);
    },
  };
}

// Probed once per test process, before any suite is declared: node:test only collects tests that
// a `describe` declares synchronously.
const postgresUnavailable = await probePostgres();
if (postgresUnavailable && REQUIRED) {
  throw new Error(`PostgreSQL is required under CI=true but unreachable at ${TEST_DATABASE_URL}: ${postgresUnavailable}`);
}

/**
 * Declares `suite` once per engine. The suite reads `current()` inside its tests to get the
 * engine's database, which is created before its first test and disposed of after its last.
 */
export function describeEachEngine(name: string, suite: (current: () => TestDatabase) => void): void {
  for (const engine of ['sqlite', 'postgres'] as const) {
    if (engine === 'postgres' && postgresUnavailable) {
      describe(`${name} [postgres]`, { skip: `PostgreSQL unreachable at ${TEST_DATABASE_URL} (${postgresUnavailable}); set TEST_DATABASE_URL to run it` }, () => {});
      continue;
    }
    describe(`${name} [${engine}]`, () => {
      let database: TestDatabase | undefined;
      before(async () => {
        database = await createTestDatabase(engine);
      });
      after(async () => {
        await database?.dispose();
      });
      suite(() => {
        if (!database) throw new Error('the test database is not ready');
        return database;
      });
    });
  }
}
