// The admin API's "verified" customer filter (issue 19): customers whose email address is verified,
// or not yet, newest first, at a million customers. Each address row gets its identity's creation
// time (as identity_trait_values has it, migration 0011), and two partial indexes hold the email
// addresses of each state by (tenant, creation time, identity): a page of either is one backward
// index range that stops at the page's end, whatever the state's share of the tenant (a scan of
// the identities probing each one's address would read the whole tenant to find a rare state).
// The column is nullable for the engines' ALTER TABLE, filled here and by every insert after.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema.alterTable('identity_addresses').addColumn('identity_created_at', time).execute();
  await sql`update identity_addresses set identity_created_at = (select identities.created_at from identities where identities.id = identity_addresses.identity_id)`.execute(db);
  await sql`create index identity_addresses_email_verified on identity_addresses (tenant_id, identity_created_at, identity_id) where kind = 'email' and verified_at is not null`.execute(db);
  await sql`create index identity_addresses_email_unverified on identity_addresses (tenant_id, identity_created_at, identity_id) where kind = 'email' and verified_at is null`.execute(db);
}
