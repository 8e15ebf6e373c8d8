// foyer mail list|show|retry: the queue of outgoing email, and in development the outbox's messages
// with their bodies (codes and links), so a developer can sign up without a mail server; a retry
// of failed messages is the admin API's use case (domain/mail/mail-queue.ts).
import type { Command, OptionValues } from './io.ts';
import { printJson, printRows, printTable, UsageError } from './io.ts';
import { withContext } from './context.ts';
import { tenantOf } from './tenant-option.ts';
import { DomainError } from '../domain/errors.ts';
import type { MailMessage } from '../domain/mail/mail.port.ts';
import type { Tenant } from '../domain/tenants/tenant.ts';
import { devOutboxDir, withOutboxBodies } from '../infra/mail/dev-outbox.ts';
import { retryFailedMail, retryMail } from '../domain/mail/mail-queue.ts';
import { withTenant } from './tenant-option.ts';
import { operatorActor } from './actor.ts';

const DEFAULT_LIMIT = 50;

const mailListCommand: Command = {
  name: 'mail list',
  summary: 'List outgoing email, newest first: queued, sent or failed (every tenant unless --tenant).',
  usage: '[--tenant <slug>] [--limit <n>] [--json]',
  options: { tenant: { type: 'string' }, limit: { type: 'string' } },
  async run(values, io) {
    const limit = limitOf(values);
    await withContext(io, async (context) => {
      const only = typeof values['tenant'] === 'string' ? await tenantOf(context, values) : undefined;
      const messages = await context.stores.mail.list({ tenantId: only?.id, limit });
      const slugs = new Map((await context.stores.tenants.list()).map((tenant) => [tenant.id, tenant.slug]));
      if (values['json']) return printJson(io, messages.map((message) => mailJson(message, slugs)));
      if (messages.length === 0) return void io.stdout.write('No email yet.\n');
      const rows = messages.map((m) => [m.id, new Date(m.createdAt).toISOString(), slugs.get(m.tenantId) ?? m.tenantId, m.kind, m.to, m.status, m.subject]);
      printTable(io, ['ID', 'CREATED', 'TENANT', 'KIND', 'TO', 'STATUS', 'SUBJECT'], rows);
    });
  },
};

const mailShowCommand: Command = {
  name: 'mail show',
  summary: 'Show one email with its text (the development outbox keeps the bodies; SMTP delivery removes them).',
  usage: '<id> [--json]',
  options: {},
  positionals: ['id'],
  async run(values, io) {
    const id = values['id'];
    if (typeof id !== 'string' || id.trim() === '') throw new UsageError('give the id of the email, as "foyer mail list" shows it');
    await withContext(io, async ({ config, stores }) => {
      const found = await stores.mail.find(id.trim());
      if (!found) throw new DomainError('mail.not_found', 'not_found', `No email has the id "${id.trim()}".`, { id: id.trim() });
      const message = await withOutboxBodies(found, devOutboxDir(config.dataDir));
      const tenant = await stores.tenants.findById(message.tenantId);
      const slugs = new Map<string, string>(tenant ? [[tenant.id, tenant.slug]] : []);
      if (values['json']) return printJson(io, { ...mailJson(message, slugs), text: message.text, html: message.html });
      printRows(io, rowsOf(message, tenant));
      io.stdout.write(`\n${message.text ?? '(The body is no longer kept: it was delivered over SMTP.)'}\n`);
    });
  },
};

const mailRetryCommand: Command = {
  name: 'mail retry',
  summary: "Send a failed email again (one without a one-time code), or every such email of a tenant with --all-failed.",
  usage: '<id> | --all-failed  [--tenant <slug>] [--json]',
  options: { tenant: { type: 'string' }, 'all-failed': { type: 'boolean' } },
  positionals: ['id'],
  async run(values, io) {
    const id = typeof values['id'] === 'string' ? values['id'].trim() : '';
    const all = values['all-failed'] === true;
    if ((id === '') === !all) throw new UsageError('give the id of a failed email, as "foyer mail list" shows it, or --all-failed');
    await withTenant(io, values, async ({ transaction }, tenant) => {
      if (all) {
        const retried = await retryFailedMail({ transaction }, tenant.id, operatorActor(io));
        if (values['json']) return printJson(io, { retried });
        io.stdout.write(`Queued ${retried} failed email${retried === 1 ? '' : 's'} of tenant "${tenant.slug}" again.\n`);
        return;
      }
      const message = await retryMail({ transaction }, tenant.id, id, operatorActor(io));
      if (values['json']) return printJson(io, { id: message.id, kind: message.kind, status: message.status });
      io.stdout.write(`Queued email ${message.id} (${message.kind}) again.\n`);
    });
  },
};

export const mailCommands: readonly Command[] = [mailListCommand, mailShowCommand, mailRetryCommand];

function limitOf(values: OptionValues): number {
  const given = values['limit'];
  if (given === undefined) return DEFAULT_LIMIT;
  const limit = Number(given);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
  return limit;
}

function mailJson(message: MailMessage, slugs: ReadonlyMap<string, string>) {
  return {
    id: message.id,
    tenantId: message.tenantId,
    tenant: slugs.get(message.tenantId) ?? null,
    kind: message.kind,
    locale: message.locale,
    to: message.to,
    from: message.from ?? null,
    replyTo: message.replyTo ?? null,
    subject: message.subject,
    status: message.status,
    attempts: message.attempts,
    lastError: message.lastError ?? null,
    createdAt: new Date(message.createdAt).toISOString(),
    sentAt: message.sentAt === undefined ? null : new Date(message.sentAt).toISOString(),
  };
}

function rowsOf(message: MailMessage, tenant: Tenant | undefined): [string, string][] {
  const rows: [string, string][] = [
    ['ID', message.id],
    ['Tenant', tenant ? `${tenant.name} (${tenant.slug})` : message.tenantId],
    ['Kind', message.kind],
    ['To', message.to],
    ['From', message.from ?? '(MAIL_FROM)'],
    ['Subject', message.subject],
    ['Language', message.locale],
    ['Status', message.status],
    ['Created', new Date(message.createdAt).toISOString()],
  ];
  if (message.replyTo) rows.splice(5, 0, ['Reply-To', message.replyTo]);
  if (message.sentAt !== undefined) rows.push(['Sent', new Date(message.sentAt).toISOString()]);
  if (message.status !== 'sent') rows.push(['Attempts', String(message.attempts)]);
  if (message.lastError && message.status !== 'sent') rows.push(['Last error', message.lastError]);
  return rows;
}
