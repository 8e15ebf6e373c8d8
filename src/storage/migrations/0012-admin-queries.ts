// What the admin API's operations queries read (issue 14): the audit log by action within a tenant,
// newest first (by actor, by target and by time are indexed already: 0001 and 0006), and a tenant's
// mail queue by status, newest first. Keyset pages order by (occurred_at, id) and (created_at, id):
// the id only breaks ties between rows of the same millisecond, which the index order leaves few of.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['tenant_id', 'action', 'occurred_at']).execute();
  await db.schema.createIndex('mail_messages_tenant_status').on('mail_messages').columns(['tenant_id', 'status', 'created_at']).execute();
}
