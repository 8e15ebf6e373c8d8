// Required consent purposes are asked about on every authorization request that has a session
// (http/oidc/purposes-check.ts: the purposes a customer must accept again). This index finds a
// tenant's required purposes without walking all of its purposes, so that statement looks rows up
// by more than the tenant (test/storage/query-plans.test.ts).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('consent_purposes_tenant_kind').on('consent_purposes').columns(['tenant_id', 'kind', 'id']).execute();
}
