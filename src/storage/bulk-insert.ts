// Multi-row inserts for bulk writes (the customer import): rows go in chunks small enough for
// either engine's limit on bound parameters (SQLite's is 32,766, PostgreSQL's 65,535).
import type { Insertable } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './tables.ts';

const MAX_PARAMETERS = 30_000;

export async function insertRows<T extends keyof Database & string>(db: Db, table: T, rows: readonly Insertable<Database[T]>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).length;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(columns, 1)));
  for (let start = 0; start < rows.length; start += perStatement) {
    await db
      .insertInto(table)
      .values(rows.slice(start, start + perStatement) as never)
      .execute();
  }
}
