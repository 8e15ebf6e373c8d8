// Consents a customer gave to third-party applications. They outlive sign-outs (the protocol's
// grants do not), so a customer is not asked twice for what they already allowed, and they can be
// reviewed and withdrawn (SECURITY.md 25).
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { json, time } = columnTypes(db);
  await db.schema
    .createTable('consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('application_id', 'text', (c) => c.notNull())
    .addColumn('scopes', json, (c) => c.notNull())
    .addColumn('resource_scopes', json, (c) => c.notNull())
    .addColumn('granted_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consents_unique').on('consents').columns(['tenant_id', 'identity_id', 'application_id']).unique().execute();
}
