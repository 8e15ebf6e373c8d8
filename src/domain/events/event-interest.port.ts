// Whether anyone outside Foyer takes an event: asked before recording events that only outside
// subscribers read (a sign-in, a sign-out), so the hot path writes no outbox row nobody will
// deliver (ADR 0026). The subscription directory answers from memory.
import type { EventName } from './catalogue.ts';

export type EventInterest = {
  /** Some enabled subscription of the tenant takes events of this type. */
  wants(tenantId: string, type: EventName): boolean;
};
