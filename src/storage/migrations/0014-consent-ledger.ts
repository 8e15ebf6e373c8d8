// The consent ledger (issue 15, ADR 0024): a tenant's consent purposes, every text of them ever
// shown (by its SHA-256, so a ledger record proves which words the customer saw), the append-only
// ledger of grants and withdrawals, and customers' communication preferences per topic and channel.
// The ledger has no foreign key to identities: it outlives an erasure, which clears its IP and
// user agent (the proof of consent stays, the person's traces go).
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { json, time } = columnTypes(db);
  await db.schema
    .createTable('consent_purposes')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('legal_basis', 'text', (c) => c.notNull())
    .addColumn('sale_or_sharing', 'integer', (c) => c.notNull())
    .addColumn('texts', json, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_purposes_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('consent_texts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('purpose_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_texts_pk', ['tenant_id', 'hash'])
    .execute();
  await db.schema
    .createTable('consent_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('purpose_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('text_hash', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('occurred_at', time, (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('gpc', 'integer', (c) => c.notNull())
    .execute();
  // A customer's records by purpose, newest last: the latest per purpose, and the re-consent probe at sign-in.
  await db.schema.createIndex('consent_records_identity').on('consent_records').columns(['tenant_id', 'identity_id', 'purpose_id', 'version']).execute();
  // A purpose's ledger in order (ids are time-ordered UUIDv7): the export.
  await db.schema.createIndex('consent_records_purpose').on('consent_records').columns(['tenant_id', 'purpose_id', 'id']).execute();
  await db.schema
    .createTable('communication_preferences')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('subscribed', 'integer', (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('communication_preferences_pk', ['tenant_id', 'identity_id', 'topic', 'channel'])
    .execute();
}
