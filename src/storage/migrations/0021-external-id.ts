// A customer's id in the system they came from (issue 18): a CRM's contact id, an old login
// system's user id. Import matches lines to customers by it, SCIM keeps it as `externalId`, and the
// admin API reads and sets it. Nullable (most customers sign up here and have none); unique within
// a tenant, which on both engines leaves any number of nulls; the unique index is also the lookup.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('identities').addColumn('external_id', 'text').execute();
  await db.schema.createIndex('identities_tenant_external_id').on('identities').columns(['tenant_id', 'external_id']).unique().execute();
}
