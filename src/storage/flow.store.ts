import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { FlowsTable } from './tables.ts';
import type { Flow, FlowKind, FlowState, FlowType } from '../domain/flows/flow.ts';
import type { FlowStore } from '../domain/flows/flow.port.ts';
import { fromJson, toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';

// A browser flow is created, read and completed on every sign-in: those statements are compiled
// once (prepared-query.ts).
const insertFlowRow = (db: Db, $: Selectable<FlowsTable>) =>
  db.insertInto('flows').values({
    id: $.id,
    tenant_id: $.tenant_id,
    type: $.type,
    kind: $.kind,
    state: $.state,
    csrf_token: $.csrf_token,
    return_to: $.return_to,
    interaction_uid: $.interaction_uid,
    identity_id: $.identity_id,
    payload: $.payload,
    expires_at: $.expires_at,
    created_at: $.created_at,
    updated_at: $.updated_at,
  });
const insertFlow = prepareQuery(insertFlowRow);
// The same insert, except that an existing id leaves the stored flow as it is (claim).
const insertFlowUnlessExists = prepareQuery((db, $: Selectable<FlowsTable>) => insertFlowRow(db, $).onConflict((conflict) => conflict.column('id').doNothing()));

const findLiveFlow = prepareQuery((db, $: { tenantId: string; id: string; now: number }) =>
  db
    .selectFrom('flows')
    .select(['id', 'tenant_id', 'type', 'kind', 'state', 'csrf_token', 'return_to', 'interaction_uid', 'identity_id', 'payload', 'expires_at', 'created_at', 'updated_at'])
    .where('tenant_id', '=', $.tenantId)
    .where('id', '=', $.id)
    .where('expires_at', '>', $.now),
);

const completeFlow = prepareQuery((db, $: { tenantId: string; id: string; identityId: string; now: number }) =>
  db
    .updateTable('flows')
    .set({ state: 'complete', identity_id: $.identityId, updated_at: $.now })
    .where('tenant_id', '=', $.tenantId)
    .where('id', '=', $.id)
    .where('state', '=', 'active')
    // An expired flow is over (find no longer sees it): it must not complete late either.
    .where('expires_at', '>', $.now),
);

export function createFlowStore(db: Db): FlowStore {
  return {
    async create(flow) {
      await insertFlow.execute(db, rowOf(flow));
    },

    async claim(flow) {
      const result = await insertFlowUnlessExists.execute(db, rowOf(flow));
      return (result.numAffectedRows ?? 0n) > 0n;
    },

    async find(tenantId, id, now) {
      const [row] = (await findLiveFlow.execute(db, { tenantId, id, now })).rows;
      return row && toFlow(row);
    },

    async complete(tenantId, id, identityId, now) {
      const result = await completeFlow.execute(db, { tenantId, id, identityId, now });
      return (result.numAffectedRows ?? 0n) > 0n;
    },

    async advance(tenantId, id, from, change, now) {
      const result = await db
        .updateTable('flows')
        .set({ state: change.state, payload: toJson(change.payload), ...(change.identityId !== undefined ? { identity_id: change.identityId } : {}), updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('state', '=', from)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(tenantId, id) {
      await db.deleteFrom('flows').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async removeExpired(now, limit) {
      const expired = db.selectFrom('flows').select('id').where('expires_at', '<=', now).limit(limit);
      const result = await db.deleteFrom('flows').where('id', 'in', expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toFlow(row: Selectable<FlowsTable>): Flow {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type as FlowType,
    kind: row.kind as FlowKind,
    state: row.state as FlowState,
    csrfToken: row.csrf_token,
    interactionUid: row.interaction_uid,
    identityId: row.identity_id,
    payload: fromJson(row.payload),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

function rowOf(flow: Flow): Selectable<FlowsTable> {
  return {
    id: flow.id,
    tenant_id: flow.tenantId,
    type: flow.type,
    kind: flow.kind,
    state: flow.state,
    csrf_token: flow.csrfToken,
    return_to: null,
    interaction_uid: flow.interactionUid,
    identity_id: flow.identityId,
    payload: toJson(flow.payload),
    expires_at: flow.expiresAt,
    created_at: flow.createdAt,
    updated_at: flow.createdAt,
  };
}
