// Customer search (IdentityStore.search) as SQL: every criterion narrows the identities of one
// tenant, and the page is read newest first by (created_at, id) after the cursor, never by offset.
// Text criteria read the tables built for them (migration 0011): email addresses in their
// normalised form, and identity_trait_values for traits (trait-index.ts). The last sign-in is
// derived from the audit log, where every sign-in writes its entry anyway (ADR 0022): the one
// place the identity store reads another module's table, in SQL, so the filter and the page stay
// one statement.
import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import type { Db } from './database.ts';
import type { Database, IdentitiesTable } from './tables.ts';
import type { IdentityCursor, IdentitySearch, TextMatch, TimeRange } from '../domain/identity/identity.port.ts';
import { SIGN_IN_AUDIT_ACTION } from '../domain/audit/audit.ts';

type Where = ExpressionBuilder<Database, 'identities'>;

export async function searchIdentities(
  db: Db,
  postgres: boolean,
  tenantId: string,
  search: IdentitySearch,
  page: { readonly limit: number; readonly after?: IdentityCursor | undefined },
): Promise<Selectable<IdentitiesTable>[]> {
  // One trait's exact value reads the matches from its index newest first and stops at the page's
  // end, however many customers share the value; every other criterion is a filter on the way.
  const driver = search.traits?.find((trait) => trait.names.length === 1 && !trait.match.prefix);
  if (driver) return searchByTrait(db, postgres, tenantId, search, page, driver);
  let query = db.selectFrom('identities').selectAll('identities').where('identities.tenant_id', '=', tenantId);
  const { after } = page;
  if (after) query = query.where((eb) => eb(eb.refTuple('identities.created_at', 'identities.id'), '<', eb.tuple(after.createdAt, after.id)));
  query = query.where((eb) => filters(eb, postgres, tenantId, search));
  return query.orderBy('identities.created_at', 'desc').orderBy('identities.id', 'desc').limit(page.limit).execute();
}

async function searchByTrait(db: Db, postgres: boolean, tenantId: string, search: IdentitySearch, page: { readonly limit: number; readonly after?: IdentityCursor | undefined }, driver: TraitCriterion): Promise<Selectable<IdentitiesTable>[]> {
  let query = db
    .selectFrom('identity_trait_values')
    .innerJoin('identities', 'identities.id', 'identity_trait_values.identity_id')
    .selectAll('identities')
    .where('identity_trait_values.tenant_id', '=', tenantId)
    .where('identity_trait_values.name', '=', driver.names[0]!)
    .where('identity_trait_values.value', '=', driver.match.value);
  const { after } = page;
  if (after) query = query.where((eb) => eb(eb.refTuple('identity_trait_values.identity_created_at', 'identity_trait_values.identity_id'), '<', eb.tuple(after.createdAt, after.id)));
  const rest = { ...search, traits: search.traits?.filter((trait) => trait !== driver) };
  query = query.where((eb) => filters(eb as unknown as Where, postgres, tenantId, rest));
  return query.orderBy('identity_trait_values.identity_created_at', 'desc').orderBy('identity_trait_values.identity_id', 'desc').limit(page.limit).execute();
}

type TraitCriterion = NonNullable<IdentitySearch['traits']>[number];

/** Every criterion as a condition on `identities` (the tenant and the cursor are the caller's). */
function filters(eb: Where, postgres: boolean, tenantId: string, search: IdentitySearch): Expression<SqlBool> {
  const conditions = [];
  if (search.status !== undefined) conditions.push(eb('identities.status', '=', search.status));
  conditions.push(inRange(eb, eb.ref('identities.created_at'), search.createdAt));
  const { email } = search;
  if (email) {
    conditions.push(
      eb(
        'identities.id',
        'in',
        eb
          .selectFrom('identity_addresses')
          .select('identity_addresses.identity_id')
          .where('identity_addresses.tenant_id', '=', tenantId)
          .where('identity_addresses.kind', '=', 'email')
          .where((inner) => textMatches(inner, postgres, sql.ref('identity_addresses.value'), email)),
      ),
    );
  }
  for (const trait of search.traits ?? []) {
    // No trait to look in (a schema without identifiers, say): nothing matches.
    if (trait.names.length === 0) return sql<SqlBool>`1 = 0`;
    conditions.push(
      eb(
        'identities.id',
        'in',
        eb
          .selectFrom('identity_trait_values')
          .select('identity_trait_values.identity_id')
          .where('identity_trait_values.tenant_id', '=', tenantId)
          .where('identity_trait_values.name', 'in', trait.names)
          .where((inner) => textMatches(inner, postgres, sql.ref('identity_trait_values.value'), trait.match)),
      ),
    );
  }
  const signedIn = search.lastSignedInAt;
  if (signedIn && (signedIn.from !== undefined || signedIn.to !== undefined)) {
    // The newest sign-in entry about each candidate: one short backward read of audit_events_target.
    const last = eb
      .selectFrom('audit_events')
      .select((inner) => inner.fn.max('audit_events.occurred_at').as('at'))
      .where('audit_events.tenant_id', '=', tenantId)
      .whereRef('audit_events.target_id', '=', 'identities.id')
      .where('audit_events.action', '=', SIGN_IN_AUDIT_ACTION);
    conditions.push(inRange(eb, last.$asScalar(), signedIn));
  }
  return eb.and(conditions);
}

/** `value` is a column or a scalar subquery. */
function inRange(eb: Where, value: Expression<number | null>, range: TimeRange | undefined) {
  const conditions = [];
  if (range?.from !== undefined) conditions.push(eb(value, '>=', range.from));
  if (range?.to !== undefined) conditions.push(eb(value, '<', range.to));
  return eb.and(conditions);
}

/**
 * Equality, or a prefix as one index range: on PostgreSQL `LIKE 'p%'`, which the text_pattern_ops
 * indexes serve whatever the database's collation; on SQLite a range of the BINARY order, which
 * is the order of the code points.
 */
function textMatches<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, postgres: boolean, column: ReturnType<typeof sql.ref>, match: TextMatch) {
  if (!match.prefix) return eb(column, '=', match.value);
  if (postgres) return eb(column, 'like', `${match.value.replace(/[\\%_]/g, '\\$&')}%`);
  return eb.and([eb(column, '>=', match.value), eb(column, '<', `${match.value}\u{10FFFF}`)]);
}
