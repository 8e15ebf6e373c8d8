// Customer groups (issue 18: SCIM's Groups; later issues may hang roles on them): a tenant's named
// groups, with the external id of the system that provisions them, and their members. The display
// name and the external id are unique in the tenant (the external id nullable). A member row goes
// with its group and with its customer (erasure), through the foreign keys; the index by identity
// answers "the groups of these customers" and "the members of this group" is the primary key.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema
    .createTable('customer_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customer_groups_tenant_display_name').on('customer_groups').columns(['tenant_id', 'display_name']).unique().execute();
  await db.schema.createIndex('customer_groups_tenant_external_id').on('customer_groups').columns(['tenant_id', 'external_id']).unique().execute();
  await db.schema
    .createTable('customer_group_members')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull().references('customer_groups.id').onDelete('cascade'))
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('added_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_group_members_pk', ['group_id', 'identity_id'])
    .execute();
  await db.schema.createIndex('customer_group_members_identity').on('customer_group_members').columns(['tenant_id', 'identity_id', 'group_id']).execute();
}
