import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { OutboxEventsTable } from './tables.ts';
import type { OutboxEvent } from '../domain/events/event.ts';
import type { OutboxStore } from '../domain/events/outbox.port.ts';
import { fromJson, toJson } from './json.ts';

export function createOutboxStore(db: Db): OutboxStore {
  return {
    async enqueue(event) {
      await db
        .insertInto('outbox_events')
        .values({
          id: event.id,
          tenant_id: event.tenantId,
          type: event.type,
          aggregate_type: event.aggregate.type,
          aggregate_id: event.aggregate.id,
          payload: toJson(event.payload),
          occurred_at: event.occurredAt,
          available_at: event.occurredAt,
          last_error: null,
          published_at: null,
        })
        .execute();
    },

    async listPending(now, limit) {
      const rows = await db
        .selectFrom('outbox_events')
        .selectAll()
        .where('published_at', 'is', null)
        .where('available_at', '<=', now)
        .orderBy('available_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toOutboxEvent);
    },

    async markPublished(ids, now) {
      if (ids.length === 0) return;
      await db.updateTable('outbox_events').set({ published_at: now }).where('id', 'in', ids).execute();
    },

    async redactAggregate(tenantId, aggregateType, aggregateId) {
      const result = await db
        .updateTable('outbox_events')
        .set({ payload: toJson({ redacted: true }) })
        .where('tenant_id', '=', tenantId)
        .where('aggregate_type', '=', aggregateType)
        .where('aggregate_id', '=', aggregateId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async markFailed(id, error, retryAt) {
      await db
        .updateTable('outbox_events')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 2000), available_at: retryAt }))
        .where('id', '=', id)
        .execute();
    },
  };
}

function toOutboxEvent(row: Selectable<OutboxEventsTable>): OutboxEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    aggregate: { type: row.aggregate_type, id: row.aggregate_id },
    payload: fromJson(row.payload),
    occurredAt: row.occurred_at,
    availableAt: row.available_at,
    attempts: row.attempts,
    lastError: row.last_error,
    publishedAt: row.published_at,
  };
}
