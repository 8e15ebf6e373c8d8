// oidc-provider's artifacts in `oidc_artifacts`, one row per (tenant, model, id). The lookup
// columns (grant_id, uid, user_code, account_id) are copies of payload fields, kept so their
// indexes serve revocation, session and device-code lookups without parsing JSON.
import type { Db } from './database.ts';
import { inTransaction } from './database.ts';
import type { ArtifactDevice, ArtifactWrite, OidcArtifactStore, StoredOidcArtifact } from '../domain/oauth/oidc-artifact.port.ts';
import { PostgresAdapter } from 'kysely';
import type { PreparedQuery } from './prepared-query.ts';
import { fromJson, toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';

// Every authorization, token, refresh, userinfo and introspection request runs these: they are
// compiled once (prepared-query.ts). The finders see unexpired rows only.
type Key = { tenantId: string; model: string; id: string };
type Lookup<Column extends string> = { tenantId: string; model: string; now: number } & Record<Column, string>;

const findById = prepareQuery((db, $: Lookup<'id'>) => liveArtifacts(db, $).where('id', '=', $.id));
const findByUid = prepareQuery((db, $: Lookup<'uid'>) => liveArtifacts(db, $).where('uid', '=', $.uid));
const findByUserCode = prepareQuery((db, $: Lookup<'userCode'>) => liveArtifacts(db, $).where('user_code', '=', $.userCode));

/** The columns of one upserted artifact, as bound values. */
type UpsertValues = {
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  accountId: string | null;
  expiresAt: number | null;
  device: string | null;
  seenAt: number | null;
};

function artifactRow(tenantId: string, $: UpsertValues) {
  return {
    tenant_id: tenantId,
    model: $.model,
    id: $.id,
    payload: $.payload,
    grant_id: $.grantId,
    uid: $.uid,
    user_code: $.userCode,
    account_id: $.accountId,
    expires_at: $.expiresAt,
    consumed_at: null,
    device: $.device,
    seen_at: $.seenAt,
  };
}

/** The upsert of one or more rows (distinct keys): their insert, or the update of what changes. */
function upsertRows(db: Db, rows: ReturnType<typeof artifactRow>[]) {
  return (
    db
      .insertInto('oidc_artifacts')
      .values(rows)
      // consumed_at is left as it is: a consumed code or refresh token stays consumed. The device
      // is written once, when the row is created; later saves only say when it was seen.
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'model', 'id']).doUpdateSet((eb) => ({
          payload: eb.ref('excluded.payload'),
          grant_id: eb.ref('excluded.grant_id'),
          uid: eb.ref('excluded.uid'),
          user_code: eb.ref('excluded.user_code'),
          account_id: eb.ref('excluded.account_id'),
          expires_at: eb.ref('excluded.expires_at'),
          seen_at: eb.fn.coalesce(eb.ref('excluded.seen_at'), eb.ref('oidc_artifacts.seen_at')),
        })),
      )
  );
}

const upsertArtifact = prepareQuery((db, $: UpsertValues & { tenantId: string }) => upsertRows(db, [artifactRow($.tenantId, $)]));

/**
 * PostgreSQL: the writes of one batch (writeAll) as one statement, by its shape: `upserts` rows
 * upserted and `destroys` deleted in a data-modifying WITH. Its values are `tenantId` and, per
 * upserted row, the UpsertValues fields suffixed with its index (`model0`, `payload0`…), and per
 * deleted row `destroyModel<i>` and `destroyId<i>`. The keys are distinct, so no row is touched twice in the statement.
 */
function batchStatement(upserts: number, destroys: number): PreparedQuery<Record<string, unknown>, unknown> {
  return prepareQuery((db, $: Record<string, unknown>) => {
    const at = (name: string, index: number) => $[`${name}${index}`] as never;
    const rows = Array.from({ length: upserts }, (_, i) =>
      artifactRow($['tenantId'] as string, {
        model: at('model', i),
        id: at('id', i),
        payload: at('payload', i),
        grantId: at('grantId', i),
        uid: at('uid', i),
        userCode: at('userCode', i),
        accountId: at('accountId', i),
        expiresAt: at('expiresAt', i),
        device: at('device', i),
        seenAt: at('seenAt', i),
      }),
    );
    const gone = (qb: Db) =>
      qb
        .deleteFrom('oidc_artifacts')
        .where('tenant_id', '=', $['tenantId'] as string)
        .where((eb) => eb.or(Array.from({ length: destroys }, (_, i) => eb.and([eb('model', '=', at('destroyModel', i)), eb('id', '=', at('destroyId', i))]))));
    if (upserts === 0) return gone(db);
    if (destroys === 0) return upsertRows(db, rows);
    return upsertRows(db.with('gone', (qb) => gone(qb as unknown as Db)) as unknown as Db, rows);
  });
}

/** Batch statements by shape; a request writes a handful of artifacts, so there are few shapes. */
const batchStatements = new Map<string, PreparedQuery<Record<string, unknown>, unknown>>();
const BATCH_SHAPES_MAX = 64;

function batchStatementFor(upserts: number, destroys: number): PreparedQuery<Record<string, unknown>, unknown> | undefined {
  const shape = `${upserts}:${destroys}`;
  let statement = batchStatements.get(shape);
  if (!statement && batchStatements.size < BATCH_SHAPES_MAX) {
    statement = batchStatement(upserts, destroys);
    batchStatements.set(shape, statement);
  }
  return statement;
}

const consumeArtifact = prepareQuery((db, $: Key & { now: number }) =>
  db
    .updateTable('oidc_artifacts')
    .set({ consumed_at: $.now })
    .where('tenant_id', '=', $.tenantId)
    .where('model', '=', $.model)
    .where('id', '=', $.id)
    .where('consumed_at', 'is', null),
);

const markArtifactSeen = prepareQuery((db, $: Key & { at: number; before: number }) =>
  db
    .updateTable('oidc_artifacts')
    .set({ seen_at: $.at })
    .where('tenant_id', '=', $.tenantId)
    .where('model', '=', $.model)
    .where('id', '=', $.id)
    .where((eb) => eb.or([eb('seen_at', 'is', null), eb('seen_at', '<', $.before)])),
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

type GroupedWrites = { readonly tenantId: string; readonly writes: readonly ArtifactWrite[]; resolve(): void; reject(error: unknown): void };

/**
 * SQLite: the writeAll calls made in one turn of the event loop, by as many requests, committed in
 * one transaction (a group commit, ADR 0034). Each commit appends every page it changed to the WAL
 * (an artifact's row touches its table and two or more indexes) and every thousand pages a
 * checkpoint copies them into the database file on the event loop; a group writes each page once
 * for all its requests. Nothing is acknowledged earlier: a request's writeAll resolves, and its
 * answer is sent, only once the commit holding its writes is done. When the group's commit fails,
 * its requests are committed one by one, so one request's failure is its own.
 */
function groupCommits(db: Db, apply: (tx: Db, tenantId: string, writes: readonly ArtifactWrite[]) => Promise<void>) {
  let queued: GroupedWrites[] = [];

  async function commit(): Promise<void> {
    const group = queued;
    queued = [];
    // A group of one request with one write (a request alone in its turn): a statement commits itself.
    if (group.length === 1 && group[0]!.writes.length === 1) {
      const [only] = group as [GroupedWrites];
      return apply(db, only.tenantId, only.writes).then(only.resolve, only.reject);
    }
    try {
      await db.transaction().execute(async (tx) => {
        for (const { tenantId, writes } of group) await apply(tx, tenantId, writes);
      });
      for (const entry of group) entry.resolve();
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const entry of group) {
        await db
          .transaction()
          .execute((tx) => apply(tx, entry.tenantId, entry.writes))
          .then(entry.resolve, entry.reject);
      }
    }
  }

  return (tenantId: string, writes: readonly ArtifactWrite[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      // setImmediate: after the requests whose bytes arrived in this turn have reached their writes.
      if (queued.length === 0) setImmediate(() => void commit());
      queued.push({ tenantId, writes, resolve, reject });
    });
}

export function createOidcArtifactStore(db: Db): OidcArtifactStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // In a caller's transaction the caller commits; on PostgreSQL each batch is one statement already.
  const commitGrouped = postgres || db.isTransaction ? undefined : groupCommits(db, applyOneByOne);

  async function applyOneByOne(tx: Db, tenantId: string, writes: readonly ArtifactWrite[]): Promise<void> {
    for (const write of writes) {
      if (write.kind === 'upsert') await upsertArtifact.execute(tx, { tenantId, ...upsertValuesOf(write) });
      else await destroyArtifact.execute(tx, { tenantId, model: write.model, id: write.id });
    }
  }

  return {
    async upsert(tenantId, model, id, payload, expiresAt, seen) {
      await upsertArtifact.execute(db, { tenantId, ...upsertValuesOf({ kind: 'upsert', model, id, payload, expiresAt, seen }) });
    },

    async writeAll(tenantId, writes) {
      if (writes.length === 0) return;
      if (commitGrouped) return commitGrouped(tenantId, writes);
      if (writes.length === 1) return applyOneByOne(db, tenantId, writes);
      const upserts = writes.filter((write) => write.kind === 'upsert');
      const destroys = writes.filter((write) => write.kind === 'destroy');
      const statement = postgres ? batchStatementFor(upserts.length, destroys.length) : undefined;
      if (!statement) {
        // SQLite in a caller's transaction, or a shape past the cache: one transaction, one commit.
        await inTransaction(db, (tx) => applyOneByOne(tx, tenantId, writes));
        return;
      }
      const values: Record<string, unknown> = { tenantId };
      upserts.forEach((write, i) => {
        for (const [name, value] of Object.entries(upsertValuesOf(write))) values[`${name}${i}`] = value;
      });
      destroys.forEach((write, i) => {
        values[`destroyModel${i}`] = write.model;
        values[`destroyId${i}`] = write.id;
      });
      await statement.execute(db, values);
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

    async markSeen(tenantId, model, id, at, resolutionMs) {
      await markArtifactSeen.execute(db, { tenantId, model, id, at, before: at - resolutionMs });
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

function upsertValuesOf(write: Extract<ArtifactWrite, { kind: 'upsert' }>): UpsertValues {
  const { model, id, payload, expiresAt, seen } = write;
  return {
    model,
    id,
    payload: toJson(payload),
    grantId: stringOrNull(payload['grantId']),
    uid: stringOrNull(payload['uid']),
    userCode: stringOrNull(payload['userCode']),
    accountId: stringOrNull(payload['accountId']),
    expiresAt,
    device: seen ? toJson(seen.device) : null,
    seenAt: seen?.at ?? null,
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function toArtifact(row: { payload: string; consumed_at: number | null } | undefined): StoredOidcArtifact | undefined {
  return row && { payload: fromJson(row.payload), consumedAt: row.consumed_at };
}
