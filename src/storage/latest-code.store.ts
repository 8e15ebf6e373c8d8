// The live one-time code of each address (LatestCodeStore): one row per tenant and address,
// replaced by every new code, deleted by the sweep once that code has expired.
import type { Db } from './database.ts';
import type { LatestCodeStore } from '../domain/self-service/latest-code.port.ts';

export function createLatestCodeStore(db: Db): LatestCodeStore {
  return {
    async record(tenantId, address, flowId, expiresAt) {
      await db
        .insertInto('latest_codes')
        .values({ tenant_id: tenantId, address, flow_id: flowId, expires_at: expiresAt })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'address']).doUpdateSet({ flow_id: flowId, expires_at: expiresAt }))
        .execute();
    },

    async flowOf(tenantId, address, now) {
      const row = await db.selectFrom('latest_codes').select('flow_id').where('tenant_id', '=', tenantId).where('address', '=', address).where('expires_at', '>', now).executeTakeFirst();
      return row?.flow_id;
    },

    async removeExpired(now, limit) {
      const expired = await db.selectFrom('latest_codes').select(['tenant_id', 'address']).where('expires_at', '<=', now).limit(limit).execute();
      if (expired.length === 0) return 0;
      const result = await db
        .deleteFrom('latest_codes')
        .where('expires_at', '<=', now)
        .where((eb) => eb.or(expired.map((row) => eb.and([eb('tenant_id', '=', row.tenant_id), eb('address', '=', row.address)]))))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
