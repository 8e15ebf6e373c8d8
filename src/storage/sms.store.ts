// Queued text messages (ADR 0031), claimed, leased and retried as the mail queue's are (message-queue.ts).
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import { claimQueued, failQueued } from './message-queue.ts';
import type { SmsMessagesTable } from './tables.ts';
import type { SmsKind, SmsMessage, SmsStatus, SmsStore } from '../domain/sms/sms.port.ts';

/** A sent or failed message is kept this long (for an operator looking into a complaint), then deleted. */
const KEPT_MS = 24 * 60 * 60_000;

/** `queued` is told of each message written (a transaction passes its own, and tells the node after commit). */
export function createSmsStore(db: Db, queued: () => void = () => {}): SmsStore {
  return {
    async enqueue(message) {
      await db
        .insertInto('sms_messages')
        .values({ id: message.id, tenant_id: message.tenantId, recipient: message.to, kind: message.kind, body: message.body, status: 'queued' satisfies SmsStatus, available_at: message.createdAt, last_error: null, created_at: message.createdAt, sent_at: null })
        .execute();
      queued();
    },

    async claimDue(now, limit, leaseMs) {
      return (await claimQueued(db, 'sms_messages', now, limit, leaseMs)).map(toSmsMessage);
    },

    async markSent(id, now) {
      await db.updateTable('sms_messages').set({ status: 'sent' satisfies SmsStatus, sent_at: now, body: null, last_error: null }).where('id', '=', id).execute();
    },

    async markFailed(id, error, retryAt) {
      // Given up, the code is dead: the body goes.
      await failQueued(db, 'sms_messages', id, error, retryAt, { body: null });
    },

    async removeExpired(now, limit) {
      const ids = (await db.selectFrom('sms_messages').select('id').where('status', '<>', 'queued').where('created_at', '<', now - KEPT_MS).limit(limit).execute()).map((row) => row.id);
      if (ids.length === 0) return 0;
      const result = await db.deleteFrom('sms_messages').where('id', 'in', ids).where('status', '<>', 'queued').executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toSmsMessage(row: Selectable<SmsMessagesTable>): SmsMessage {
  return { id: row.id, tenantId: row.tenant_id, to: row.recipient, kind: row.kind as SmsKind, body: row.body, status: row.status as SmsStatus, attempts: row.attempts, availableAt: row.available_at, lastError: row.last_error ?? undefined, createdAt: row.created_at };
}
