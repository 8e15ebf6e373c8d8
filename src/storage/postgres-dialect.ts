// Kysely over PostgreSQL through a `pg` pool. Values come back in the same shapes as from SQLite:
// bigint columns (epoch milliseconds) as numbers, json/jsonb as text for the owning store to parse.
import pg from 'pg';
import { PostgresDialect } from 'kysely';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { preparedStatementName } from './prepared-query.ts';

const INT8_OID = 20;
const JSON_OID = 114;
const JSONB_OID = 3802;

const parsers: Record<number, (value: string) => unknown> = {
  [INT8_OID]: (value) => Number(value),
  [JSON_OID]: (value) => value,
  [JSONB_OID]: (value) => value,
};

type PostgresOptions = {
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
  return new PostgresDialect({ pool: preparingPool(pool) });
}

/**
 * The pool as Kysely sees it, with one difference: SQL from prepareQuery (prepared-query.ts) runs
 * as a named prepared statement, which pg parses and plans once per connection and then only
 * executes (PostgreSQL's CPU is the same machine's on a small installation). Everything else runs
 * as before. Kysely keys its connections by client, so each client keeps one wrapper.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let wrapper = wrappers.get(client);
    if (!wrapper) {
      const query = (sql: unknown, parameters?: readonly unknown[]): unknown => {
        // A cursor (Kysely's streams) passes through as it is.
        if (typeof sql !== 'string') return client.query(sql as pg.Submittable);
        const name = preparedStatementName(sql);
        if (name && parameters) return client.query({ name, text: sql, values: [...parameters] });
        return client.query(sql, parameters as unknown[]);
      };
      wrapper = { query: query as PostgresPoolClient['query'], release: () => client.release() };
      wrappers.set(client, wrapper);
    }
    return wrapper;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
