// Bytes per table (its indexes, TOAST and free pages included) after a bulk load: what a customer
// costs on disk, table by table (issue 20: bytes per customer by table at 10 M customers).
// PostgreSQL: pg_total_relation_size of each table of the schema. SQLite: the pages of each table
// and of its indexes, from the dbstat virtual table.
import { sql } from 'kysely';
import type { DatabaseConfig } from '../src/config/schema.ts';
import { openDatabase } from '../src/storage/database.ts';

export type TableSizes = Readonly<Record<string, number>>;

export async function tableSizes(config: DatabaseConfig): Promise<TableSizes> {
  const database = await openDatabase(config);
  try {
    const { db } = database;
    const rows =
      config.engine === 'postgres'
        ? (
            await sql<{ name: string; bytes: string }>`
              select c.relname as name, pg_total_relation_size(c.oid)::text as bytes
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = current_schema() and c.relkind = 'r'`.execute(db)
          ).rows
        : (
            await sql<{ name: string; bytes: number }>`
              select coalesce(s.tbl_name, d.name) as name, sum(d.pgsize) as bytes
              from dbstat d left join sqlite_schema s on s.name = d.name
              group by coalesce(s.tbl_name, d.name)`.execute(db)
          ).rows;
    return Object.fromEntries(rows.map((row) => [row.name, Number(row.bytes)]).filter(([, bytes]) => (bytes as number) > 0).sort((a, b) => (b[1] as number) - (a[1] as number)));
  } finally {
    await database.close();
  }
}
