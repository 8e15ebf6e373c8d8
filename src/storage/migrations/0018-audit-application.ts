// The application an audit entry happened in (issue 14: the audit log is queried by application).
// A sign-in, sign-up or recovery is part of an application's authorization request: its client id
// (RequestContext.applicationId) is now kept beside the IP and user agent, so "every sign-in through
// the shop app" is one indexed query. Entries written before stay without one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('application_id', 'text').execute();
  await db.schema.createIndex('audit_events_application').on('audit_events').columns(['tenant_id', 'application_id', 'occurred_at']).execute();
}
