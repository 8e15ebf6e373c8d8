// Kysely over PostgreSQL through a `pg` pool. Values come back in the same shapes as from SQLite:
// bigint columns (epoch milliseconds) as numbers, json/jsonb as text for the owning store to parse.
import pg from 'pg';
import { PostgresDialect } from 'kysely';

const INT8_OID = 20;
const JSON_OID = 114;
const JSONB_OID = 3802;

const parsers: Record<number, (value: string) => unknown> = {
  [INT8_OID]: (value) => Number(value),
  [JSON_OID]: (value) => value,
  [JSONB_OID]: (value) => value,
};

export type PostgresOptions = {
  url: string;
  poolMax: number;
};

export function createPostgresPool({ url, poolMax }: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  return pool;
}

export function createPostgresDialect(pool: pg.Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}
