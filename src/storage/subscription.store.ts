// Event subscriptions and their deliveries (ADRs 26 and 38). The claim leases due deliveries in one
// statement as the outbox does (PostgreSQL: FOR UPDATE SKIP LOCKED; the UPDATE
// re-checks that each is still due, so two claimers never get the same one), and takes a delivery
// only when no earlier event to the same subscription about the same customer is still pending
// (the partial index event_deliveries_order answers that), so order is kept per customer while
// other customers and subscribers go on.
import { PostgresAdapter, sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { EventDeliveriesTable, EventSubscriptionsTable } from './tables.ts';
import { fromJson, toJson } from './json.ts';
import type { Delivery, DeliveryStatus, DeliveryStore, SubscriptionStore } from '../domain/subscriptions/subscription.port.ts';
import type { SigningSecret, Subscription, SubscriptionKind } from '../domain/subscriptions/subscription.ts';
import type { EventName } from '../domain/events/catalogue.ts';

const MAX_ERROR_LENGTH = 1000;
/** Outcomes marked per statement (three bound values each on SQLite, well under its limit). */
const MARK_CHUNK = 1000;
/** Deliveries added per INSERT: 20 bound values each, under SQLite's 32,766 and PostgreSQL's 65,535. */
const ADD_CHUNK = 1000;

function toRow(subscription: Subscription): EventSubscriptionsTable {
  return {
    id: subscription.id,
    tenant_id: subscription.tenantId,
    kind: subscription.kind,
    url: subscription.url,
    description: subscription.description,
    event_types: toJson(subscription.eventTypes),
    fields: toJson(subscription.fields),
    purpose_id: subscription.purposeId,
    enabled: subscription.enabled ? 1 : 0,
    secrets: toJson(subscription.secrets),
    created_at: subscription.createdAt,
    updated_at: subscription.updatedAt,
  };
}

function toSubscription(row: Selectable<EventSubscriptionsTable>): Subscription {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind as SubscriptionKind,
    url: row.url,
    description: row.description,
    eventTypes: fromJson<EventName[]>(row.event_types),
    fields: fromJson<string[]>(row.fields),
    purposeId: row.purpose_id,
    enabled: Number(row.enabled) === 1,
    secrets: fromJson<SigningSecret[]>(row.secrets),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createSubscriptionStore(db: Db): SubscriptionStore {
  return {
    async list(tenantId) {
      const rows = await db.selectFrom('event_subscriptions').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
      return rows.map(toSubscription);
    },
    async listEnabled() {
      const rows = await db
        .selectFrom('event_subscriptions')
        .innerJoin('tenants', 'tenants.id', 'event_subscriptions.tenant_id')
        .selectAll('event_subscriptions')
        .select('tenants.slug as tenant_slug')
        .where('event_subscriptions.enabled', '=', 1)
        .execute();
      return rows.map((row) => ({ ...toSubscription(row), tenantSlug: row.tenant_slug }));
    },
    async find(tenantId, id) {
      const row = await db.selectFrom('event_subscriptions').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row ? toSubscription(row) : undefined;
    },
    async lock(tenantId, id) {
      // A write that changes nothing: PostgreSQL locks the row until commit; SQLite's transaction holds the write lock.
      await db.updateTable('event_subscriptions').set((eb) => ({ id: eb.ref('id') })).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },
    async create(subscription) {
      await db.insertInto('event_subscriptions').values(toRow(subscription)).execute();
    },
    async update(subscription) {
      const { id, tenant_id, created_at, ...changes } = toRow(subscription);
      const result = await db.updateTable('event_subscriptions').set(changes).where('tenant_id', '=', tenant_id).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(tenantId, id) {
      // Its deliveries go with it (the foreign key cascades).
      await db.deleteFrom('event_deliveries').where('subscription_id', '=', id).where('tenant_id', '=', tenantId).execute();
      const result = await db.deleteFrom('event_subscriptions').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toDelivery(row: Selectable<EventDeliveriesTable>): Delivery {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    subscriptionId: row.subscription_id,
    eventId: row.event_id,
    eventType: row.event_type,
    aggregate: { type: row.aggregate_type, id: row.aggregate_id },
    occurredAt: row.occurred_at,
    origin: row.origin,
    data: fromJson(row.data),
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    availableAt: row.available_at,
    startedAt: row.started_at,
    createdAt: row.created_at,
    lastAttemptAt: row.last_attempt_at,
    lastStatusCode: row.last_status_code,
    lastLatencyMs: row.last_latency_ms,
    lastError: row.last_error,
    finishedAt: row.finished_at,
  };
}

export function createDeliveryStore(db: Db): DeliveryStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  return {
    async add(deliveries) {
      const added: string[] = [];
      // A node's fan-out writes a whole batch of events at once: chunks keep each INSERT under
      // either engine's limit on bound values (20 a row).
      for (let start = 0; start < deliveries.length; start += ADD_CHUNK) {
        const result = await db
          .insertInto('event_deliveries')
          .values(
            deliveries.slice(start, start + ADD_CHUNK).map((delivery) => ({
              id: delivery.id,
              tenant_id: delivery.tenantId,
              subscription_id: delivery.subscriptionId,
              event_id: delivery.eventId,
              event_type: delivery.eventType,
              aggregate_type: delivery.aggregate.type,
              aggregate_id: delivery.aggregate.id,
              occurred_at: delivery.occurredAt,
              origin: delivery.origin,
              data: toJson(delivery.data),
              status: 'pending',
              attempts: 0,
              available_at: delivery.now,
              started_at: delivery.now,
              created_at: delivery.now,
              last_attempt_at: null,
              last_status_code: null,
              last_latency_ms: null,
              last_error: null,
              finished_at: null,
            })),
          )
          .onConflict((conflict) => conflict.columns(['subscription_id', 'event_id', 'origin']).doNothing())
          .returning('id')
          .execute();
        for (const row of result) added.push(row.id);
      }
      return added;
    },

    async claimDue(now, limit, leaseMs, only) {
      if (only.length === 0) return [];
      // One statement (no transaction, one round trip): the due rows picked in a CTE, which
      // PostgreSQL evaluates once, locking what it picks and skipping rows another claim holds.
      let due = db
        .selectFrom('event_deliveries as d')
        .select('d.id')
        .where('d.status', '=', 'pending')
        .where('d.available_at', '<=', now)
        .where('d.subscription_id', 'in', only)
        .where(({ not, exists, selectFrom }) => {
          // An earlier one: (occurred_at, event_id) below this one's, a range of event_deliveries_order.
          const earlier = selectFrom('event_deliveries as e')
            .select(sql.lit(1).as('one'))
            .whereRef('e.subscription_id', '=', 'd.subscription_id')
            .whereRef('e.aggregate_id', '=', 'd.aggregate_id')
            .where('e.status', '=', 'pending')
            .where((eb) => eb(eb.refTuple('e.occurred_at', 'e.event_id'), '<', eb.refTuple('d.occurred_at', 'd.event_id')));
          // PostgreSQL: OFFSET 0 keeps the check a subplan, one probe of that index per candidate.
          // Turned into an anti-join, it was planned without the customer in the index condition
          // while the table had no statistics yet (a burst into a new table, before autoanalyze):
          // every candidate then scanned every pending row, minutes per claim at 20,000 rows.
          return not(exists(postgres ? earlier.modifyEnd(sql`offset 0`) : earlier));
        })
        .orderBy('d.available_at')
        .orderBy('d.id')
        .limit(limit);
      if (postgres) due = due.forUpdate().skipLocked();
      // The conditions again: under READ COMMITTED a row another claim leased meanwhile is no
      // longer due, so each delivery is claimed once even where the pick above cannot lock.
      const rows = await db
        .with('due', () => due)
        .updateTable('event_deliveries')
        .set((eb) => ({ available_at: now + leaseMs, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
        .where('status', '=', 'pending')
        .where('available_at', '<=', now)
        .returningAll()
        .execute();
      return rows.map(toDelivery).sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    },

    async markDelivered(delivered, now) {
      // One statement for the lot, each row with its own status code and latency: PostgreSQL reads
      // them as arrays (one statement text whatever the count), SQLite as a VALUES list.
      for (let start = 0; start < delivered.length; start += MARK_CHUNK) {
        const chunk = delivered.slice(start, start + MARK_CHUNK);
        const ids = chunk.map((entry) => entry.id);
        const codes = chunk.map((entry) => entry.outcome.statusCode);
        const latencies = chunk.map((entry) => entry.outcome.latencyMs);
        const set = sql`status = 'delivered', finished_at = ${now}, last_attempt_at = ${now}, last_status_code = o.status_code, last_latency_ms = o.latency_ms, last_error = null`;
        if (postgres) {
          await sql`update "event_deliveries" as d set ${set} from unnest(${ids}::text[], ${codes}::integer[], ${latencies}::integer[]) as o(id, status_code, latency_ms) where d.id = o.id and d.status = 'pending'`.execute(db);
        } else {
          const rows = sql.join(chunk.map((_entry, index) => sql`(${ids[index]}, ${codes[index]}, ${latencies[index]})`));
          await sql`with o(id, status_code, latency_ms) as (values ${rows}) update "event_deliveries" set ${set} from o where "event_deliveries".id = o.id and "event_deliveries".status = 'pending'`.execute(db);
        }
      }
    },

    async markFailed(id, outcome, retryAt, now) {
      const attempt = { last_attempt_at: now, last_status_code: outcome.statusCode, last_latency_ms: outcome.latencyMs, last_error: (outcome.error ?? 'failed').slice(0, MAX_ERROR_LENGTH) };
      const update = retryAt === undefined ? { ...attempt, status: 'dead', finished_at: now } : { ...attempt, available_at: retryAt };
      await db.updateTable('event_deliveries').set(update).where('id', '=', id).where('status', '=', 'pending').execute();
    },

    async list(tenantId, subscriptionId, { status, before, limit }) {
      let query = db.selectFrom('event_deliveries').selectAll().where('tenant_id', '=', tenantId).where('subscription_id', '=', subscriptionId);
      if (status) query = query.where('status', '=', status);
      if (before) query = query.where('id', '<', before);
      const rows = await query.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toDelivery);
    },

    async retryDead(tenantId, subscriptionId, ids, now) {
      let update = db
        .updateTable('event_deliveries')
        .set({ status: 'pending', attempts: 0, available_at: now, started_at: now, finished_at: null })
        .where('tenant_id', '=', tenantId)
        .where('subscription_id', '=', subscriptionId)
        .where('status', '=', 'dead');
      if (ids !== undefined) {
        if (ids.length === 0) return 0;
        update = update.where('id', 'in', ids);
      }
      const result = await update.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async pruneFinished(before, limit) {
      const old = db.selectFrom('event_deliveries').select('id').where('finished_at', 'is not', null).where('finished_at', '<', before).limit(limit);
      const result = await db.deleteFrom('event_deliveries').where('id', 'in', old).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
