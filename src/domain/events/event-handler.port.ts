// Foyer's own consumers of outbox events (back-channel logout today): one handler per catalogue
// name, called by the outbox dispatcher after the event committed, with the payload of its type.
// A handler rejects when the delivery failed; the dispatcher retries it later (at least once: a
// handler may see the same event again and must not mind).
import type { EventName, EventPayload } from './catalogue.ts';

type HandledEvent<Name extends EventName> = { readonly id: string; readonly tenantId: string; readonly aggregateId: string; readonly payload: EventPayload<Name> };

export type EventHandlers = { readonly [Name in EventName]?: (event: HandledEvent<Name>) => Promise<void> };
