// Queued email. A claim leases the due rows it picks (moves their available_at to the end of the
// lease and counts the attempt) in one short transaction: PostgreSQL skips rows another dispatcher
// is claiming at that moment (FOR UPDATE SKIP LOCKED), SQLite has one writer anyway.
import { PostgresAdapter, sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import { inTransaction } from './database.ts';
import type { MailMessagesTable } from './tables.ts';
import type { MailKind, MailMessage, MailStatus, MailStore } from '../domain/mail/mail.port.ts';
import { ONE_TIME_CODE_KINDS } from '../domain/mail/mail.port.ts';
import type { Locale } from '../i18n/locales.ts';

/** Longer errors (an SMTP server's whole transcript) are cut: the start says what went wrong. */
const MAX_ERROR_LENGTH = 2000;

/** `queued` is told of each message written (a transaction passes its own, and tells the node after commit). */
export function createMailStore(db: Db, queued: () => void = () => {}): MailStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

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
      const claim = async (tx: Db) => {
        let due = tx
          .selectFrom('mail_messages')
          .select('id')
          .where('status', '=', 'queued')
          .where('available_at', '<=', now)
          .orderBy('available_at')
          .limit(limit);
        if (postgres) due = due.forUpdate().skipLocked();
        const ids = (await due.execute()).map((row) => row.id);
        if (ids.length === 0) return [];
        // The conditions again: a row another dispatcher leased meanwhile is no longer due, so
        // each message is claimed by one dispatcher even where the select above cannot lock.
        return tx
          .updateTable('mail_messages')
          .set((eb) => ({ available_at: now + leaseMs, attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', ids)
          .where('status', '=', 'queued')
          .where('available_at', '<=', now)
          .returningAll()
          .execute();
      };
      const rows = await inTransaction(db, claim);
      return rows.map(toMailMessage).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },

    async markSent(id, now) {
      await db
        .updateTable('mail_messages')
        .set({ status: 'sent' satisfies MailStatus, sent_at: now, text_body: null, html_body: null, last_error: null })
        .where('id', '=', id)
        .execute();
    },

    async markFailed(id, error, retryAt) {
      const lastError = error.slice(0, MAX_ERROR_LENGTH);
      // Given up: a body with a one-time code goes (the code is dead); others stay for a retry.
      const codeKind = sql<boolean>`${sql.ref('kind')} in (${sql.join([...ONE_TIME_CODE_KINDS])})`;
      const update =
        retryAt === undefined
          ? {
              status: 'failed' satisfies MailStatus,
              last_error: lastError,
              text_body: sql<string | null>`case when ${codeKind} then null else ${sql.ref('text_body')} end`,
              html_body: sql<string | null>`case when ${codeKind} then null else ${sql.ref('html_body')} end`,
            }
          : { last_error: lastError, available_at: retryAt };
      await db.updateTable('mail_messages').set(update).where('id', '=', id).where('status', '=', 'queued').execute();
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
