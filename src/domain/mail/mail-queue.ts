// Operators' view of the outgoing mail queue: what waits to be sent and what failed, as metadata
// only (never a body, a code or a link, and the addresses masked), and a retry of failed messages.
// Only a message without a one-time code can be retried (ONE_TIME_CODE_KINDS, mail.port.ts): the
// code in the others is dead by the time they fail, and the right action is a new code (resend the
// verification, send a recovery email). A retried message goes out at once; if that attempt fails
// too, it is retried within a day of when it was first queued (MAIL_RETRY), then given up again.
import { uuidv7 } from '../../lib/ids.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import { DomainError } from '../errors.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { MailKind, MailMessage, MailPosition, MailStatus, MailStore } from './mail.port.ts';
import { ONE_TIME_CODE_KINDS } from './mail.port.ts';
import { maskEmail } from '../customers/masking.ts';

const MAX_MAIL_PAGE = 200;

/** The queue's statuses an operator looks at: sent messages are history, not the queue. */
export type QueueStatus = Extract<MailStatus, 'queued' | 'failed'>;

/** What an operator sees of a message. */
export type QueuedMail = {
  readonly id: string;
  readonly kind: MailKind;
  /** Masked: `a•••@example.com`. */
  readonly to: string;
  readonly locale: string;
  readonly status: QueueStatus;
  readonly attempts: number;
  /** The last attempt's error, addresses in it masked. */
  readonly lastError: string | null;
  readonly createdAt: number;
  /** When the next attempt may start (queued only). */
  readonly nextAttemptAt: number | null;
  /** Whether retryMail would put it back in the queue. */
  readonly retriable: boolean;
};

type MailRetryDeps = { readonly transaction: UnitOfWork<{ mail: MailStore; audit: AuditStore }>; readonly now?: () => number };

/** A page of the tenant's queued and failed messages (or only one status), newest first. */
export async function listMailQueue(
  deps: { readonly mail: Pick<MailStore, 'listByStatus'> },
  tenantId: string,
  status: QueueStatus | undefined,
  page: { readonly limit: number; readonly after?: MailPosition | undefined },
): Promise<{ messages: QueuedMail[]; next: MailPosition | null }> {
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), MAX_MAIL_PAGE);
  const rows = await deps.mail.listByStatus(tenantId, status ? [status] : ['queued', 'failed'], { limit: limit + 1, after: page.after });
  const messages = rows.slice(0, limit);
  const last = messages.at(-1);
  return { messages: messages.map(toQueuedMail), next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** Puts one failed message back in the queue. `mail.not_found` outside the tenant, `mail.not_retriable` unless it is retriable. */
export async function retryMail(deps: MailRetryDeps, tenantId: string, id: string, actor: Actor): Promise<QueuedMail> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async ({ mail, audit }) => {
    const message = await mail.find(id);
    if (!message || message.tenantId !== tenantId || message.status === 'sent') {
      throw new DomainError('mail.not_found', 'not_found', `No queued or failed email has the id "${id}".`, { id });
    }
    if (!isRetriable(message) || (await mail.requeueFailed(tenantId, { id }, now)) !== 1) {
      throw new DomainError('mail.not_retriable', 'conflict', 'Only a failed email without a one-time code can be sent again; for a code, send a new one.');
    }
    await appendRetry(audit, tenantId, now, actor, { type: 'mail', id }, { kind: message.kind, count: 1 });
    return { ...toQueuedMail(message), status: 'queued', attempts: 0, nextAttemptAt: now, retriable: false };
  });
}

/** Puts every retriable failed message of the tenant back in the queue; says how many. */
export async function retryFailedMail(deps: MailRetryDeps, tenantId: string, actor: Actor): Promise<number> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async ({ mail, audit }) => {
    const count = await mail.requeueFailed(tenantId, 'all', now);
    if (count > 0) await appendRetry(audit, tenantId, now, actor, undefined, { count });
    return count;
  });
}

function appendRetry(audit: AuditStore, tenantId: string, now: number, actor: Actor, target: { type: string; id: string } | undefined, details: Record<string, unknown>) {
  return audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action: 'mail.retried', outcome: 'success', actor: { type: actor.type, id: actor.id }, target, context: actor.context, details });
}

function isRetriable(message: MailMessage): boolean {
  return message.status === 'failed' && message.text !== null && !ONE_TIME_CODE_KINDS.includes(message.kind);
}

function toQueuedMail(message: MailMessage): QueuedMail {
  return {
    id: message.id,
    kind: message.kind,
    to: maskEmail(message.to),
    locale: message.locale,
    status: message.status === 'failed' ? 'failed' : 'queued',
    attempts: message.attempts,
    lastError: message.lastError === undefined ? null : message.lastError.replace(EMAIL_IN_TEXT, (address) => maskEmail(address)),
    createdAt: message.createdAt,
    nextAttemptAt: message.status === 'queued' ? message.availableAt : null,
    retriable: isRetriable(message),
  };
}

const EMAIL_IN_TEXT = /[^\s<>"'@,;:()[\]]+@[^\s<>"'@,;:()[\]]+/g;
