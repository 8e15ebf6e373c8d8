// The audit entry (and domain event) of what an operator did to a customer, written in the
// transaction of the change itself. The actor is whoever acted (an operator through the CLI, a
// staff member or a machine credential through the admin API); the entry names the fields that
// changed, never their values, so erasing the customer leaves nothing about them here.
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { CatalogueEvent } from '../events/catalogue.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import { uuidv7 } from '../../lib/ids.ts';

type OperatorChange = {
  readonly tenantId: string;
  readonly identityId: string;
  /** The audit action; an event's name when there is one. */
  readonly action: string;
  readonly details: Readonly<Record<string, unknown>>;
  /** The domain event, when the outside world hears of the change. */
  readonly event?: CatalogueEvent | undefined;
};

export async function recordOperatorChange(stores: { audit: AuditStore; outbox: OutboxStore }, now: number, actor: Actor, change: OperatorChange): Promise<void> {
  const { tenantId, identityId } = change;
  await stores.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action: change.action,
    outcome: 'success',
    actor: { type: actor.type, id: actor.id },
    target: { type: 'identity', id: identityId },
    context: actor.context,
    details: change.details,
  });
  if (change.event) await recordEvent(stores.outbox, { tenantId, aggregateId: identityId, occurredAt: now }, change.event);
}
