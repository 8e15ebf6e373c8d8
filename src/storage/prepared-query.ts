// Queries built and compiled once, executed many times. Kysely builds and compiles every query anew,
// which costs several times what SQLite then takes to run it (about 26 of 33 µs for an artifact
// lookup): the statements of every sign-in and token request are built once per dialect instead,
// with named placeholders where the values go, and each call only binds its values. They are still
// written with Kysely's typed builder, so tsc checks their tables, columns and result types.
//
// Their SQL starts with a comment naming the statement, by which the PostgreSQL driver
// (postgres-dialect.ts) runs them as named prepared statements: each connection parses and plans
// one once instead of at every call. So that a schema change cannot change the columns a prepared
// statement returns (PostgreSQL refuses to run it then), list the columns: no selectAll.
import { createHash } from 'node:crypto';
import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from 'kysely';
import type { Database } from './tables.ts';

// Db of database.ts, spelled out: database.ts loads the PostgreSQL dialect, which reads statement
// names from this module, and a type import back would close a cycle.
type Db = Kysely<Database>;

const NAME_PREFIX = '/* prepared ';
const NAME_SUFFIX = ' */ ';

/** The statement name a prepared query's SQL carries, or undefined for any other SQL. */
export function preparedStatementName(sql: string): string | undefined {
  if (!sql.startsWith(NAME_PREFIX)) return undefined;
  const end = sql.indexOf(NAME_SUFFIX, NAME_PREFIX.length);
  return end === -1 ? undefined : sql.slice(NAME_PREFIX.length, end);
}

/** Named after its text, so that two different statements never share a name. */
function named(query: CompiledQuery): string {
  const name = `foyer_${createHash('sha256').update(query.sql).digest('base64url').slice(0, 22)}`;
  return `${NAME_PREFIX}${name}${NAME_SUFFIX}${query.sql}`;
}

const PLACEHOLDER = Symbol('placeholder');
type Placeholder = { readonly [PLACEHOLDER]: string };

export type PreparedQuery<Values, Row> = {
  /** Runs the query on `db` (the database or a transaction) with these values in place of the placeholders. */
  execute(db: Db, values: Values): Promise<QueryResult<Row>>;
};

/**
 * `build` receives stand-ins for `Values`: each property is a placeholder that the compiled query
 * carries as a parameter, and that `execute` replaces with the value of the same name. Use them as
 * values only (comparisons, inserted or updated values, limits), never to choose tables, columns or
 * the shape of the query, which are fixed at the first call.
 */
export function prepareQuery<Values extends Record<string, unknown>, Row>(build: (db: Db, values: Values) => Compilable<Row>): PreparedQuery<Values, Row> {
  // One compilation per dialect: a database and its transactions share their adapter.
  const compiled = new WeakMap<DialectAdapter, CompiledQuery<Row>>();
  const placeholders = new Proxy({} as Values, {
    get: (_target, name) => (typeof name === 'string' ? ({ [PLACEHOLDER]: name } satisfies Placeholder) : undefined),
  });

  function compiledFor(db: Db): CompiledQuery<Row> {
    const adapter = db.getExecutor().adapter;
    let query = compiled.get(adapter);
    if (!query) {
      const built = build(db, placeholders).compile();
      query = { ...built, sql: named(built) };
      compiled.set(adapter, query);
    }
    return query;
  }

  return {
    execute(db, values) {
      const query = compiledFor(db);
      const parameters: unknown[] = [];
      for (const parameter of query.parameters) {
        if (!isPlaceholder(parameter)) {
          parameters.push(parameter);
          continue;
        }
        const value = values[parameter[PLACEHOLDER]];
        // Neither driver binds undefined the same way; a missing value is a mistake in the caller.
        if (value === undefined) return Promise.reject(new TypeError(`no value for the placeholder ${parameter[PLACEHOLDER]}`));
        parameters.push(value);
      }
      return db.executeQuery<Row>({ ...query, parameters });
    },
  };
}

function isPlaceholder(value: unknown): value is Placeholder {
  return typeof value === 'object' && value !== null && PLACEHOLDER in value;
}
