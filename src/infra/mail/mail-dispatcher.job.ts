// The mail dispatcher: claims queued messages that are due and hands them to the transport (SMTP,
// or the development outbox). It wakes at once when this node queues a message (notify) and polls
// otherwise, so messages queued by other nodes or awaiting a retry go out too. Every node may run
// one: a claim leases its messages, so no two dispatchers send the same one. Logs name messages by
// id and kind only, never their bodies, codes or links.
import type { MailMessage, MailStore } from '../../domain/mail/mail.port.ts';
import { MAIL_RETRY, nextAttemptAt } from '../../domain/mail/mail.ts';
import type { MailRetryPolicy } from '../../domain/mail/mail.ts';
import type { MailTransport } from './transport.ts';

type LogFunction = (fields: Record<string, unknown>, message: string) => void;

type MailDispatcherDeps = {
  /** The node's store (not a transaction's). */
  readonly store: MailStore;
  readonly transport: MailTransport;
  /** MAIL_FROM: the sender of tenants without their own. */
  readonly defaultFrom: string;
  readonly logger: { readonly info: LogFunction; readonly warn: LogFunction; readonly error: LogFunction };
  /** Pause between polls when nothing wakes the dispatcher. */
  readonly pollIntervalMs: number;
  /** Messages claimed (and sent side by side) at a time. */
  readonly batchSize: number;
  /**
   * How long a claim holds its messages. Longer than a batch can take to send (the SMTP transport's
   * timeouts), or another node may send a slow message again; a node that dies mid-batch delays
   * its messages by this much.
   */
  readonly leaseMs: number;
  readonly retry?: MailRetryPolicy;
  readonly now?: () => number;
};

type DispatchReport = { readonly sent: number; readonly failed: number };

export type MailDispatcher = {
  /** A message was queued on this node: send it now rather than at the next poll. */
  notify(): void;
  /**
   * Sends what is due now and says how it went; a run in progress (which may have looked at the
   * queue before the caller's message was in it) is awaited first. Never rejects: a failure is
   * logged and the message scheduled for a retry. After stop() it sends nothing.
   */
  runOnce(): Promise<DispatchReport>;
  /** Stops claiming; resolves once the messages already handed to the transport have an outcome. */
  stop(): Promise<void>;
};

const NOTHING: DispatchReport = { sent: 0, failed: 0 };

export function startMailDispatcher(deps: MailDispatcherDeps): MailDispatcher {
  const { store, transport, defaultFrom, logger, pollIntervalMs, batchSize, leaseMs } = deps;
  if (!(pollIntervalMs > 0)) throw new RangeError('pollIntervalMs must be a positive number of milliseconds');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  if (!(leaseMs > 0)) throw new RangeError('leaseMs must be a positive number of milliseconds');
  const now = deps.now ?? Date.now;
  const retry = deps.retry ?? MAIL_RETRY;
  let stopped = false;
  let running: Promise<DispatchReport> | undefined;
  let wokenWhileRunning = false;
  let timer: NodeJS.Timeout | undefined;

  async function deliver(message: MailMessage): Promise<boolean> {
    try {
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
    } catch (error) {
      const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
      const retryAt = isPermanentRefusal(error) ? undefined : nextAttemptAt(message, now(), retry);
      await store.markFailed(message.id, describeError(error), retryAt);
      const fields = { mailId: message.id, tenantId: message.tenantId, kind: message.kind, attempts: message.attempts, code, responseCode };
      if (retryAt === undefined) logger.error(fields, 'mail delivery failed; giving up');
      else logger.warn({ ...fields, retryInMs: retryAt - now() }, 'mail delivery failed; will retry');
      return false;
    }
    await store.markSent(message.id, now());
    logger.info({ mailId: message.id, tenantId: message.tenantId, kind: message.kind, attempts: message.attempts }, 'mail sent');
    return true;
  }

  async function dispatch(): Promise<DispatchReport> {
    let sent = 0;
    let failed = 0;
    try {
      // A full batch means more may be due; a short one means the queue is drained.
      let batch: MailMessage[];
      do {
        batch = await store.claimDue(now(), batchSize, leaseMs);
        const outcomes = await Promise.all(batch.map(deliver));
        sent += outcomes.filter(Boolean).length;
        failed += outcomes.filter((ok) => !ok).length;
      } while (batch.length === batchSize && !stopped);
    } catch (error) {
      logger.error({ err: error, sent, failed }, 'mail dispatch failed');
    }
    return { sent, failed };
  }

  // A timeout re-armed after each run, so runs never overlap. unref(): the dispatcher must never be
  // what keeps the process alive.
  function schedule(delayMs: number): void {
    clearTimeout(timer);
    if (stopped) return;
    // A run in progress schedules the next one when it ends.
    timer = setTimeout(() => void (running ?? runOnce()), delayMs);
    timer.unref();
  }

  function runOnce(): Promise<DispatchReport> {
    if (stopped) return Promise.resolve(NOTHING);
    if (running) return running.then(runOnce);
    running = dispatch().finally(() => {
      running = undefined;
      schedule(wokenWhileRunning ? 0 : pollIntervalMs);
      wokenWhileRunning = false;
    });
    return running;
  }

  // Whatever was queued while no dispatcher ran goes out at start.
  schedule(0);

  return {
    notify() {
      if (stopped) return;
      if (running) wokenWhileRunning = true;
      else schedule(0);
    },
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
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
