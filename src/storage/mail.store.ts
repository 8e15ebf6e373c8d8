// Queued email, claimed, leased and retried as every message queue is (message-queue.ts); failed
// messages without a one-time code can be sent again by an operator.
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import { claimQueued, failQueued } from './message-queue.ts';
import type { MailMessagesTable } from './tables.ts';
import type { MailKind, MailMessage, MailStatus, MailStore } from '../domain/mail/mail.port.ts';
import { ONE_TIME_CODE_KINDS } from '../domain/mail/mail.port.ts';
import type { Locale } from '../i18n/locales.ts';

/** `queued` is told of each message written (a transaction passes its own, and tells the node after commit). */
export function createMailStore(db: Db, queued: () => void = () => {}): MailStore {
  return {
    async enqueue(message) {
      await db
        .insertInto('mail_messages')
        .values({
          id: message.id,
          tenant_id: message.tenantId,
          recipient: message.to,
          kind: message.kind,
          locale: message.locale,
          from_address: message.from ?? null,
          reply_to: message.replyTo ?? null,
          subject: message.subject,
          text_body: message.text,
          html_body: message.html,
          status: 'queued' satisfies MailStatus,
          available_at: message.createdAt,
          last_error: null,
          created_at: message.createdAt,
          sent_at: null,
        })
        .execute();
      queued();
    },

    async claimDue(now, limit, leaseMs) {
      return (await claimQueued(db, 'mail_messages', now, limit, leaseMs)).map(toMailMessage);
    },

    async markSent(id, now) {
      await db
        .updateTable('mail_messages')
        .set({ status: 'sent' satisfies MailStatus, sent_at: now, text_body: null, html_body: null, last_error: null })
        .where('id', '=', id)
        .execute();
    },

    async markFailed(id, error, retryAt) {
      // Given up: a body with a one-time code goes (the code is dead); others stay for a retry.
      const codeKind = sql<boolean>`${sql.ref('kind')} in (${sql.join([...ONE_TIME_CODE_KINDS])})`;
      await failQueued(db, 'mail_messages', id, error, retryAt, {
        text_body: sql<string | null>`case when ${codeKind} then null else ${sql.ref('text_body')} end`,
        html_body: sql<string | null>`case when ${codeKind} then null else ${sql.ref('html_body')} end`,
      });
    },

    async list({ tenantId, limit }) {
      let query = db.selectFrom('mail_messages').selectAll();
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toMailMessage);
    },

    async forget(tenantId, recipient) {
      const result = await db.deleteFrom('mail_messages').where('tenant_id', '=', tenantId).where('recipient', '=', recipient).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async listByStatus(tenantId, statuses, { limit, after }) {
      if (statuses.length === 0) return [];
      let query = db.selectFrom('mail_messages').selectAll().where('tenant_id', '=', tenantId).where('status', 'in', statuses);
      if (after !== undefined) {
        query = query.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toMailMessage);
    },

    async requeueFailed(tenantId, which, now) {
      let update = db
        .updateTable('mail_messages')
        .set({ status: 'queued' satisfies MailStatus, available_at: now, attempts: 0 })
        .where('tenant_id', '=', tenantId)
        .where('status', '=', 'failed')
        .where('text_body', 'is not', null);
      if (which !== 'all') update = update.where('id', '=', which.id);
      const result = await update.executeTakeFirst();
      const requeued = Number(result.numUpdatedRows);
      if (requeued > 0) queued();
      return requeued;
    },

    async find(id) {
      const row = await db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toMailMessage(row);
    },
  };
}

function toMailMessage(row: Selectable<MailMessagesTable>): MailMessage {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    to: row.recipient,
    kind: row.kind as MailKind,
    locale: row.locale as Locale,
    from: row.from_address ?? undefined,
    replyTo: row.reply_to ?? undefined,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    status: row.status as MailStatus,
    attempts: row.attempts,
    availableAt: row.available_at,
    lastError: row.last_error ?? undefined,
    createdAt: row.created_at,
    sentAt: row.sent_at === null ? undefined : row.sent_at,
  };
}
