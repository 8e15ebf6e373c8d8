// The admin API's own state (docs/admin-api.md): the stored answers of creates sent with an
// Idempotency-Key, so a retried create is answered as the first one was (kept a day, then pruned
// by the expired-rows sweep), and the first-run setup links, kept only as hashes.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema
    .createTable('idempotency_keys')
    // Whose key it is (`staff:<id>` or `machine:<client id>`): one caller's keys never answer another's.
    .addColumn('credential', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    // SHA-256 of method, path and body: the same key with another request is refused.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // Null while the first request is still being answered.
    .addColumn('status', 'integer')
    // The answer's headers and body, sealed by the secret box (a create may answer a client secret).
    .addColumn('response', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['credential', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();

  await db.schema
    .createTable('admin_setup_links')
    // SHA-256 of the link's token: the database never holds a usable link.
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('used_at', time)
    .execute();
  await db.schema.createIndex('admin_setup_links_expiry').on('admin_setup_links').column('expires_at').execute();
}
