// Customer search (IdentityStore.search) as SQL: every criterion narrows the identities of one
// tenant, and the page is read newest first by (created_at, id) after the cursor, never by offset.
// Without a text criterion, "verified" drives from its partial address index (migration 0028).
// Text criteria read identity_trait_values (migration 0011, trait-index.ts), whose index holds the
// value, the identity's creation time and its id: a search by text takes the page's ids from that
// index alone (an exact value in order, stopping at the page's end; a prefix by sorting its matches'
// keys) and reads only the page's identities. The last sign-in is derived from the audit log, where
// every sign-in writes its entry anyway (ADR 0023): the one place the identity store reads another
// module's table, in SQL, so the filter and the page stay one statement.
import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import type { Db } from './database.ts';
import type { Database, IdentitiesTable } from './tables.ts';
import type { IdentityCursor, IdentitySearch, TextMatch, TimeRange } from '../domain/identity/identity.port.ts';
import { SIGN_IN_AUDIT_ACTION } from '../domain/audit/audit.ts';

type Where = ExpressionBuilder<Database, 'identities'>;
type TraitCriterion = NonNullable<IdentitySearch['traits']>[number];
type Page = { readonly limit: number; readonly after?: IdentityCursor | undefined };

export async function searchIdentities(db: Db, postgres: boolean, tenantId: string, search: IdentitySearch, page: Page): Promise<Selectable<IdentitiesTable>[]> {
  const traits = search.traits ?? [];
  // No trait to look in (a schema without identifiers, say): nothing matches.
  if (traits.some((trait) => trait.names.length === 0)) return [];
  // An exact value first: its index range is already in page order.
  const driver = traits.find((trait) => !trait.match.prefix) ?? traits[0];
  if (driver) return searchByTrait(db, postgres, tenantId, { ...search, traits: traits.filter((trait) => trait !== driver) }, page, driver);
  if (search.emailVerified !== undefined) return searchByEmailState(db, postgres, tenantId, search, page, search.emailVerified);
  let query = db.selectFrom('identities').selectAll('identities').where('identities.tenant_id', '=', tenantId);
  const { after } = page;
  if (after) query = query.where((eb) => eb(eb.refTuple('identities.created_at', 'identities.id'), '<', eb.tuple(after.createdAt, after.id)));
  query = query.where((eb) => inRange(eb, eb.ref('identities.created_at'), search.createdAt));
  query = query.where((eb) => identityFilters(eb, postgres, tenantId, search));
  return query.orderBy('identities.created_at', 'desc').orderBy('identities.id', 'desc').limit(page.limit).execute();
}

/**
 * The page's (creation time, id) pairs from the driving trait's index, filtered by the other
 * criteria (on the identity, only when there are any), then the page's identities.
 */
async function searchByTrait(db: Db, postgres: boolean, tenantId: string, rest: IdentitySearch, page: Page, driver: TraitCriterion): Promise<Selectable<IdentitiesTable>[]> {
  let keys = db
    .selectFrom('identity_trait_values')
    .select(['identity_trait_values.identity_id', 'identity_trait_values.identity_created_at'])
    .where('identity_trait_values.tenant_id', '=', tenantId)
    .where('identity_trait_values.name', 'in', driver.names)
    .where((eb) => textMatches(eb, postgres, sql.ref('identity_trait_values.value'), driver.match));
  const { after } = page;
  if (after) keys = keys.where((eb) => eb(eb.refTuple('identity_trait_values.identity_created_at', 'identity_trait_values.identity_id'), '<', eb.tuple(after.createdAt, after.id)));
  keys = keys.where((eb) => inRange(eb as unknown as Where, eb.ref('identity_trait_values.identity_created_at'), rest.createdAt));
  if (needsIdentity(rest)) {
    keys = keys.where((eb) =>
      eb.exists(
        eb
          .selectFrom('identities')
          .select(sql.lit(1).as('one'))
          .whereRef('identities.id', '=', 'identity_trait_values.identity_id')
          .where((inner) => identityFilters(inner, postgres, tenantId, rest)),
      ),
    );
  }
  // Several traits (a name, a given name…) may both match one identity: once each.
  if (driver.names.length > 1) keys = keys.groupBy(['identity_trait_values.identity_id', 'identity_trait_values.identity_created_at']);
  const paged = keys.orderBy('identity_trait_values.identity_created_at', 'desc').orderBy('identity_trait_values.identity_id', 'desc').limit(page.limit);
  return db
    .selectFrom(paged.as('page'))
    .innerJoin('identities', 'identities.id', 'page.identity_id')
    .selectAll('identities')
    .orderBy('identities.created_at', 'desc')
    .orderBy('identities.id', 'desc')
    .execute();
}

/**
 * The page's keys from the partial index of verified (or unverified) email addresses (migration
 * 0028), newest first, then the page's identities: as searchByTrait, with the address as driver.
 */
async function searchByEmailState(db: Db, postgres: boolean, tenantId: string, search: IdentitySearch, page: Page, verified: boolean): Promise<Selectable<IdentitiesTable>[]> {
  const rest = { ...search, emailVerified: undefined };
  // The literals (not parameters) are what lets the planners match the partial indexes' predicates.
  let keys = db
    .selectFrom('identity_addresses')
    .select(['identity_addresses.identity_id', 'identity_addresses.identity_created_at'])
    .where('identity_addresses.tenant_id', '=', tenantId)
    .where(sql<SqlBool>`identity_addresses.kind = 'email'`)
    .where(verified ? sql<SqlBool>`identity_addresses.verified_at is not null` : sql<SqlBool>`identity_addresses.verified_at is null`);
  const { after } = page;
  if (after) keys = keys.where((eb) => eb(eb.refTuple('identity_addresses.identity_created_at', 'identity_addresses.identity_id'), '<', eb.tuple(after.createdAt, after.id)));
  keys = keys.where((eb) => inRange(eb as unknown as Where, eb.ref('identity_addresses.identity_created_at') as Expression<number | null>, rest.createdAt));
  if (needsIdentity(rest)) {
    keys = keys.where((eb) =>
      eb.exists(
        eb
          .selectFrom('identities')
          .select(sql.lit(1).as('one'))
          .whereRef('identities.id', '=', 'identity_addresses.identity_id')
          .where((inner) => identityFilters(inner, postgres, tenantId, rest)),
      ),
    );
  }
  const paged = keys.orderBy('identity_addresses.identity_created_at', 'desc').orderBy('identity_addresses.identity_id', 'desc').limit(page.limit);
  return db
    .selectFrom(paged.as('page'))
    .innerJoin('identities', 'identities.id', 'page.identity_id')
    .selectAll('identities')
    .orderBy('identities.created_at', 'desc')
    .orderBy('identities.id', 'desc')
    .execute();
}

function needsIdentity(search: IdentitySearch): boolean {
  const signedIn = search.lastSignedInAt;
  return search.status !== undefined || search.externalId !== undefined || search.emailVerified !== undefined || (search.traits?.length ?? 0) > 0 || (signedIn !== undefined && (signedIn.from !== undefined || signedIn.to !== undefined));
}

/** The criteria that read the identity (or look up from it): status, external id, more traits, the last sign-in. */
function identityFilters(eb: Where, postgres: boolean, tenantId: string, search: IdentitySearch): Expression<SqlBool> {
  const conditions = [];
  if (search.status !== undefined) conditions.push(eb('identities.status', '=', search.status));
  if (search.externalId !== undefined) conditions.push(eb('identities.external_id', '=', search.externalId));
  if (search.emailVerified !== undefined) {
    // A probe of this identity's addresses (their index by identity), when another criterion drives.
    const email = eb
      .selectFrom('identity_addresses')
      .select(sql.lit(1).as('one'))
      .whereRef('identity_addresses.identity_id', '=', 'identities.id')
      .where('identity_addresses.kind', '=', 'email')
      .where('identity_addresses.verified_at', search.emailVerified ? 'is not' : 'is', null);
    conditions.push(eb.exists(email));
  }
  for (const trait of search.traits ?? []) {
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
 * index serves whatever the database's collation; on SQLite a range of the BINARY order, which
 * is the order of the code points.
 */
function textMatches<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, postgres: boolean, column: ReturnType<typeof sql.ref>, match: TextMatch) {
  if (!match.prefix) return eb(column, '=', match.value);
  if (postgres) return eb(column, 'like', `${match.value.replace(/[\\%_]/g, '\\$&')}%`);
  return eb.and([eb(column, '>=', match.value), eb(column, '<', `${match.value}\u{10FFFF}`)]);
}
