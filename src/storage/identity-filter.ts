// IdentityStore.filter as SQL: a boolean IdentityCondition (what a SCIM filter becomes) over one
// tenant's identities, ordered, offset and counted, in two statements (the page and the count),
// never by reading every row. Trait conditions read identity_trait_values (migration 0011,
// trait-index.ts) through its (tenant_id, name, value) index: equality and prefixes are index
// ranges, as in customer search (identity-search.ts); `co` and `ew` scan the named traits' values
// of the tenant, not the identities.
import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import type { Db } from './database.ts';
import type { Database, IdentitiesTable } from './tables.ts';
import type { ConditionOperator, IdentityCondition, IdentityOrder } from '../domain/identity/identity.port.ts';

type Where = ExpressionBuilder<Database, 'identities'>;
type Page = { readonly order: IdentityOrder; readonly offset: number; readonly limit: number };

const COLUMNS = { id: 'identities.id', status: 'identities.status', externalId: 'identities.external_id', createdAt: 'identities.created_at', updatedAt: 'identities.updated_at' } as const;

export async function filterIdentities(db: Db, postgres: boolean, tenantId: string, condition: IdentityCondition | undefined, page: Page): Promise<{ total: number; rows: Selectable<IdentitiesTable>[] }> {
  const base = db.selectFrom('identities').where('identities.tenant_id', '=', tenantId).where((eb) => (condition ? conditionSql(eb, postgres, tenantId, condition) : eb.lit(true)));
  const counted = await base.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst();
  const total = Number(counted?.total ?? 0);
  if (page.limit === 0 || page.offset >= total) return { total, rows: [] };
  const direction = page.order.descending ? 'desc' : 'asc';
  let query = base.selectAll('identities');
  const by = page.order.by;
  if ('trait' in by) {
    // The trait's searchable text; identities without it sort last either way.
    const value = (eb: Where) =>
      eb
        .selectFrom('identity_trait_values')
        .select('identity_trait_values.value')
        .where('identity_trait_values.tenant_id', '=', tenantId)
        .where('identity_trait_values.name', '=', by.trait)
        .whereRef('identity_trait_values.identity_id', '=', 'identities.id')
        .limit(1)
        .$asScalar();
    query = query.orderBy((eb) => eb.case().when(value(eb), 'is', null).then(1).else(0).end()).orderBy((eb) => value(eb), direction);
  } else {
    query = query.orderBy(COLUMNS[by.column], direction);
  }
  const rows = await query.orderBy('identities.id', direction).limit(page.limit).offset(page.offset).execute();
  return { total, rows };
}

/**
 * In a conjunction, the first trait compared by equality or prefix drives: its index range gives
 * the candidates (a semi-join). The conjunction's other trait conditions are then probes of each
 * candidate, by the (identity_id, name) primary key: on PostgreSQL `OFFSET 0` keeps the planner
 * from turning them into semi-joins of their own, which would read every identity holding a
 * common value (a plan held by 9 % of a million customers) to intersect a few hundred candidates.
 */
function conditionSql(eb: Where, postgres: boolean, tenantId: string, condition: IdentityCondition, probe = false): Expression<SqlBool> {
  if ('all' in condition) {
    const driver = condition.all.find((each) => 'traits' in each && (each.op === 'eq' || each.op === 'sw'));
    return eb.and(condition.all.map((each) => conditionSql(eb, postgres, tenantId, each, driver !== undefined && each !== driver)));
  }
  if ('any' in condition) return eb.or(condition.any.map((each) => conditionSql(eb, postgres, tenantId, each)));
  if ('not' in condition) return eb.not(conditionSql(eb, postgres, tenantId, condition.not));
  if ('constant' in condition) return eb.lit(condition.constant);
  if ('traits' in condition) {
    if (condition.traits.length === 0) return eb.lit(false);
    // `ne` is "not equal": an identity without the trait is not equal either.
    if (condition.op === 'ne') return eb.not(conditionSql(eb, postgres, tenantId, { ...condition, op: 'eq' }, probe));
    if (probe) {
      const values = eb
        .selectFrom('identity_trait_values')
        .select(sql.lit(1).as('one'))
        .whereRef('identity_trait_values.identity_id', '=', 'identities.id')
        .where('identity_trait_values.name', 'in', condition.traits)
        .where((inner) => compare(inner, postgres, sql.ref('identity_trait_values.value'), condition.op, condition.value));
      return eb.exists(postgres ? values.offset(0) : values);
    }
    return eb(
      'identities.id',
      'in',
      eb
        .selectFrom('identity_trait_values')
        .select('identity_trait_values.identity_id')
        .where('identity_trait_values.tenant_id', '=', tenantId)
        .where('identity_trait_values.name', 'in', condition.traits)
        .where((inner) => compare(inner, postgres, sql.ref('identity_trait_values.value'), condition.op, condition.value)),
    );
  }
  if ('group' in condition) {
    // Membership is the group store's table (migration 0022), read here so a filter stays one statement.
    const memberships = eb.selectFrom('customer_group_members').select(sql.lit(1).as('one')).where('customer_group_members.tenant_id', '=', tenantId).whereRef('customer_group_members.identity_id', '=', 'identities.id');
    return eb.exists(condition.group === null ? memberships : memberships.where('customer_group_members.group_id', '=', condition.group));
  }
  if ('column' in condition) return compare(eb, postgres, sql.ref(COLUMNS[condition.column]), condition.op, condition.value);
  return compare(eb, postgres, sql.ref(COLUMNS[condition.time]), condition.op, condition.value);
}

/** One comparison (also of groups, group.store.ts); `pr` is "not null" (a trait row exists only for a value). */
export function compare<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, postgres: boolean, column: ReturnType<typeof sql.ref>, op: ConditionOperator, value: string | number | undefined): Expression<SqlBool> {
  if (op === 'pr') return eb(column, 'is not', null);
  if (value === undefined) return eb.lit(false);
  switch (op) {
    case 'eq':
      return eb(column, '=', value);
    case 'ne':
      return eb.or([eb(column, '<>', value), eb(column, 'is', null)]);
    case 'gt':
      return eb(column, '>', value);
    case 'ge':
      return eb(column, '>=', value);
    case 'lt':
      return eb(column, '<', value);
    case 'le':
      return eb(column, '<=', value);
    case 'sw':
      // An index range, as customer search does it (identity-search.ts).
      if (postgres) return eb(column, 'like', `${escapeLike(String(value))}%`);
      return eb.and([eb(column, '>=', String(value)), eb(column, '<', `${String(value)}\u{10FFFF}`)]);
    case 'ew':
      return likeEscaped(eb, postgres, column, `%${escapeLike(String(value))}`);
    case 'co':
      return likeEscaped(eb, postgres, column, `%${escapeLike(String(value))}%`);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/** LIKE with `\` as its escape on both engines (SQLite has no default escape character). */
function likeEscaped<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, postgres: boolean, column: ReturnType<typeof sql.ref>, pattern: string): Expression<SqlBool> {
  // SQLite's LIKE folds ASCII case, PostgreSQL's does not; the values are folded already, so both agree.
  return postgres ? eb(column, 'like', pattern) : sql<SqlBool>`${column} like ${pattern} escape '\\'`;
}
