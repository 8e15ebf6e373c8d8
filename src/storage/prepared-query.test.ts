import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { prepareQuery, preparedStatementName } from './prepared-query.ts';

const findCounter = prepareQuery((db, $: { key: string }) => db.selectFrom('throttle_counters').select(['key', 'count']).where('key', '=', $.key));
const insertCounter = prepareQuery((db, $: { key: string; count: number }) =>
  db.insertInto('throttle_counters').values({ key: $.key, count: $.count, window_start: 0, last_at: 0 }),
);

test('a prepared query binds each call its own values, in and outside a transaction, and names its statement', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'foyer-prepared-'));
  const database = await openDatabase({ engine: 'sqlite', file: path.join(dir, 'foyer.db') });
  try {
    await migrateToLatest(database.db);
    await insertCounter.execute(database.db, { key: 'a', count: 1 });
    await database.db.transaction().execute((tx) => insertCounter.execute(tx, { key: 'b', count: 2 }));
    const rowsOf = async (key: string) => (await findCounter.execute(database.db, { key })).rows.map((row) => ({ ...row }));
    assert.deepEqual(await rowsOf('a'), [{ key: 'a', count: 1 }]);
    assert.deepEqual(await rowsOf('b'), [{ key: 'b', count: 2 }]);
    assert.deepEqual((await findCounter.execute(database.db, { key: 'c' })).rows, []);
    // A value the caller forgot is an error, never an unbound parameter.
    await assert.rejects(findCounter.execute(database.db, {} as { key: string }), /no value for the placeholder key/);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only SQL that starts with a statement name is prepared by name', () => {
  assert.equal(preparedStatementName('/* prepared foyer_abc */ select 1'), 'foyer_abc');
  assert.equal(preparedStatementName('select 1'), undefined);
  assert.equal(preparedStatementName('/* prepared foyer_abc select 1'), undefined);
});
