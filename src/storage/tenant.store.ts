import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { TenantsTable } from './tables.ts';
import type { Tenant, TenantSettings } from '../domain/tenants/tenant.ts';
import type { TenantStore } from '../domain/tenants/tenant.port.ts';
import { DomainError } from '../domain/errors.ts';
import { isUniqueViolation } from './errors.ts';
import { inTransaction } from './database.ts';
import { fromJson, toJson } from './json.ts';

/**
 * What goes with a deleted tenant: everything that only works inside it. Customers' tables are
 * listed too: a tenant is deleted only without customers, but a sign-up that committed between that
 * check and the deletion must not leave orphans. Audit entries and outbox events stay.
 */
const TENANT_SCOPED_TABLES = [
  'consent_records', 'consent_texts', 'consent_purposes', 'communication_preferences',
  'signing_keys', 'oidc_artifacts', 'flows', 'browser_sessions', 'consents', 'latest_codes', 'mail_messages',
  'customer_group_members', 'customer_groups', 'credential_identifiers', 'credentials', 'identity_addresses', 'identities', 'applications',
] as const;

export function createTenantStore(db: Db): TenantStore {
  return {
    async lock(id) {
      // A write that changes nothing: PostgreSQL locks the row until commit; SQLite takes the
      // database's write lock, which its transactions hold until they end.
      await db.updateTable('tenants').set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).execute();
    },

    async create({ id, slug, name, settings = {}, now }) {
      const row = { id, slug, name, settings: toJson(settings), created_at: now, updated_at: now };
      try {
        await db.insertInto('tenants').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new DomainError('tenant.slug_taken', 'conflict', `A tenant with the slug "${slug}" already exists.`, { slug });
        }
        throw error;
      }
      return toTenant(row);
    },

    async findById(id) {
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toTenant(row);
    },

    async findBySlug(slug) {
      const row = await db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
      return row && toTenant(row);
    },

    async list() {
      const rows = await db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toTenant);
    },

    async listPage({ limit, after, exceptSlugs = [] }) {
      let query = db.selectFrom('tenants').selectAll();
      if (exceptSlugs.length > 0) query = query.where('slug', 'not in', exceptSlugs);
      if (after !== undefined) {
        query = query.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]));
      }
      const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
      return rows.map(toTenant);
    },

    async update(id, { name, settings }, { ifUpdatedAt, updatedAt }) {
      const result = await db
        .updateTable('tenants')
        .set({ name, settings: toJson(settings), updated_at: updatedAt })
        .where('id', '=', id)
        .where('updated_at', '=', ifUpdatedAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async delete(id, ifUpdatedAt) {
      return inTransaction(db, async (tx) => {
        // Checks the version and locks the row (a no-op update) before the rows that reference it go.
        const locked = await tx.updateTable('tenants').set({ updated_at: ifUpdatedAt }).where('id', '=', id).where('updated_at', '=', ifUpdatedAt).executeTakeFirst();
        if (Number(locked.numUpdatedRows) !== 1) return false;
        for (const table of TENANT_SCOPED_TABLES) await tx.deleteFrom(table).where('tenant_id', '=', id).execute();
        await tx.deleteFrom('tenants').where('id', '=', id).execute();
        return true;
      });
    },

    async updateSettings(id, settings, now) {
      await db.updateTable('tenants').set({ settings: toJson(settings), updated_at: now }).where('id', '=', id).execute();
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toTenant(row);
    },
  };
}

function toTenant(row: Selectable<TenantsTable>): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    settings: fromJson<TenantSettings>(row.settings),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
