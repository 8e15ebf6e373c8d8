// What the account portal reads: the device a browser session signed in from and when it was last
// used (copied on the Session row itself, so recording them costs no extra statement at sign-in),
// and a customer's own activity in the audit log, found by actor as well as by target.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { json, time } = columnTypes(db);
  await db.schema.alterTable('oidc_artifacts').addColumn('device', json).execute();
  await db.schema.alterTable('oidc_artifacts').addColumn('seen_at', time).execute();
  await db.schema
    .createIndex('audit_events_actor')
    .on('audit_events')
    .columns(['tenant_id', 'actor_id', 'occurred_at'])
    .where('actor_id', 'is not', null)
    .execute();
}
