// Signing keys on Kysely: the public JWK as JSON text, the private JWK as the secret box sealed it.
import { PostgresAdapter, sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { SigningKeysTable } from './tables.ts';
import type { PublicSigningJwk, SigningAlgorithm, SigningKey, SigningKeyStatus } from '../domain/keys/signing-key.ts';
import type { SigningKeyStore } from '../domain/keys/signing-key.port.ts';
import { fromJson, toJson } from './json.ts';

export function createSigningKeyStore(db: Db): SigningKeyStore {
  return {
    async insert(key) {
      const row: Selectable<SigningKeysTable> = {
        id: key.id,
        tenant_id: key.tenantId,
        algorithm: key.algorithm,
        status: 'active',
        public_jwk: toJson(key.publicJwk),
        private_key: key.sealedPrivateJwk,
        created_at: key.createdAt,
        retired_at: null,
        unpublish_at: null,
      };
      await db.insertInto('signing_keys').values(row).execute();
      return toSigningKey(row);
    },

    async listPublished(tenantId, now) {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('unpublish_at', 'is', null), eb('unpublish_at', '>', now)]))
        // 'active' sorts before 'retired'; ids are UUIDv7, so id order is creation order.
        .orderBy('status')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toSigningKey);
    },

    async retire(tenantId, ids, { retiredAt, unpublishAt }) {
      if (ids.length === 0) return 0;
      const result = await db
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: retiredAt, unpublish_at: unpublishAt })
        .where('tenant_id', '=', tenantId)
        .where('status', '=', 'active')
        .where('id', 'in', ids)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async deleteUnpublished(tenantId, now) {
      const result = await db
        .deleteFrom('signing_keys')
        .where('tenant_id', '=', tenantId)
        .where('unpublish_at', 'is not', null)
        .where('unpublish_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async lockTenantKeys(tenantId) {
      if (!db.isTransaction) throw new Error('lockTenantKeys must run inside a transaction');
      // SQLite: every write transaction begins IMMEDIATE (see sqlite-dialect.ts) and so already holds
      // the database's write lock. PostgreSQL: a transaction-scoped advisory lock per schema and
      // tenant, released at commit or rollback, as the migrator does.
      if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
      await sql`select pg_advisory_xact_lock(hashtext('foyer_signing_keys:' || current_schema() || ':' || ${tenantId}::text))`.execute(db);
    },
  };
}

function toSigningKey(row: Selectable<SigningKeysTable>): SigningKey {
  const publicJwk = fromJson<PublicSigningJwk>(row.public_jwk);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kid: publicJwk.kid,
    algorithm: row.algorithm as SigningAlgorithm,
    status: row.status as SigningKeyStatus,
    publicJwk,
    sealedPrivateJwk: row.private_key,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    unpublishAt: row.unpublish_at,
  };
}
