// /tenants/{tenant}/mail: the tenant's outgoing mail queue (mail:read, mail:write): queued and
// failed messages as metadata only (kind, masked recipient, status, attempts, last error, times;
// never a subject, a body, a code or a link), and retries of failed messages that carry no
// one-time code (domain/mail/mail-queue.ts says why the others are not retried).
import type { FastifyInstance } from 'fastify';
import { listMailQueue, retryFailedMail, retryMail } from '../../domain/mail/mail-queue.ts';
import type { QueuedMail, QueueStatus } from '../../domain/mail/mail-queue.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, tenantOf } from './principal.ts';
import { CONFLICT, PAGE_QUERY, TENANT_PARAM, decodeCursor, encodeCursor, iso, listOf } from './conventions.ts';

const KINDS = ['verify_email', 'recover_password', 'password_changed', 'email_changed', 'account_deleted', 'account_exists'] as const;

const MAIL_MESSAGE = {
  $id: 'MailMessage',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'to', 'locale', 'status', 'attempts', 'last_error', 'created_at', 'next_attempt_at', 'retriable'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: KINDS },
    to: { type: 'string', description: 'The recipient, masked: a•••@example.com.' },
    locale: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'failed'] },
    attempts: { type: 'integer', description: 'Delivery attempts so far.' },
    last_error: { type: ['string', 'null'], description: 'The last attempt’s error, addresses masked.' },
    created_at: { type: 'string', format: 'date-time' },
    next_attempt_at: { type: ['string', 'null'], format: 'date-time', description: 'When a queued message is next tried.' },
    retriable: { type: 'boolean', description: 'Failed and without a one-time code: a retry sends it again.' },
  },
} as const;

const item = { $ref: 'MailMessage#' } as const;
const params = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;

function mailView(message: QueuedMail) {
  return {
    id: message.id,
    kind: message.kind,
    to: message.to,
    locale: message.locale,
    status: message.status,
    attempts: message.attempts,
    last_error: message.lastError,
    created_at: iso(message.createdAt),
    next_attempt_at: message.nextAttemptAt === null ? null : iso(message.nextAttemptAt),
    retriable: message.retriable,
  };
}

export async function mailRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(MAIL_MESSAGE);
  const retryDeps = { transaction: deps.transaction };

  app.get('/tenants/:tenant/mail', {
    schema: {
      operationId: 'listMailQueue',
      tags: ['mail'],
      summary: 'List queued and failed messages, newest first (metadata only)',
      params,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...PAGE_QUERY, status: { type: 'string', enum: ['queued', 'failed'], description: 'Only messages in this status.' } },
      },
      response: { 200: listOf(item, 'A page of the queue.') },
    },
    config: { adminScope: 'mail:read' },
  }, async (request) => {
    const { limit, cursor, status } = request.query as { limit: number; cursor?: string; status?: QueueStatus };
    const key = decodeCursor(cursor, ['number', 'string']);
    const page = await listMailQueue(deps.stores, tenantOf(request).id, status, { limit, after: key && { createdAt: key[0] as number, id: key[1] as string } });
    return { items: page.messages.map(mailView), next_cursor: page.next && encodeCursor([page.next.createdAt, page.next.id]) };
  });

  app.post('/tenants/:tenant/mail/:id/retry', {
    schema: {
      operationId: 'retryMail',
      tags: ['mail'],
      summary: 'Send a failed message again (one without a one-time code)',
      params: { type: 'object', required: ['tenant', 'id'], properties: { ...TENANT_PARAM, id: { type: 'string', minLength: 1, maxLength: 100 } } },
      response: { 200: item, ...CONFLICT },
    },
    config: { adminScope: 'mail:write' },
  }, async (request) => {
    const { id } = request.params as { id: string };
    return mailView(await retryMail(retryDeps, tenantOf(request).id, id, actorOf(request)));
  });

  app.post('/tenants/:tenant/mail/retry-failed', {
    schema: {
      operationId: 'retryFailedMail',
      tags: ['mail'],
      summary: 'Send every failed message without a one-time code again',
      params,
      response: {
        200: { description: 'How many were queued again.', type: 'object', additionalProperties: false, required: ['retried'], properties: { retried: { type: 'integer' } } },
      },
    },
    config: { adminScope: 'mail:write' },
  }, async (request) => ({ retried: await retryFailedMail(retryDeps, tenantOf(request).id, actorOf(request)) }));
}
