// Remembered devices (RememberedDeviceStore), one row per browser a customer asked to remember.
import type { Db } from './database.ts';
import type { RememberedDevice, RememberedDeviceStore } from '../domain/self-service/remembered-device.port.ts';

type Row = { id: string; tenant_id: string; identity_id: string; user_agent: string; created_at: number; expires_at: number };

function toDevice(row: Row): RememberedDevice {
  return { id: row.id, tenantId: row.tenant_id, identityId: row.identity_id, userAgent: row.user_agent, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
}

export function createRememberedDeviceStore(db: Db): RememberedDeviceStore {
  return {
    async create(device) {
      await db
        .insertInto('remembered_devices')
        .values({ id: device.id, tenant_id: device.tenantId, identity_id: device.identityId, user_agent: device.userAgent, created_at: device.createdAt, expires_at: device.expiresAt })
        .execute();
    },

    async findLive(tenantId, identityId, id, now) {
      const row = await db.selectFrom('remembered_devices').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).where('expires_at', '>', now).executeTakeFirst();
      return row && toDevice(row as Row);
    },

    async list(tenantId, identityId, now) {
      const rows = await db.selectFrom('remembered_devices').selectAll().where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).where('expires_at', '>', now).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map((row) => toDevice(row as Row));
    },

    async remove(tenantId, identityId, id) {
      const result = await db.deleteFrom('remembered_devices').where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async removeAll(tenantId, identityId) {
      const result = await db.deleteFrom('remembered_devices').where('tenant_id', '=', tenantId).where('identity_id', '=', identityId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async removeExpired(now, limit) {
      const expired = await db.selectFrom('remembered_devices').select('id').where('expires_at', '<=', now).limit(limit).execute();
      if (expired.length === 0) return 0;
      const result = await db.deleteFrom('remembered_devices').where('id', 'in', expired.map((row) => row.id)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
