// oidc-provider's artifacts name the customer they belong to in `payload.accountId`. A column copy
// with its own index lets blocking or deleting a customer revoke every session, code, grant and
// token of theirs in one indexed delete (SECURITY.md 14), without parsing JSON.
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oidc_artifacts').addColumn('account_id', 'text').execute();
  // Artifacts written before this migration must be revocable too, or a blocked customer's
  // refresh token issued yesterday would survive the block.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`update oidc_artifacts set account_id = payload->>'accountId' where jsonb_typeof(payload->'accountId') = 'string'`.execute(db);
  } else {
    await sql`update oidc_artifacts set account_id = json_extract(payload, '$.accountId') where json_type(payload, '$.accountId') = 'text'`.execute(db);
  }
  // Partial: interactions, clients and replay records belong to no account.
  await db.schema
    .createIndex('oidc_artifacts_account')
    .on('oidc_artifacts')
    .columns(['tenant_id', 'account_id'])
    .where('account_id', 'is not', null)
    .execute();
}
