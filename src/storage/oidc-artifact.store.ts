// oidc-provider's artifacts in `oidc_artifacts`, one row per (tenant, model, id). The lookup
// columns (grant_id, uid, user_code, account_id) are copies of payload fields, kept so their
// indexes serve revocation, session and device-code lookups without parsing JSON.
import type { Db } from './database.ts';
import type { OidcArtifactStore, StoredOidcArtifact } from '../domain/oauth/oidc-artifact.port.ts';
import { fromJson, toJson } from './json.ts';

export function createOidcArtifactStore(db: Db): OidcArtifactStore {
  function live(tenantId: string, model: string, now: number | undefined) {
    const at = now ?? Date.now();
    return db
      .selectFrom('oidc_artifacts')
      .select(['payload', 'consumed_at'])
      .where('tenant_id', '=', tenantId)
      .where('model', '=', model)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]));
  }

  return {
    async upsert(tenantId, model, id, payload, expiresAt) {
      const lookups = {
        payload: toJson(payload),
        grant_id: stringOrNull(payload['grantId']),
        uid: stringOrNull(payload['uid']),
        user_code: stringOrNull(payload['userCode']),
        account_id: stringOrNull(payload['accountId']),
        expires_at: expiresAt,
      };
      await db
        .insertInto('oidc_artifacts')
        .values({ tenant_id: tenantId, model, id, ...lookups, consumed_at: null })
        .onConflict((oc) => oc.columns(['tenant_id', 'model', 'id']).doUpdateSet(lookups))
        .execute();
    },

    async find(tenantId, model, id, now) {
      return toArtifact(await live(tenantId, model, now).where('id', '=', id).executeTakeFirst());
    },

    async findByUid(tenantId, model, uid, now) {
      return toArtifact(await live(tenantId, model, now).where('uid', '=', uid).executeTakeFirst());
    },

    async findByUserCode(tenantId, model, userCode, now) {
      return toArtifact(await live(tenantId, model, now).where('user_code', '=', userCode).executeTakeFirst());
    },

    async consume(tenantId, model, id, now) {
      const result = await db
        .updateTable('oidc_artifacts')
        .set({ consumed_at: now })
        .where('tenant_id', '=', tenantId)
        .where('model', '=', model)
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async destroy(tenantId, model, id) {
      await db.deleteFrom('oidc_artifacts').where('tenant_id', '=', tenantId).where('model', '=', model).where('id', '=', id).execute();
    },

    async revokeByGrantId(tenantId, grantId) {
      await db.deleteFrom('oidc_artifacts').where('tenant_id', '=', tenantId).where('grant_id', '=', grantId).execute();
    },

    async revokeByAccountId(tenantId, accountId) {
      const result = await db.deleteFrom('oidc_artifacts').where('tenant_id', '=', tenantId).where('account_id', '=', accountId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async removeExpired(now, limit) {
      // Neither engine takes LIMIT on DELETE portably; the keys of one batch come from a subquery
      // on the expiry index instead.
      const result = await db
        .deleteFrom('oidc_artifacts')
        .where(({ eb, refTuple, selectFrom }) =>
          eb(
            refTuple('tenant_id', 'model', 'id'),
            'in',
            selectFrom('oidc_artifacts')
              .select(['tenant_id', 'model', 'id'])
              .where('expires_at', '<=', now)
              .limit(limit)
              .$asTuple('tenant_id', 'model', 'id'),
          ),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function toArtifact(row: { payload: string; consumed_at: number | null } | undefined): StoredOidcArtifact | undefined {
  return row && { payload: fromJson(row.payload), consumedAt: row.consumed_at };
}
