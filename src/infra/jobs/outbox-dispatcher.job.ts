// The outbox dispatcher: the leased dispatcher (dispatcher.ts) over the outbox, handing each due
// event to Foyer's own handler of its type (back-channel logout for `browser_sessions.ended`).
// Every event but the internal ones is first fanned out to the tenants' subscriptions (a delivery row each, sent by
// the subscriptions' own queue: subscription-dispatcher.job.ts), then marked published; the
// retention prunes published events. Every server node runs one; it is woken after commit when this
// node records an event that has a handler or a subscriber, and polls otherwise (for events
// recorded by other nodes or by the CLI, and for retries).
import type { OutboxEvent } from '../../domain/events/event.ts';
import type { OutboxStore } from '../../domain/events/outbox.port.ts';
import type { EventHandlers } from '../../domain/events/event-handler.port.ts';
import type { EventName } from '../../domain/events/catalogue.ts';
import { INTERNAL_EVENTS } from '../../domain/events/catalogue.ts';
import { retryAt } from '../../lib/backoff.ts';
import { coalesced } from '../../lib/coalesce.ts';
import type { RetryPolicy } from '../../lib/backoff.ts';
import { startDispatcher } from './dispatcher.ts';
import type { Dispatcher, DispatcherDeps } from './dispatcher.ts';

/**
 * 5 s after the first failure, doubling, at most 5 min apart, for an hour: an application that is
 * down longer misses the event, as with oidc-provider's own back-channel logout (the session is
 * gone either way).
 */
const OUTBOX_RETRY: RetryPolicy = { firstDelayMs: 5_000, maxDelayMs: 5 * 60_000, giveUpAfterMs: 60 * 60_000 };

type OutboxDispatcherDeps = Omit<DispatcherDeps<OutboxEvent>, 'name' | 'queue'> & {
  /** The node's store (not a transaction's). */
  readonly store: OutboxStore;
  readonly handlers: EventHandlers;
  /**
   * Hands the event to the tenants' subscribers (ADR 0026): one delivery per subscription that
   * takes it, written before the event is marked published. Internal events never reach it.
   */
  readonly fanOut?: (event: OutboxEvent) => Promise<void>;
  readonly retry?: RetryPolicy;
};

/** Whether some handler of this node consumes events of `type` (else waking the dispatcher for one is pointless). */
export function isHandled(handlers: EventHandlers, type: string): boolean {
  return handlerOf(handlers, type) !== undefined;
}

function handlerOf(handlers: EventHandlers, type: string): ((event: { id: string; tenantId: string; aggregateId: string; payload: unknown }) => Promise<void>) | undefined {
  // Stored types are plain strings; a handler exists only under a catalogue name, with its payload type.
  return Object.hasOwn(handlers, type) ? (handlers[type as EventName] as (event: { id: string; tenantId: string; aggregateId: string; payload: unknown }) => Promise<void>) : undefined;
}

function isInternal(type: string): boolean {
  return (INTERNAL_EVENTS as readonly string[]).includes(type);
}

export function startOutboxDispatcher(deps: OutboxDispatcherDeps): Dispatcher {
  const { store, handlers } = deps;
  const retry = deps.retry ?? OUTBOX_RETRY;
  // The events of a batch end within a few ticks of each other (most have nothing to wait for): one
  // UPDATE marks those that ended together, rather than one each (ADR 38).
  const markPublished = coalesced<{ id: string; now: number }, void>(async (ended) => {
    await store.markPublished(ended.map((entry) => entry.id), Math.max(...ended.map((entry) => entry.now)));
    return ended.map(() => undefined);
  });
  return startDispatcher<OutboxEvent>({
    ...deps,
    name: 'outbox',
    queue: {
      claimDue: (now, limit, leaseMs) => store.claimDue(now, limit, leaseMs),
      async deliver(event) {
        // A repeat (a failed handler retried, a node that died before marking) fans out nothing new.
        if (deps.fanOut && !isInternal(event.type)) await deps.fanOut(event);
        await handlerOf(handlers, event.type)?.({ id: event.id, tenantId: event.tenantId, aggregateId: event.aggregate.id, payload: event.payload });
      },
      markDone: (event, now) => markPublished({ id: event.id, now }),
      markFailed: (event, error, at, now) => store.markFailed(event.id, error instanceof Error ? error.message : String(error), at, now),
      retryAt: (event, _error, now) => retryAt(event.attempts, event.occurredAt, now, retry),
      // Events nobody handles are published without a line each; deliveries are logged.
      logFields: (event) => (isHandled(handlers, event.type) ? { eventId: event.id, tenantId: event.tenantId, type: event.type, attempts: event.attempts } : undefined),
      failureFields: (error) => ({ error: error instanceof Error ? error.message : String(error) }),
    },
  });
}
