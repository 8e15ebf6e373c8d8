// The SAML replay cache (migration 0030): one row per assertion that signed someone in, until it expires.
import type { Db } from './database.ts';
import type { SamlReplayStore } from '../domain/federation/saml-replay.port.ts';

export function createSamlReplayStore(db: Db): SamlReplayStore {
  return {
    async spend(tenantId, connectionId, assertionId, expiresAt, now) {
      // Expired IDs can never be replayed (their assertions are refused as expired): clear a few each time.
      await db.deleteFrom('saml_assertions').where('expires_at', '<', now).execute();
      const result = await db
        .insertInto('saml_assertions')
        .values({ tenant_id: tenantId, connection_id: connectionId, assertion_id: assertionId, expires_at: expiresAt })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'connection_id', 'assertion_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
  };
}
