// createTestServer(): a whole Foyer node in-process against a real, fresh database of one engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import { loggerOptions } from '../../src/infra/logging/logger.ts';
import { createFoyer } from '../../src/server.ts';
import { RESPONSE_MISMATCH } from '../../src/http/admin/response-check.ts';
import type { Foyer } from '../../src/server.ts';
import type { DatabaseHandle, DatabaseOptions, Engine } from '../../src/storage/database.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { createTestDatabase } from './engines.ts';
import { mailboxOf } from './mailbox.ts';
import type { Mailbox } from './mailbox.ts';
import type { TestDatabase } from './engines.ts';

export const TEST_MASTER_SECRET = 'test-master-secret-0123456789-abcdefghijklmnop';

export type TestServer = Foyer & {
  readonly testDatabase: TestDatabase;
  /** Every log line the server wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  readonly dataDir: string;
  /** The development outbox, where every email the server sends lands in tests. */
  readonly mailbox: Mailbox;
  stop(): Promise<void>;
};

export async function createTestServer(engine: Engine, env: Record<string, string> = {}, options: DatabaseOptions = {}): Promise<TestServer> {
  const testDatabase = await createTestDatabase(engine);
  // With onQuery, the node gets a handle of its own that reports every statement it runs.
  const node = await createServerNode(testDatabase, env, options.onQuery ? await openDatabase(testDatabase.config, options) : testDatabase.handle);
  return {
    ...node,
    async stop() {
      try {
        await node.close();
      } finally {
        // close() closed the handle; dispose only removes what is left (file or schema).
        await testDatabase.dispose();
      }
    },
  };
}

/**
 * A Foyer node on a test database that exists already (a command's, or another node's), with
 * a handle of its own unless given one; close() closes that handle and removes its DATA_DIR, leaving
 * the database.
 */
export async function createServerNode(testDatabase: TestDatabase, env: Record<string, string> = {}, database?: DatabaseHandle): Promise<Omit<TestServer, 'stop'>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'foyer-data-'));
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    MASTER_SECRET: TEST_MASTER_SECRET,
    LOG_LEVEL: 'info',
    ...testDatabase.env,
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = pino(loggerOptions(config.logLevel), {
    write(line: string) {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  // Every admin API answer is held to its declared schema; a mismatch fails the suite at close().
  const foyer = await createFoyer(config, logger, { database: database ?? (await testDatabase.reopen()), checkAdminResponses: true });
  return {
    ...foyer,
    testDatabase,
    logs,
    dataDir,
    mailbox: mailboxOf(dataDir),
    async close() {
      try {
        await foyer.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
      const mismatches = logs.filter((line) => line['msg'] === RESPONSE_MISMATCH);
      if (mismatches.length > 0) throw new Error(`admin answers that do not match their declared schemas: ${JSON.stringify(mismatches.map(({ route, status, problem }) => ({ route, status, problem })))}`);
    },
  };
}
