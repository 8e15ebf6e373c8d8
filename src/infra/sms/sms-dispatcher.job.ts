// The SMS dispatcher (ADR 0031): the leased dispatcher (infra/jobs/dispatcher.ts) over the SMS
// queue, handing due messages to the gateway or the development outbox. Codes live 15 minutes, so
// retries stop after 10: a text that late is of no use. Logs name messages by id and kind only.
import type { SmsMessage, SmsStore } from '../../domain/sms/sms.port.ts';
import { retryAt } from '../../lib/backoff.ts';
import { startDispatcher } from '../jobs/dispatcher.ts';
import type { Dispatcher, DispatcherDeps } from '../jobs/dispatcher.ts';
import type { SmsTransport } from './transport.ts';

const SMS_RETRY = { firstDelayMs: 2_000, maxDelayMs: 60_000, giveUpAfterMs: 10 * 60_000 } as const;

type SmsDispatcherDeps = Omit<DispatcherDeps<SmsMessage>, 'name' | 'queue'> & { readonly store: SmsStore; readonly transport: SmsTransport };

export function startSmsDispatcher(deps: SmsDispatcherDeps): Dispatcher {
  const { store, transport } = deps;
  return startDispatcher<SmsMessage>({
    ...deps,
    name: 'sms',
    queue: {
      claimDue: (now, limit, leaseMs) => store.claimDue(now, limit, leaseMs),
      deliver: (message) => transport.send({ id: message.id, tenantId: message.tenantId, kind: message.kind, to: message.to, body: message.body ?? '', createdAt: message.createdAt }),
      markDone: (message, now) => store.markSent(message.id, now),
      markFailed: (message, error, retry) => store.markFailed(message.id, error instanceof Error ? error.message : String(error), retry),
      retryAt: (message, error, now) => ((error as { permanent?: unknown }).permanent === true || message.body === null ? undefined : retryAt(message.attempts, message.createdAt, now, SMS_RETRY)),
      logFields: (message) => ({ smsId: message.id, tenantId: message.tenantId, kind: message.kind, attempts: message.attempts }),
      failureFields: (error) => ({ status: (error as { status?: unknown }).status }),
    },
  });
}
