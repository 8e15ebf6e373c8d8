// The countries a customer completed a sign-in from (adaptive MFA's new-country signal, ADR 0025's
// amendment): written only when GEOIP_DATABASE is set. The rows go with the customer (erasure
// deletes the identity; the foreign key cascades).
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema
    .createTable('sign_in_countries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('sign_in_countries_pk', ['tenant_id', 'identity_id', 'country'])
    .execute();
}
