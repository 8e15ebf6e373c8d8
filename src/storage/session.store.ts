import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { BrowserSessionsTable } from './tables.ts';
import type { Session } from '../domain/sessions/session.ts';
import type { SessionStore } from '../domain/sessions/session.port.ts';
import { fromJson, toJson } from './json.ts';

export function createSessionStore(db: Db): SessionStore {
  return {
    async create(session, tokenHash) {
      await db
        .insertInto('browser_sessions')
        .values({
          id: session.id,
          tenant_id: session.tenantId,
          identity_id: session.identityId,
          token_hash: tokenHash,
          authenticated_at: session.authenticatedAt,
          methods: toJson(session.methods),
          acr: session.acr ?? null,
          device: toJson(session.device),
          last_seen_at: session.lastSeenAt,
          expires_at: session.expiresAt,
          revoked_at: null,
          created_at: session.authenticatedAt,
        })
        .execute();
    },

    async findByTokenHash(tenantId, tokenHash) {
      const row = await db
        .selectFrom('browser_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('tenant_id', '=', tenantId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row && toSession(row);
    },

    async touch(tenantId, id, now) {
      await db.updateTable('browser_sessions').set({ last_seen_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async revoke(tenantId, id, now) {
      const result = await db
        .updateTable('browser_sessions')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async revokeAllOf(tenantId, identityId, now) {
      const result = await db
        .updateTable('browser_sessions')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenantId)
        .where('identity_id', '=', identityId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async listOf(tenantId, identityId, now) {
      const rows = await db
        .selectFrom('browser_sessions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('identity_id', '=', identityId)
        .where('expires_at', '>', now)
        .where('revoked_at', 'is', null)
        .orderBy('authenticated_at', 'desc')
        .execute();
      return rows.map(toSession);
    },

    async revokeOf(tenantId, identityId, id, now) {
      const result = await db
        .updateTable('browser_sessions')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenantId)
        .where('identity_id', '=', identityId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async removeExpired(now, limit) {
      // By lifetime only, which is indexed: an idle session is already refused where it is used
      // (isLive) and goes when its lifetime ends, so the sweep never scans the whole table.
      const expired = db.selectFrom('browser_sessions').select('id').where('expires_at', '<=', now).limit(limit);
      const result = await db.deleteFrom('browser_sessions').where('id', 'in', expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toSession(row: Selectable<BrowserSessionsTable>): Session {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    identityId: row.identity_id,
    authenticatedAt: row.authenticated_at,
    methods: fromJson<string[]>(row.methods),
    ...(row.acr === null ? {} : { acr: row.acr }),
    device: fromJson(row.device),
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}
