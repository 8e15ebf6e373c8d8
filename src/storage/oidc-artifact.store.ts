// oidc-provider's artifacts in `oidc_artifacts`, one row per (tenant, model, id). The lookup
// columns (grant_id, uid, user_code, account_id) are copies of payload fields, kept so their
// indexes serve revocation, session and device-code lookups without parsing JSON.
import type { Db } from './database.ts';
import type { ArtifactDevice, OidcArtifactStore, StoredOidcArtifact } from '../domain/oauth/oidc-artifact.port.ts';
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
    async upsert(tenantId, model, id, payload, expiresAt, seen) {
      const lookups = {
        payload: toJson(payload),
        grant_id: stringOrNull(payload['grantId']),
        uid: stringOrNull(payload['uid']),
        user_code: stringOrNull(payload['userCode']),
        account_id: stringOrNull(payload['accountId']),
        expires_at: expiresAt,
        ...(seen ? { seen_at: seen.at } : {}),
      };
      // The device is written once, when the row is created: later saves only say when it was seen.
      const device = seen ? toJson(seen.device) : null;
      await db
        .insertInto('oidc_artifacts')
        .values({ tenant_id: tenantId, model, id, ...lookups, consumed_at: null, device, seen_at: seen?.at ?? null })
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

    async listByAccountId(tenantId, model, accountId, now) {
      const rows = await db
        .selectFrom('oidc_artifacts')
        .select(['id', 'payload', 'consumed_at', 'device', 'seen_at'])
        .where('tenant_id', '=', tenantId)
        .where('account_id', '=', accountId)
        .where('model', '=', model)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('seen_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        payload: fromJson(row.payload),
        consumedAt: row.consumed_at,
        device: row.device === null ? null : fromJson<ArtifactDevice>(row.device),
        seenAt: row.seen_at,
      }));
    },

    async revokeByAccountIdExcept(tenantId, accountId, keep) {
      const grantIds = [...keep.grantIds];
      let query = db.deleteFrom('oidc_artifacts').where('tenant_id', '=', tenantId).where('account_id', '=', accountId);
      if (keep.sessionUid !== undefined) {
        const uid = keep.sessionUid;
        query = query.where((eb) => eb.not(eb.and([eb('model', '=', 'Session'), eb('uid', '=', uid)])));
      }
      if (grantIds.length > 0) {
        // A grant's own row carries its id as `id`; what it issued carries it as `grant_id`.
        query = query
          .where((eb) => eb.or([eb('grant_id', 'is', null), eb('grant_id', 'not in', grantIds)]))
          .where((eb) => eb.not(eb.and([eb('model', '=', 'Grant'), eb('id', 'in', grantIds)])));
      }
      const result = await query.executeTakeFirst();
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
