// The transactional outbox. A claim leases the due events it picks (moves their available_at to
// the end of the lease and counts the attempt) in one statement: PostgreSQL skips rows another
// dispatcher is claiming at that moment (FOR UPDATE SKIP LOCKED), SQLite has one writer anyway.
// Delivered events stay (published_at set) until the retention prunes them.
import { PostgresAdapter } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { OutboxEventsTable } from './tables.ts';
import type { DomainEvent, OutboxEvent } from '../domain/events/event.ts';
import type { OutboxStore } from '../domain/events/outbox.port.ts';
import { fromJson, toJson } from './json.ts';
import { insertRows } from './bulk-insert.ts';

/** Longer errors are cut: the start says what went wrong. */
const MAX_ERROR_LENGTH = 2000;

function rowOf(event: DomainEvent & { id: string; occurredAt: number }) {
  return {
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
  };
}

/** `recorded` is told the type of each event written (a transaction passes its own, and tells the node after commit). */
export function createOutboxStore(db: Db, recorded: (type: string) => void = () => {}): OutboxStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  return {
    async enqueue(event) {
      await db.insertInto('outbox_events').values(rowOf(event)).execute();
      recorded(event.type);
    },

    async enqueueMany(events) {
      await insertRows(db, 'outbox_events', events.map(rowOf));
      for (const event of events) recorded(event.type);
    },

    async claimDue(now, limit, leaseMs) {
      // One statement, no transaction (ADR 38): the select, in a CTE, reads the partial index of
      // undelivered events (outbox_events_pending) only; PostgreSQL locks what it picks.
      let due = db
        .selectFrom('outbox_events')
        .select('id')
        .where('published_at', 'is', null)
        .where('available_at', '<=', now)
        .orderBy('available_at')
        .orderBy('id')
        .limit(limit);
      if (postgres) due = due.forUpdate().skipLocked();
      // The conditions again: an event another dispatcher leased meanwhile is no longer due, so
      // each event is claimed by one dispatcher even where the select above cannot lock.
      const rows = await db
        .with('due', () => due)
        .updateTable('outbox_events')
        .set((eb) => ({ available_at: now + leaseMs, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
        .where('published_at', 'is', null)
        .where('available_at', '<=', now)
        .returningAll()
        .execute();
      return rows.map(toOutboxEvent).sort((a, b) => a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : 1));
    },

    async markPublished(ids, now) {
      if (ids.length === 0) return;
      await db.updateTable('outbox_events').set({ published_at: now }).where('id', 'in', ids).where('published_at', 'is', null).execute();
    },

    async markFailed(id, error, retryAt, now) {
      const lastError = error.slice(0, MAX_ERROR_LENGTH);
      // Giving up ends the event as a delivery does (the retention prunes it), its error kept.
      const update = retryAt === undefined ? { last_error: lastError, published_at: now } : { last_error: lastError, available_at: retryAt };
      await db.updateTable('outbox_events').set(update).where('id', '=', id).where('published_at', 'is', null).execute();
    },

    async redactAggregate(tenantId, aggregate, { except }) {
      let update = db
        .updateTable('outbox_events')
        .set({ payload: toJson({ redacted: true }) })
        .where('tenant_id', '=', tenantId)
        .where('aggregate_type', '=', aggregate.type)
        .where('aggregate_id', '=', aggregate.id);
      if (except.length > 0) update = update.where('type', 'not in', except);
      const result = await update.executeTakeFirst();
      // Deliveries to subscribers hold the data scrubbed for each: the same redaction.
      let deliveries = db
        .updateTable('event_deliveries')
        .set({ data: toJson({ redacted: true }) })
        .where('tenant_id', '=', tenantId)
        .where('aggregate_id', '=', aggregate.id)
        .where('aggregate_type', '=', aggregate.type);
      if (except.length > 0) deliveries = deliveries.where('event_type', 'not in', except);
      await deliveries.execute();
      return Number(result.numUpdatedRows);
    },

    async listOfTenant(tenantId, { from, to, after, limit }) {
      // Reads the index outbox_events_tenant_time.
      let query = db.selectFrom('outbox_events').selectAll().where('tenant_id', '=', tenantId).where('occurred_at', '>=', from).where('occurred_at', '<', to);
      if (after) query = query.where((eb) => eb.or([eb('occurred_at', '>', after.occurredAt), eb.and([eb('occurred_at', '=', after.occurredAt), eb('id', '>', after.id)])]));
      const rows = await query.orderBy('occurred_at').orderBy('id').limit(limit).execute();
      return rows.map(toOutboxEvent);
    },

    async prunePublished(before, limit) {
      // A batch of ids, as the expired-rows sweep deletes elsewhere: no long lock, and PostgreSQL
      // has no DELETE … LIMIT. Reads the partial index of published events (outbox_events_published).
      const old = db.selectFrom('outbox_events').select('id').where('published_at', 'is not', null).where('published_at', '<', before).limit(limit);
      const result = await db.deleteFrom('outbox_events').where('id', 'in', old).executeTakeFirst();
      return Number(result.numDeletedRows);
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
