// Remembered devices (ADR 0024): a browser where the customer ticked "remember this device" after a
// second factor skips the second-factor step for 30 days. The row is what makes the signed cookie
// valid, so removing it (the portal, an operator's reset) revokes the browser at once.
// Second-factor credentials themselves (TOTP, recovery codes) are rows of `credentials`.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema
    .createTable('remembered_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('remembered_devices_identity').on('remembered_devices').columns(['tenant_id', 'identity_id']).execute();
  await db.schema.createIndex('remembered_devices_expiry').on('remembered_devices').column('expires_at').execute();
}
