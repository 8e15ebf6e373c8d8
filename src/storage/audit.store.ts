import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { AuditEventsTable } from './tables.ts';
import type { ActorType, AuditEvent } from '../domain/audit/audit.ts';
import type { AuditStore } from '../domain/audit/audit.port.ts';
import { fromJson, toJson } from './json.ts';
import { prepareQuery } from './prepared-query.ts';
import { insertRows } from './bulk-insert.ts';
import { uuidv7Floor } from '../lib/ids.ts';

/**
 * The audit row's columns, each bound to its parameter: what a prepared insert of an entry writes
 * (prepared-query.ts), here and where an entry is written with other rows (passkey-use.store.ts).
 */
export function auditColumns($: Selectable<AuditEventsTable>): Selectable<AuditEventsTable> {
  return {
    id: $.id,
    tenant_id: $.tenant_id,
    occurred_at: $.occurred_at,
    action: $.action,
    outcome: $.outcome,
    actor_type: $.actor_type,
    actor_id: $.actor_id,
    target_type: $.target_type,
    target_id: $.target_id,
    ip: $.ip,
    user_agent: $.user_agent,
    request_id: $.request_id,
    application_id: $.application_id,
    details: $.details,
  };
}

// Every sign-in attempt appends an event: the insert is compiled once (prepared-query.ts).
const insertEvent = prepareQuery((db, $: Selectable<AuditEventsTable>) => db.insertInto('audit_events').values(auditColumns($)));

/** An entry as its row (shared with the stores that write an entry together with their own change). */
export function auditRowOf(event: AuditEvent): Selectable<AuditEventsTable> {
  return {
    id: event.id,
    tenant_id: event.tenantId,
    occurred_at: event.occurredAt,
    action: event.action,
    outcome: event.outcome,
    actor_type: event.actor.type,
    actor_id: event.actor.id ?? null,
    target_type: event.target?.type ?? null,
    target_id: event.target?.id ?? null,
    ip: event.context?.ip ?? null,
    user_agent: event.context?.userAgent ?? null,
    request_id: event.context?.requestId ?? null,
    application_id: event.context?.applicationId ?? null,
    details: toJson(event.details),
  };
}

export function createAuditStore(db: Db): AuditStore {
  return {
    async append(event) {
      await insertEvent.execute(db, auditRowOf(event));
    },

    async appendMany(events) {
      await insertRows(db, 'audit_events', events.map(auditRowOf));
    },

    async list(tenantId, { targetId, before, limit }) {
      let query = db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId);
      if (targetId !== undefined) query = query.where('target_id', '=', targetId);
      if (before !== undefined) query = query.where('occurred_at', '<', before);
      const rows = await query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toAuditEvent);
    },

    async search(tenantId, filter, { limit, after }) {
      let query = db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId);
      if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
      if (filter.subjectId !== undefined) query = query.where('target_id', '=', filter.subjectId);
      if (filter.action?.endsWith('.*')) {
        // LIKE with `_` and `%` escaped: action names contain underscores.
        const prefix = filter.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
        query = query.where(sql<boolean>`${sql.ref('action')} like ${`${prefix}%`} escape '\\'`);
      } else if (filter.action !== undefined) {
        query = query.where('action', '=', filter.action);
      }
      if (filter.applicationId !== undefined) {
        const id = filter.applicationId;
        query = query.where((eb) =>
          eb.or([
            eb.and([eb('target_type', '=', 'application'), eb('target_id', '=', id)]),
            eb.and([eb('actor_type', '=', 'client'), eb('actor_id', '=', id)]),
            eb('application_id', '=', id),
          ]),
        );
      }
      if (filter.since !== undefined) query = query.where('occurred_at', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('occurred_at', '<', filter.until);
      if (after !== undefined) {
        query = query.where((eb) =>
          eb.or([eb('occurred_at', '<', after.occurredAt), eb.and([eb('occurred_at', '=', after.occurredAt), eb('id', '<', after.id)])]),
        );
      }
      const rows = await query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toAuditEvent);
    },

    async pruneBefore(before, limit) {
      // Ids are UUIDv7, so the entries recorded before `before` are a range of the primary key: no
      // index of their own, on either engine. A batch of ids at a time, as the expired-rows sweep
      // deletes elsewhere (no long lock; PostgreSQL has no DELETE … LIMIT).
      const old = db.selectFrom('audit_events').select('id').where('id', '<', uuidv7Floor(before)).where('occurred_at', '<', before).orderBy('id').limit(limit);
      const result = await db.deleteFrom('audit_events').where('id', 'in', old).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async forgetPersonalData(tenantId, identityId) {
      const result = await db
        .updateTable('audit_events')
        .set({ ip: null, user_agent: null })
        .where('tenant_id', '=', tenantId)
        // What the customer did (or what was tried against their account): an operator's own address stays.
        .where('actor_type', '=', 'customer')
        .where((eb) => eb.or([eb('actor_id', '=', identityId), eb('target_id', '=', identityId)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async listForIdentity(tenantId, identityId, { limit, before, beforeId }) {
      // Two indexed lookups (by target, by actor) merged, rather than an OR no index serves.
      const side = (column: 'target_id' | 'actor_id') => {
        let query = db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId).where(column, '=', identityId);
        if (before !== undefined && beforeId !== undefined) query = query.where((eb) => eb(eb.refTuple('occurred_at', 'id'), '<', eb.tuple(before, beforeId)));
        else if (before !== undefined) query = query.where('occurred_at', '<', before);
        return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      };
      const [asTarget, asActor] = await Promise.all([side('target_id'), side('actor_id')]);
      const byId = new Map([...asTarget, ...asActor].map((row) => [row.id, row]));
      const rows = [...byId.values()].sort((a, b) => b.occurred_at - a.occurred_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      return rows.slice(0, limit).map(toAuditEvent);
    },

    async lastOccurrences(tenantId, action, targetIds) {
      if (targetIds.length === 0) return new Map();
      // Each target's entries are one range of audit_events_target, read from its newest end.
      const rows = await db
        .selectFrom('audit_events')
        .select((eb) => ['target_id', eb.fn.max('occurred_at').as('at')])
        .where('tenant_id', '=', tenantId)
        .where('target_id', 'in', targetIds)
        .where('action', '=', action)
        .groupBy('target_id')
        .execute();
      return new Map(rows.flatMap((row) => (row.target_id === null ? [] : [[row.target_id, Number(row.at)] as const])));
    },
  };
}

function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    occurredAt: row.occurred_at,
    action: row.action,
    outcome: row.outcome === 'failure' ? 'failure' : 'success',
    actor: { type: row.actor_type as ActorType, ...(row.actor_id ? { id: row.actor_id } : {}) },
    ...(row.target_type && row.target_id ? { target: { type: row.target_type, id: row.target_id } } : {}),
    context: {
      ...(row.ip ? { ip: row.ip } : {}),
      ...(row.user_agent ? { userAgent: row.user_agent } : {}),
      ...(row.request_id ? { requestId: row.request_id } : {}),
      ...(row.application_id ? { applicationId: row.application_id } : {}),
    },
    details: fromJson(row.details),
  };
}
