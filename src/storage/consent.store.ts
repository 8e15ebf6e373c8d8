import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { ConsentsTable } from './tables.ts';
import type { Consent } from '../domain/consents/consent.ts';
import type { ConsentStore } from '../domain/consents/consent.port.ts';
import { uuidv7 } from '../lib/ids.ts';
import { fromJson, toJson } from './json.ts';

export function createConsentStore(db: Db): ConsentStore {
  const scoped = (tenantId: string, identityId: string, applicationId: string) =>
    db.selectFrom('consents').selectAll().where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).where('application_id', '=', applicationId);

  return {
    async save(consent) {
      await db
        .insertInto('consents')
        .values({
          id: uuidv7(consent.grantedAt),
          tenant_id: consent.tenantId,
          identity_id: consent.identityId,
          application_id: consent.applicationId,
          scopes: toJson(consent.scopes),
          resource_scopes: toJson(consent.resourceScopes),
          granted_at: consent.grantedAt,
          updated_at: consent.updatedAt,
        })
        .onConflict((conflict) =>
          conflict.columns(['tenant_id', 'identity_id', 'application_id']).doUpdateSet({
            scopes: toJson(consent.scopes),
            resource_scopes: toJson(consent.resourceScopes),
            updated_at: consent.updatedAt,
          }),
        )
        .execute();
    },

    async find(tenantId, identityId, applicationId) {
      const row = await scoped(tenantId, identityId, applicationId).executeTakeFirst();
      return row && toConsent(row);
    },

    async listForIdentity(tenantId, identityId) {
      const rows = await db.selectFrom('consents').selectAll().where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).orderBy('updated_at', 'desc').execute();
      return rows.map(toConsent);
    },

    async delete(tenantId, identityId, applicationId) {
      const result = await db
        .deleteFrom('consents')
        .where('tenant_id', '=', tenantId)
        .where('identity_id', '=', identityId)
        .where('application_id', '=', applicationId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function toConsent(row: Selectable<ConsentsTable>): Consent {
  return {
    tenantId: row.tenant_id,
    identityId: row.identity_id,
    applicationId: row.application_id,
    scopes: fromJson<string[]>(row.scopes),
    resourceScopes: fromJson<Record<string, string[]>>(row.resource_scopes),
    grantedAt: row.granted_at,
    updatedAt: row.updated_at,
  };
}
