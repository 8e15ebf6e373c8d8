// Social and enterprise connections (issue 16, ADR 0032): a tenant's upstream identity providers
// (OpenID Connect, OAuth 2, the presets, SAML). Everything but the client secret is one JSON
// document the domain validates (config); the secret is sealed by the secret box, bound to the
// tenant and connection. The accounts linked through a connection are rows of `credentials`
// (type `federated`, identifier `<connection>:<upstream subject>`), unique like every identifier.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { json, time } = columnTypes(db);
  await db.schema
    .createTable('connections')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('config', json, (c) => c.notNull())
    .addColumn('client_secret', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('connections_pk', ['tenant_id', 'id'])
    .execute();
}
