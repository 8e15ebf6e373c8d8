// The column types that differ between engines. Everything else in a migration is shared.
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';

type ColumnTypes = { json: RawBuilder<unknown>; time: RawBuilder<unknown>; bytes: RawBuilder<unknown> };

export function columnTypes(db: Kysely<unknown>): ColumnTypes {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return postgres ? { json: sql`jsonb`, time: sql`bigint`, bytes: sql`bytea` } : { json: sql`text`, time: sql`integer`, bytes: sql`blob` };
}
