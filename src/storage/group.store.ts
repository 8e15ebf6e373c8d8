// Customer groups and their members (migration 0022) on both engines. A filter (what a SCIM filter
// on Groups becomes) is one WHERE over the tenant's groups with a count beside the page, as for
// identities (identity-filter.ts, whose comparisons it shares); membership is a semi-join on the
// member table's primary key. `existingCustomers` reads the identities table: a group's members
// must be customers of its tenant, which only the foreign key knows otherwise.
import { PostgresAdapter, sql } from 'kysely';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import type { Db } from './database.ts';
import type { CustomerGroupsTable, Database } from './tables.ts';
import type { CustomerGroup, GroupCondition, GroupStore } from '../domain/groups/group.port.ts';
import { DomainError } from '../domain/errors.ts';
import { isUniqueViolation } from './errors.ts';
import { compare } from './identity-filter.ts';

type GroupRow = Selectable<CustomerGroupsTable>;
type Where = ExpressionBuilder<Database, 'customer_groups'>;

const COLUMNS = { id: 'customer_groups.id', externalId: 'customer_groups.external_id', createdAt: 'customer_groups.created_at', updatedAt: 'customer_groups.updated_at' } as const;
const ORDER = { id: 'customer_groups.id', displayName: 'customer_groups.display_name', externalId: 'customer_groups.external_id', createdAt: 'customer_groups.created_at', updatedAt: 'customer_groups.updated_at' } as const;
/** At most this many ids in one `IN (…)` (SQLite's limit on bound parameters is 32,766). */
const CHUNK = 500;

export function createGroupStore(db: Db): GroupStore {
  const postgres = () => db.getExecutor().adapter instanceof PostgresAdapter;

  async function withMembers(rows: GroupRow[]): Promise<CustomerGroup[]> {
    if (rows.length === 0) return [];
    const members = await db.selectFrom('customer_group_members').select(['group_id', 'identity_id']).where('group_id', 'in', rows.map((row) => row.id)).orderBy('added_at').orderBy('identity_id').execute();
    const byGroup = new Map<string, string[]>(rows.map((row) => [row.id, []]));
    for (const member of members) byGroup.get(member.group_id)?.push(member.identity_id);
    return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, displayName: row.display_name, externalId: row.external_id, members: byGroup.get(row.id) ?? [], createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }));
  }

  /** The conflict a name or external id would cause (checked first for the right code; the unique indexes settle a race). */
  async function conflictOf(tenantId: string, id: string, fields: { displayName: string; externalId: string | null }): Promise<DomainError | undefined> {
    const named = await db.selectFrom('customer_groups').select('id').where('tenant_id', '=', tenantId).where('display_name', '=', fields.displayName).where('id', '<>', id).executeTakeFirst();
    if (named) return new DomainError('group.display_name_taken', 'conflict', `Another group of this tenant is called "${fields.displayName}".`);
    if (fields.externalId !== null) {
      const held = await db.selectFrom('customer_groups').select('id').where('tenant_id', '=', tenantId).where('external_id', '=', fields.externalId).where('id', '<>', id).executeTakeFirst();
      if (held) return new DomainError('group.external_id_taken', 'conflict', `Another group of this tenant has the external id "${fields.externalId}".`);
    }
    return undefined;
  }

  async function writeOrConflict(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('group.display_name_taken', 'conflict', 'Another group of this tenant has this name or external id.');
      throw error;
    }
  }

  async function addMembers(tenantId: string, id: string, identityIds: readonly string[], now: number): Promise<void> {
    for (let start = 0; start < identityIds.length; start += CHUNK) {
      const rows = identityIds.slice(start, start + CHUNK).map((identityId) => ({ tenant_id: tenantId, group_id: id, identity_id: identityId, added_at: now }));
      await db.insertInto('customer_group_members').values(rows).onConflict((conflict) => conflict.columns(['group_id', 'identity_id']).doNothing()).execute();
    }
  }

  return {
    async create(group) {
      const conflict = await conflictOf(group.tenantId, group.id, group);
      if (conflict) throw conflict;
      await writeOrConflict(() =>
        db.insertInto('customer_groups').values({ id: group.id, tenant_id: group.tenantId, display_name: group.displayName, external_id: group.externalId, created_at: group.now, updated_at: group.now }).execute(),
      );
      await addMembers(group.tenantId, group.id, group.members, group.now);
      return { id: group.id, tenantId: group.tenantId, displayName: group.displayName, externalId: group.externalId, members: [...group.members], createdAt: group.now, updatedAt: group.now };
    },

    async findById(tenantId, id) {
      const row = await db.selectFrom('customer_groups').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && (await withMembers([row]))[0];
    },

    async lock(tenantId, id) {
      await db.updateTable('customer_groups').set((eb) => ({ id: eb.ref('id') })).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async update(tenantId, id, fields, now) {
      const conflict = await conflictOf(tenantId, id, fields);
      if (conflict) throw conflict;
      let updated = 0n;
      await writeOrConflict(async () => {
        const result = await db.updateTable('customer_groups').set({ display_name: fields.displayName, external_id: fields.externalId, updated_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
        updated = result.numUpdatedRows;
      });
      return updated > 0n;
    },

    addMembers,

    async removeMembers(tenantId, id, identityIds) {
      for (let start = 0; start < identityIds.length; start += CHUNK) {
        await db.deleteFrom('customer_group_members').where('tenant_id', '=', tenantId).where('group_id', '=', id).where('identity_id', 'in', identityIds.slice(start, start + CHUNK)).execute();
      }
    },

    async delete(tenantId, id) {
      const result = await db.deleteFrom('customer_groups').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async existingCustomers(tenantId, identityIds) {
      const found = new Set<string>();
      for (let start = 0; start < identityIds.length; start += CHUNK) {
        const rows = await db.selectFrom('identities').select('id').where('tenant_id', '=', tenantId).where('id', 'in', identityIds.slice(start, start + CHUNK)).execute();
        for (const row of rows) found.add(row.id);
      }
      return found;
    },

    async filter(tenantId, condition, page) {
      const isPostgres = postgres();
      const base = db.selectFrom('customer_groups').where('customer_groups.tenant_id', '=', tenantId).where((eb) => (condition ? conditionSql(eb, isPostgres, condition) : eb.lit(true)));
      const counted = await base.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst();
      const total = Number(counted?.total ?? 0);
      if (page.limit === 0 || page.offset >= total) return { total, groups: [] };
      const direction = page.order.descending ? 'desc' : 'asc';
      const rows = await base.selectAll('customer_groups').orderBy(ORDER[page.order.by], direction).orderBy('customer_groups.id', direction).limit(page.limit).offset(page.offset).execute();
      return { total, groups: await withMembers(rows) };
    },

    async groupsOf(tenantId, identityIds) {
      const out = new Map<string, { id: string; displayName: string }[]>();
      if (identityIds.length === 0) return out;
      const rows = await db
        .selectFrom('customer_group_members')
        .innerJoin('customer_groups', 'customer_groups.id', 'customer_group_members.group_id')
        .select(['customer_group_members.identity_id', 'customer_groups.id', 'customer_groups.display_name'])
        .where('customer_group_members.tenant_id', '=', tenantId)
        .where('customer_group_members.identity_id', 'in', identityIds)
        .orderBy('customer_groups.display_name')
        .execute();
      for (const row of rows) {
        const list = out.get(row.identity_id) ?? [];
        list.push({ id: row.id, displayName: row.display_name });
        out.set(row.identity_id, list);
      }
      return out;
    },
  };
}

function conditionSql(eb: Where, postgres: boolean, condition: GroupCondition): Expression<SqlBool> {
  if ('all' in condition) return eb.and(condition.all.map((each) => conditionSql(eb, postgres, each)));
  if ('any' in condition) return eb.or(condition.any.map((each) => conditionSql(eb, postgres, each)));
  if ('not' in condition) return eb.not(conditionSql(eb, postgres, condition.not));
  if ('constant' in condition) return eb.lit(condition.constant);
  if ('member' in condition) {
    const members = eb.selectFrom('customer_group_members').select(sql.lit(1).as('one')).whereRef('customer_group_members.group_id', '=', 'customer_groups.id');
    return eb.exists(condition.member === null ? members : members.where('customer_group_members.identity_id', '=', condition.member));
  }
  if ('time' in condition) return compare(eb, postgres, sql.ref(COLUMNS[condition.time]), condition.op, condition.value);
  // Display names compare in any case, as SCIM's caseExact=false says.
  if (condition.column === 'displayName') return compare(eb, postgres, sql<string>`lower(${sql.ref('customer_groups.display_name')})`, condition.op, condition.value);
  return compare(eb, postgres, sql.ref(COLUMNS[condition.column]), condition.op, condition.value);
}
