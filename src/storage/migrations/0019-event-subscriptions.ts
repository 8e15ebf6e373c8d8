// Outbound events (issue 15, ADR 0026): a tenant's subscriptions (a webhook URL or NATS JetStream,
// the event types, the allow-list of customer fields, an optional consent purpose, the signing
// secrets sealed at rest), and one delivery row per event and subscription, fanned out from the
// outbox by its dispatcher and delivered by the subscriptions' own (leased) queue. A delivery keeps
// the data already scrubbed for its subscriber, its last attempt (the delivery log) and its state:
// pending, delivered, or dead (given up after 24 hours, retried on request).
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { json, time } = columnTypes(db);
  await db.schema
    .createTable('event_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('event_types', json, (c) => c.notNull())
    .addColumn('fields', json, (c) => c.notNull())
    .addColumn('purpose_id', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('secrets', json, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_subscriptions_tenant').on('event_subscriptions').columns(['tenant_id', 'id']).execute();

  await db.schema
    .createTable('event_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('event_subscriptions.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('aggregate_type', 'text', (c) => c.notNull())
    .addColumn('aggregate_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', time, (c) => c.notNull())
    // `live` for the fan-out of a new event, the replay's id for a replay.
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('data', json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('available_at', time, (c) => c.notNull())
    // When this round of attempts began: the 24 hours of retries count from here (a dead letter retried starts anew).
    .addColumn('started_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_attempt_at', time)
    .addColumn('last_status_code', 'integer')
    .addColumn('last_latency_ms', 'integer')
    .addColumn('last_error', 'text')
    // Delivered or dead: the retention counts from here.
    .addColumn('finished_at', time)
    .execute();
  // A fan-out repeated after a crash adds nothing.
  await db.schema.createIndex('event_deliveries_once').on('event_deliveries').columns(['subscription_id', 'event_id', 'origin']).unique().execute();
  // The claim: pending deliveries by due time.
  await db.schema.createIndex('event_deliveries_pending').on('event_deliveries').columns(['available_at', 'id']).where(sql.ref('status'), '=', 'pending').execute();
  // Order per customer: an earlier pending delivery to the same subscriber about the same customer holds the later ones back.
  await db.schema
    .createIndex('event_deliveries_order')
    .on('event_deliveries')
    .columns(['subscription_id', 'aggregate_id', 'occurred_at', 'event_id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  // The delivery log of a subscription, newest first, by status.
  await db.schema.createIndex('event_deliveries_log').on('event_deliveries').columns(['subscription_id', 'status', 'id']).execute();
  await db.schema.createIndex('event_deliveries_finished').on('event_deliveries').column('finished_at').where(sql.ref('finished_at'), 'is not', null).execute();
  // Erasure redacts a customer's deliveries still to go.
  await db.schema.createIndex('event_deliveries_aggregate').on('event_deliveries').columns(['tenant_id', 'aggregate_id']).execute();
  // Replay reads a tenant's retained events by time.
  await db.schema.createIndex('outbox_events_tenant_time').on('outbox_events').columns(['tenant_id', 'occurred_at']).execute();
}
