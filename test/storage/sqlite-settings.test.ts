// The embedded database runs in WAL mode with the durability the operator chose.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../src/storage/database.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'foyer-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function pragmas(synchronous?: 'normal' | 'full') {
  const handle = await openDatabase({ engine: 'sqlite', file: path.join(dir, `${synchronous ?? 'default'}.db`), ...(synchronous ? { synchronous } : {}) });
  try {
    const mode = (await sql<{ journal_mode: string }>`pragma journal_mode`.execute(handle.db)).rows[0]?.journal_mode;
    const level = (await sql<{ synchronous: number }>`pragma synchronous`.execute(handle.db)).rows[0]?.synchronous;
    const foreignKeys = (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(handle.db)).rows[0]?.foreign_keys;
    return { mode, level, foreignKeys };
  } finally {
    await handle.close();
  }
}

test('WAL with foreign keys; synchronous NORMAL by default and FULL when asked', async () => {
  assert.deepEqual(await pragmas(), { mode: 'wal', level: 1, foreignKeys: 1 });
  assert.deepEqual(await pragmas('full'), { mode: 'wal', level: 2, foreignKeys: 1 });
});
