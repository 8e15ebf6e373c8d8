// oidc-provider's artifacts in `oidc_artifacts`, one row per (tenant, model, id). The lookup
// columns (grant_id, uid, user_code, account_id) are copies of payload fields, kept so their
// indexes serve revocation, session and device-code lookups without parsing JSON.
import type { Db } from './database.ts';
import type { OidcArtifactStore, StoredOidcArtifact } from '../domain/oauth/oidc-artifact.port.ts';
import { fromJson, toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';

// Every authorization, token, refresh, userinfo and introspection request runs these: they are
// compiled once (prepared-query.ts). The finders see unexpired rows only.
type Key = { tenantId: string; model: string; id: string };
type Lookup<Column extends string> = { tenantId: string; model: string; now: number } & Record<Column, string>;

const findById = prepareQuery((db, $: Lookup<'id'>) => liveArtifacts(db, $).where('id', '=', $.id));
const findByUid = prepareQuery((db, $: Lookup<'uid'>) => liveArtifacts(db, $).where('uid', '=', $.uid));
const findByUserCode = prepareQuery((db, $: Lookup<'userCode'>) => liveArtifacts(db, $).where('user_code', '=', $.userCode));

const upsertArtifact = prepareQuery(
  (
    db,
    $: Key & { payload: string; grantId: string | null; uid: string | null; userCode: string | null; accountId: string | null; expiresAt: number | null },
  ) =>
    db
      .insertInto('oidc_artifacts')
      .values({
        tenant_id: $.tenantId,
        model: $.model,
        id: $.id,
        payload: $.payload,
        grant_id: $.grantId,
        uid: $.uid,
        user_code: $.userCode,
        account_id: $.accountId,
        expires_at: $.expiresAt,
        consumed_at: null,
      })
      // consumed_at is left as it is: a consumed code or refresh token stays consumed.
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'model', 'id']).doUpdateSet((eb) => ({
          payload: eb.ref('excluded.payload'),
          grant_id: eb.ref('excluded.grant_id'),
          uid: eb.ref('excluded.uid'),
          user_code: eb.ref('excluded.user_code'),
          account_id: eb.ref('excluded.account_id'),
          expires_at: eb.ref('excluded.expires_at'),
        })),
      ),
);

const consumeArtifact = prepareQuery((db, $: Key & { now: number }) =>
  db
    .updateTable('oidc_artifacts')
    .set({ consumed_at: $.now })
    .where('tenant_id', '=', $.tenantId)
    .where('model', '=', $.model)
    .where('id', '=', $.id)
    .where('consumed_at', 'is', null),
);

const destroyArtifact = prepareQuery((db, $: Key) =>
  db.deleteFrom('oidc_artifacts').where('tenant_id', '=', $.tenantId).where('model', '=', $.model).where('id', '=', $.id),
);

const revokeGrant = prepareQuery((db, $: { tenantId: string; grantId: string }) =>
  db.deleteFrom('oidc_artifacts').where('tenant_id', '=', $.tenantId).where('grant_id', '=', $.grantId),
);

function liveArtifacts(db: Db, $: { tenantId: string; model: string; now: number }) {
  return db
    .selectFrom('oidc_artifacts')
    .select(['payload', 'consumed_at'])
    .where('tenant_id', '=', $.tenantId)
    .where('model', '=', $.model)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', $.now)]));
}

export function createOidcArtifactStore(db: Db): OidcArtifactStore {
  return {
    async upsert(tenantId, model, id, payload, expiresAt) {
      await upsertArtifact.execute(db, {
        tenantId,
        model,
        id,
        payload: toJson(payload),
        grantId: stringOrNull(payload['grantId']),
        uid: stringOrNull(payload['uid']),
        userCode: stringOrNull(payload['userCode']),
        accountId: stringOrNull(payload['accountId']),
        expiresAt,
      });
    },

    async find(tenantId, model, id, now) {
      return toArtifact((await findById.execute(db, { tenantId, model, id, now: now ?? Date.now() })).rows[0]);
    },

    async findByUid(tenantId, model, uid, now) {
      return toArtifact((await findByUid.execute(db, { tenantId, model, uid, now: now ?? Date.now() })).rows[0]);
    },

    async findByUserCode(tenantId, model, userCode, now) {
      return toArtifact((await findByUserCode.execute(db, { tenantId, model, userCode, now: now ?? Date.now() })).rows[0]);
    },

    async consume(tenantId, model, id, now) {
      const result = await consumeArtifact.execute(db, { tenantId, model, id, now });
      return (result.numAffectedRows ?? 0n) > 0n;
    },

    async destroy(tenantId, model, id) {
      await destroyArtifact.execute(db, { tenantId, model, id });
    },

    async revokeByGrantId(tenantId, grantId) {
      await revokeGrant.execute(db, { tenantId, grantId });
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
