// The first schema: what DESIGN.md names. Runs unchanged on SQLite and PostgreSQL; the only
// engine-specific choices (JSON and 64-bit time columns) come from `columnTypes`.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { json, time } = columnTypes(db);

  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings', json, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('traits', json, (c) => c.notNull())
    .addColumn('metadata_public', json, (c) => c.notNull())
    .addColumn('metadata_admin', json, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  // Admin listing pages newest first within a tenant.
  await db.schema.createIndex('identities_tenant_created').on('identities').columns(['tenant_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('identity_addresses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('verified_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('identity_addresses_unique_value')
    .on('identity_addresses')
    .columns(['tenant_id', 'kind', 'value'])
    .unique()
    .execute();
  await db.schema.createIndex('identity_addresses_identity').on('identity_addresses').column('identity_id').execute();

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('config', json, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credentials_identity_type').on('credentials').columns(['identity_id', 'type']).execute();

  await db.schema
    .createTable('credential_identifiers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id').onDelete('cascade'))
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('credential_identifiers_unique')
    .on('credential_identifiers')
    .columns(['tenant_id', 'type', 'identifier'])
    .unique()
    .execute();
  await db.schema.createIndex('credential_identifiers_credential').on('credential_identifiers').column('credential_id').execute();

  await db.schema
    .createTable('browser_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('authenticated_at', time, (c) => c.notNull())
    .addColumn('methods', json, (c) => c.notNull())
    .addColumn('device', json, (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('revoked_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('browser_sessions_identity').on('browser_sessions').columns(['identity_id', 'expires_at']).execute();
  await db.schema.createIndex('browser_sessions_expiry').on('browser_sessions').column('expires_at').execute();

  await db.schema
    .createTable('flows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text')
    .addColumn('interaction_uid', 'text')
    .addColumn('identity_id', 'text')
    .addColumn('payload', json, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flows_expiry').on('flows').column('expires_at').execute();

  await db.schema
    .createTable('oidc_artifacts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', json, (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    .addColumn('expires_at', time)
    .addColumn('consumed_at', time)
    .addPrimaryKeyConstraint('oidc_artifacts_pk', ['tenant_id', 'model', 'id'])
    .execute();
  // Partial indexes: most artifacts carry neither a uid nor a user code.
  await db.schema
    .createIndex('oidc_artifacts_uid')
    .on('oidc_artifacts')
    .columns(['tenant_id', 'model', 'uid'])
    .where('uid', 'is not', null)
    .execute();
  await db.schema
    .createIndex('oidc_artifacts_user_code')
    .on('oidc_artifacts')
    .columns(['tenant_id', 'model', 'user_code'])
    .where('user_code', 'is not', null)
    .execute();
  await db.schema
    .createIndex('oidc_artifacts_grant')
    .on('oidc_artifacts')
    .columns(['tenant_id', 'grant_id'])
    .where('grant_id', 'is not', null)
    .execute();
  await db.schema.createIndex('oidc_artifacts_expiry').on('oidc_artifacts').column('expires_at').execute();

  await db.schema
    .createTable('applications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', json, (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('applications_tenant').on('applications').columns(['tenant_id', 'created_at']).execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('public_jwk', json, (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('retired_at', time)
    .addColumn('unpublish_at', time)
    .execute();
  await db.schema.createIndex('signing_keys_tenant').on('signing_keys').columns(['tenant_id', 'status']).execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', time, (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', json, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_tenant_time').on('audit_events').columns(['tenant_id', 'occurred_at']).execute();
  await db.schema
    .createIndex('audit_events_target')
    .on('audit_events')
    .columns(['tenant_id', 'target_id', 'occurred_at'])
    .where('target_id', 'is not', null)
    .execute();

  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('aggregate_type', 'text', (c) => c.notNull())
    .addColumn('aggregate_id', 'text', (c) => c.notNull())
    .addColumn('payload', json, (c) => c.notNull())
    .addColumn('occurred_at', time, (c) => c.notNull())
    .addColumn('available_at', time, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('published_at', time)
    .execute();
  // The dispatcher only ever looks at what is still pending; delivered rows stay out of its index.
  await db.schema
    .createIndex('outbox_events_pending')
    .on('outbox_events')
    .columns(['available_at', 'id'])
    .where(sql.ref('published_at'), 'is', null)
    .execute();
}
