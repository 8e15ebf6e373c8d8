// A tenant's connections (migration 0025): the domain's Connection as a row, everything but the
// identifying columns and the sealed secret in one JSON document.
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { ConnectionsTable } from './tables.ts';
import type { ConnectionStore } from '../domain/federation/connection.port.ts';
import type { Connection } from '../domain/federation/connection.ts';
import { DomainError } from '../domain/errors.ts';
import { isUniqueViolation } from './errors.ts';
import { fromJson, toJson } from './json.ts';

type Config = Omit<Connection, 'tenantId' | 'id' | 'kind' | 'displayName' | 'position' | 'hasClientSecret' | 'createdAt' | 'updatedAt'>;

function configOf(connection: Connection): Config {
  const { tenantId: _tenant, id: _id, kind: _kind, displayName: _name, position: _position, hasClientSecret: _secret, createdAt: _created, updatedAt: _updated, ...config } = connection;
  return config;
}

function toConnection(row: Omit<Selectable<ConnectionsTable>, 'sp_private_key'>): Connection {
  const config = fromJson<Config>(row.config);
  return {
    ...config,
    // Rows written before role mappings existed have none.
    roleMapping: config.roleMapping ?? null,
    // Rows written before presets and kept tokens existed have neither.
    preset: config.preset ?? null,
    presetOptions: config.presetOptions ?? {},
    storeTokens: config.storeTokens ?? false,
    saml: config.saml ?? null,
    tenantId: row.tenant_id,
    id: row.id,
    kind: row.kind as Connection['kind'],
    displayName: row.display_name,
    position: Number(row.position),
    hasClientSecret: row.client_secret !== null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const COLUMNS = ['tenant_id', 'id', 'kind', 'display_name', 'position', 'config', 'client_secret', 'created_at', 'updated_at'] as const;

export function createConnectionStore(db: Db): ConnectionStore {
  return {
    async create(connection, sealedSecret, sealedSpKey = null) {
      try {
        await db
          .insertInto('connections')
          .values({ tenant_id: connection.tenantId, id: connection.id, kind: connection.kind, display_name: connection.displayName, position: connection.position, config: toJson(configOf(connection)), client_secret: sealedSecret, sp_private_key: sealedSpKey, created_at: connection.createdAt, updated_at: connection.updatedAt })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('connection.id_taken', 'conflict', `This tenant already has a connection "${connection.id}".`, { id: connection.id });
        throw error;
      }
    },

    async find(tenantId, id) {
      const row = await db.selectFrom('connections').select(COLUMNS).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toConnection(row);
    },

    async list(tenantId) {
      const rows = await db.selectFrom('connections').select(COLUMNS).where('tenant_id', '=', tenantId).orderBy('position').orderBy('id').execute();
      return rows.map(toConnection);
    },

    async sealedSecret(tenantId, id) {
      const row = await db.selectFrom('connections').select('client_secret').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row?.client_secret ?? undefined;
    },

    async sealedSpKey(tenantId, id) {
      const row = await db.selectFrom('connections').select('sp_private_key').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row?.sp_private_key ?? undefined;
    },

    async lock(tenantId, id) {
      // A write that changes nothing: PostgreSQL locks the row until commit; SQLite takes the
      // database's write lock, which its transactions hold until they end.
      await db.updateTable('connections').set((eb) => ({ id: eb.ref('id') })).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },

    async update(connection, sealedSecret) {
      const result = await db
        .updateTable('connections')
        .set({ kind: connection.kind, display_name: connection.displayName, position: connection.position, config: toJson(configOf(connection)), updated_at: connection.updatedAt, ...(sealedSecret === undefined ? {} : { client_secret: sealedSecret }) })
        .where('tenant_id', '=', connection.tenantId)
        .where('id', '=', connection.id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async delete(tenantId, id) {
      const result = await db.deleteFrom('connections').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
