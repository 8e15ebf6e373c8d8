// The mail dispatcher: the leased dispatcher (infra/jobs/dispatcher.ts) over the mail queue, handing
// due messages to the transport (SMTP, or the development outbox). It wakes at once when this node
// queues a message (notify) and polls otherwise, so messages queued by other nodes or awaiting a
// retry go out too. Every node may run one: a claim leases its messages, so no two dispatchers send
// the same one. Logs name messages by id and kind only, never their bodies, codes or links.
import type { MailMessage, MailStore } from '../../domain/mail/mail.port.ts';
import { MAIL_RETRY, nextAttemptAt } from '../../domain/mail/mail.ts';
import type { MailRetryPolicy } from '../../domain/mail/mail.ts';
import { startDispatcher } from '../jobs/dispatcher.ts';
import type { Dispatcher, DispatcherDeps } from '../jobs/dispatcher.ts';
import type { MailTransport } from './transport.ts';

type MailDispatcherDeps = Omit<DispatcherDeps<MailMessage>, 'name' | 'queue'> & {
  /** The node's store (not a transaction's). */
  readonly store: MailStore;
  readonly transport: MailTransport;
  /** MAIL_FROM: the sender of tenants without their own. */
  readonly defaultFrom: string;
  readonly retry?: MailRetryPolicy;
};

export type MailDispatcher = Dispatcher;

export function startMailDispatcher(deps: MailDispatcherDeps): MailDispatcher {
  const { store, transport, defaultFrom } = deps;
  const retry = deps.retry ?? MAIL_RETRY;
  return startDispatcher<MailMessage>({
    ...deps,
    name: 'mail',
    queue: {
      claimDue: (now, limit, leaseMs) => store.claimDue(now, limit, leaseMs),
      async deliver(message) {
        // Claimed messages are queued ones, whose bodies are still there.
        await transport.send({
          id: message.id,
          tenantId: message.tenantId,
          kind: message.kind,
          locale: message.locale,
          from: message.from ?? defaultFrom,
          replyTo: message.replyTo,
          to: message.to,
          subject: message.subject,
          text: message.text ?? '',
          html: message.html ?? '',
          createdAt: message.createdAt,
        });
      },
      markDone: (message, now) => store.markSent(message.id, now),
      markFailed: (message, error, retryAt) => store.markFailed(message.id, describeError(error), retryAt),
      retryAt: (message, error, now) => (isPermanentRefusal(error) ? undefined : nextAttemptAt(message, now, retry)),
      logFields: (message) => ({ mailId: message.id, tenantId: message.tenantId, kind: message.kind, attempts: message.attempts }),
      failureFields(error) {
        const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
        return { code, responseCode };
      },
    },
  });
}

/**
 * The receiving server refused this message for good: a 5xx reply (RFC 5321 4.2.1) to its
 * recipient or its content (no such mailbox, message refused). Retrying cannot help, and would
 * hammer the server for a day. A 5xx to anything before (a refused login or sender) is this
 * installation's configuration instead: once an operator fixes it, the queued messages must still
 * go out, so those are retried like an outage.
 */
function isPermanentRefusal(error: unknown): boolean {
  const { responseCode, command } = (error ?? {}) as { responseCode?: unknown; command?: unknown };
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && (command === 'RCPT TO' || command === 'DATA');
}

/** What the queue keeps as last_error: the error's code and message (an SMTP reply, a socket error). */
function describeError(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
