// The one way domain code writes an event: a catalogue name with its payload type, into the outbox
// of the transaction that makes the change, so the event commits with the change or not at all.
// One INSERT, no read: recording an event never adds a round trip to the request.
import { uuidv7 } from '../../lib/ids.ts';
import type { OutboxStore } from './outbox.port.ts';
import { EVENT_CATALOGUE, INTERNAL_EVENTS } from './catalogue.ts';
import type { AggregateType, CatalogueEvent } from './catalogue.ts';

/** Which tenant and aggregate (of the type the catalogue gives the event) the event is about, and when it happened. */
type EventSubject = { readonly tenantId: string; readonly aggregateId: string; readonly occurredAt: number };

export async function recordEvent(outbox: Pick<OutboxStore, 'enqueue'>, subject: EventSubject, event: CatalogueEvent): Promise<void> {
  const { tenantId, aggregateId, occurredAt } = subject;
  await outbox.enqueue({
    id: uuidv7(occurredAt),
    occurredAt,
    tenantId,
    type: event.type,
    aggregate: { type: EVENT_CATALOGUE[event.type].aggregate, id: aggregateId },
    payload: event.payload,
  });
}

/** Many events at once (each with its own subject), in few statements: a bulk import's. */
export async function recordEvents(outbox: Pick<OutboxStore, 'enqueueMany'>, events: readonly { readonly subject: EventSubject; readonly event: CatalogueEvent }[]): Promise<void> {
  await outbox.enqueueMany(
    events.map(({ subject, event }) => ({
      id: uuidv7(subject.occurredAt),
      occurredAt: subject.occurredAt,
      tenantId: subject.tenantId,
      type: event.type,
      aggregate: { type: EVENT_CATALOGUE[event.type].aggregate, id: subject.aggregateId },
      payload: event.payload,
    })),
  );
}

/**
 * The aggregate was erased: the payloads of its earlier events become `{ redacted: true }`, except
 * internal ones, which carry no personal data and which Foyer may still have to deliver (the
 * back-channel logout of sessions that ended just before).
 */
export async function redactEventsOf(outbox: Pick<OutboxStore, 'redactAggregate'>, tenantId: string, aggregateType: AggregateType, aggregateId: string): Promise<number> {
  return outbox.redactAggregate(tenantId, { type: aggregateType, id: aggregateId }, { except: INTERNAL_EVENTS });
}
