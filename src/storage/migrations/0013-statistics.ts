// Statistics for dashboards (ADR 0022): daily counters, a daily sketch of active customers, the
// sign-ups waiting for their customer's return, and the ids of the batches written (so that a
// batch tried again after a lost answer is not counted twice). No table holds personal data but
// the expected returns, which name an identity for at most the return window.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time, bytes } = columnTypes(db);
  await db.schema
    .createTable('stats_daily')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('application', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    // Also the index of every query: a tenant's days in order.
    .addPrimaryKeyConstraint('stats_daily_pk', ['tenant_id', 'day', 'metric', 'application', 'method'])
    .execute();
  await db.schema
    .createTable('stats_active')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('registers', bytes, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_active_pk', ['tenant_id', 'day'])
    .execute();
  await db.schema
    .createTable('stats_expected_returns')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('application', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_expected_returns_pk', ['tenant_id', 'identity_id'])
    .execute();
  await db.schema.createIndex('stats_expected_returns_expiry').on('stats_expected_returns').column('expires_at').execute();
  await db.schema
    .createTable('stats_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('written_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stats_batches_written').on('stats_batches').column('written_at').execute();
}
