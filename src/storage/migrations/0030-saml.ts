// SAML connections (ADR 0035). A SAML connection's service-provider private key is sealed by the
// secret box in its own column (bound to `saml-sp-key:<tenant>:<id>`). The replay cache keeps the
// ID of every assertion that signed someone in until the assertion itself expires: the database is
// shared by every node, so an assertion works once across all of them.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);
  await db.schema.alterTable('connections').addColumn('sp_private_key', 'text').execute();
  await db.schema
    .createTable('saml_assertions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_assertions_pk', ['tenant_id', 'connection_id', 'assertion_id'])
    .execute();
  await db.schema.createIndex('saml_assertions_expiry').on('saml_assertions').column('expires_at').execute();
}
