// The one live one-time code of each address (SECURITY.md 8, 11): a new code for an address voids
// the ones sent to it before, whichever flow they belong to. Kept until the newest code expires.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema
    .createTable('latest_codes')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('flow_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('latest_codes_pk', ['tenant_id', 'address'])
    .execute();
  await db.schema.createIndex('latest_codes_expiry').on('latest_codes').column('expires_at').execute();
}
