// The audit entry (and domain event) of a change someone made to a customer or a tenant, written
// in the transaction of the change itself. The actor is whoever acted (an operator through the CLI,
// a staff member or a machine credential through the admin API); the entry names the fields that
// changed, never their values, so erasing the customer leaves nothing about them here. The event's
// aggregate is the target.
import type { AuditStore } from './audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { CatalogueEvent } from '../events/catalogue.ts';
import { recordEvent } from '../events/record-event.ts';
import type { ActorType, RequestContext } from './audit.ts';
import { uuidv7 } from '../../lib/ids.ts';

/** Who acted (tenants.service.ts's Actor). */
type Actor = { readonly type: ActorType; readonly id?: string; readonly context?: RequestContext };

/** What changed: a customer, a tenant, or a customer group. */
type Subject = { readonly identityId: string; readonly target?: undefined } | { readonly target: { readonly type: 'tenant' | 'group'; readonly id: string }; readonly identityId?: undefined };

type OperatorChange = Subject & {
  readonly tenantId: string;
  /** The audit action; an event's name when there is one. */
  readonly action: string;
  readonly details: Readonly<Record<string, unknown>>;
  /** The domain event, when the outside world hears of the change. */
  readonly event?: CatalogueEvent | undefined;
};

export async function recordOperatorChange(stores: { audit: AuditStore; outbox: OutboxStore }, now: number, actor: Actor, change: OperatorChange): Promise<void> {
  const { tenantId } = change;
  const target = change.target !== undefined ? change.target : { type: 'identity' as const, id: change.identityId };
  await stores.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action: change.action,
    outcome: 'success',
    actor: { type: actor.type, id: actor.id },
    target,
    context: actor.context,
    details: change.details,
  });
  if (change.event) await recordEvent(stores.outbox, { tenantId, aggregateId: target.id, occurredAt: now }, change.event);
}
