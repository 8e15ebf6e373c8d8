// From one outbox event to a delivery per subscription that takes it (issue 15, ADR 0026): its
// type is subscribed, and when the subscription filters by a consent purpose, the customer the
// event is about has that purpose granted now (grantedPurposes, the ledger's one answer). The
// withdrawal of the purpose itself goes (the subscriber must learn to forget), and so does an
// erasure. Each delivery holds the data scrubbed for its subscriber: nothing outside the allow-list
// is ever written to it. A repeated fan-out (a node died before marking the event) adds nothing.
import type { OutboxEvent } from '../events/event.ts';
import { EVENT_CATALOGUE } from '../events/catalogue.ts';
import type { EventName } from '../events/catalogue.ts';
import type { ConsentLedgerStore } from '../privacy/purpose.port.ts';
import { grantedPurposes } from '../privacy/ledger.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { coalesced } from '../../lib/coalesce.ts';
import type { DeliveryStore, NewDelivery } from './subscription.port.ts';
import type { Subscription } from './subscription.ts';
import { scrubbedData } from './scrub.ts';

type FanOutDeps = { readonly deliveries: Pick<DeliveryStore, 'add'>; readonly consentLedger: ConsentLedgerStore };

type EventToFan = Pick<OutboxEvent, 'id' | 'tenantId' | 'type' | 'aggregate' | 'payload' | 'occurredAt'>;

/** Whether the event may go to a subscription filtering by `purposeId`, given what the customer has granted. */
function passesPurposeFilter(event: EventToFan, purposeId: string | null, granted: () => Promise<ReadonlySet<string>>): Promise<boolean> | boolean {
  if (purposeId === null || event.aggregate.type !== 'identity') return true;
  if (event.type === 'identity.deleted') return true;
  if (event.type === 'purpose_consent.withdrawn' && event.payload['purposeId'] === purposeId) return true;
  return granted().then((purposes) => purposes.has(purposeId));
}

/** The deliveries of `event` to the subscriptions that take it (`origin`: `live`, or a replay's id); says how many were added. */
export async function fanOut(deps: FanOutDeps, event: EventToFan, subscriptions: readonly Subscription[], options: { readonly origin: string; readonly now: number }): Promise<number> {
  if (!Object.hasOwn(EVENT_CATALOGUE, event.type) || EVENT_CATALOGUE[event.type as EventName].internal) return 0;
  const takers = subscriptions.filter((subscription) => subscription.enabled && subscription.tenantId === event.tenantId && (subscription.eventTypes as readonly string[]).includes(event.type));
  if (takers.length === 0) return 0;
  let purposes: Promise<ReadonlySet<string>> | undefined;
  const granted = () => (purposes ??= grantedPurposes(deps, event.tenantId, event.aggregate.id).then((list) => new Set(list.map((purpose) => purpose.purposeId))));
  const rows: NewDelivery[] = [];
  for (const subscription of takers) {
    if (!(await passesPurposeFilter(event, subscription.purposeId, granted))) continue;
    rows.push({
      id: uuidv7(options.now),
      tenantId: event.tenantId,
      subscriptionId: subscription.id,
      eventId: event.id,
      eventType: event.type,
      aggregate: event.aggregate,
      occurredAt: event.occurredAt,
      origin: options.origin,
      data: scrubbedData(event.type, event.payload, subscription.fields),
      now: options.now,
    });
  }
  return rows.length === 0 ? 0 : (await deps.deliveries.add(rows)).length;
}

/**
 * The node's fan-out writes through this: the deliveries of the events fanned out in one turn of
 * the event loop (a claimed batch, side by side) go in one INSERT rather than one per event (ADR
 * 38). Should that INSERT fail (a subscription deleted meanwhile, say), each event's rows are
 * written alone, so only the event that cannot be fanned out fails and is retried.
 */
export function coalescedDeliveries(deliveries: Pick<DeliveryStore, 'add'>): Pick<DeliveryStore, 'add'> {
  const add = coalesced<readonly NewDelivery[], readonly string[] | Error>(async (batches) => {
    if (batches.length === 1) return [await deliveries.add(batches[0]!)];
    try {
      const added = new Set(await deliveries.add(batches.flat()));
      return batches.map((rows) => rows.filter((row) => added.has(row.id)).map((row) => row.id));
    } catch {
      return Promise.all(batches.map((rows) => deliveries.add(rows).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
    }
  });
  return {
    async add(rows) {
      const added = await add(rows);
      if (added instanceof Error) throw added;
      return added;
    },
  };
}
