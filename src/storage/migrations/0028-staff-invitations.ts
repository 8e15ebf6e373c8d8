// Staff invitations (issue 19): an owner invites someone by email with a role; the email's link
// (a random token, stored only as its SHA-256) lets them set a password and become staff, once,
// before it expires. Rows stay after use or withdrawal (the pending list filters them), and the
// expired sweep removes those expired or finished a while ago.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema
    .createTable('staff_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('invited_by', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('sent_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('accepted_at', time)
    .addColumn('revoked_at', time)
    .execute();
  await db.schema.createIndex('staff_invitations_token').on('staff_invitations').column('token_hash').unique().execute();
  await db.schema.createIndex('staff_invitations_tenant_email').on('staff_invitations').columns(['tenant_id', 'email']).execute();
  await db.schema.createIndex('staff_invitations_expires').on('staff_invitations').column('expires_at').execute();
}
