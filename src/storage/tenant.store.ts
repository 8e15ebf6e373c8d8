import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { TenantsTable } from './tables.ts';
import type { Tenant, TenantSettings } from '../domain/tenants/tenant.ts';
import type { TenantStore } from '../domain/tenants/tenant.port.ts';
import { DomainError } from '../domain/errors.ts';
import { isUniqueViolation } from './errors.ts';
import { fromJson, toJson } from './json.ts';

export function createTenantStore(db: Db): TenantStore {
  return {
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
