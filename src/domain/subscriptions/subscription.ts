// A tenant's subscription to its outbound events (issue 15, ADR 0026): where they go (a webhook URL,
// or NATS JetStream), which event types, which of the customer's fields may leave Foyer (everything
// else is scrubbed), and optionally the consent purpose a customer must have granted for events
// about them to go. Webhooks are signed with the Standard Webhooks scheme under the subscription's
// secrets: a rotation keeps the previous secret signing too until its overlap ends.
import { ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import { EVENT_CATALOGUE } from '../events/catalogue.ts';
import type { EventName } from '../events/catalogue.ts';
import { checkUrlSyntax } from './url-policy.ts';

export const SUBSCRIPTION_KINDS = ['webhook', 'nats'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

/** The events a subscriber may receive: every catalogue entry but Foyer's internal ones. */
export const SUBSCRIBABLE_EVENTS: readonly EventName[] = (Object.keys(EVENT_CATALOGUE) as EventName[]).filter((name) => !EVENT_CATALOGUE[name].internal);

/** A signing secret: sealed at rest; an old one signs until `expiresAt` (null: until the next rotation). */
export type SigningSecret = { readonly id: string; readonly sealed: string; readonly createdAt: number; readonly expiresAt: number | null };

export type Subscription = {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: SubscriptionKind;
  /** The webhook's URL; null for NATS. */
  readonly url: string | null;
  readonly description: string;
  readonly eventTypes: readonly EventName[];
  /** The customer's fields (trait names, `email` and `phone` for addresses) that may leave Foyer. */
  readonly fields: readonly string[];
  /** Events about a customer go only while they have granted this purpose. */
  readonly purposeId: string | null;
  readonly enabled: boolean;
  readonly secrets: readonly SigningSecret[];
  readonly createdAt: number;
  readonly updatedAt: number;
};

export type SubscriptionInput = {
  readonly kind?: SubscriptionKind | undefined;
  readonly url?: string | null | undefined;
  readonly description?: string | undefined;
  readonly eventTypes?: readonly string[] | undefined;
  readonly fields?: readonly string[] | undefined;
  readonly purposeId?: string | null | undefined;
  readonly enabled?: boolean | undefined;
};

export const MAX_FIELDS = 100;
const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

type Validated = Pick<Subscription, 'kind' | 'url' | 'description' | 'eventTypes' | 'fields' | 'purposeId' | 'enabled'>;

/** The subscription's settings checked as a whole (the URL's syntax and scheme; its addresses are checked by the caller). */
export function validateSubscription(input: Required<{ [K in keyof SubscriptionInput]: Exclude<SubscriptionInput[K], undefined> }>, production: boolean): Validated {
  const problems: FieldProblem[] = [];
  const { kind } = input;
  let url: string | null = null;
  if (kind === 'webhook') {
    if (!input.url) problems.push({ field: 'url', code: 'subscription.url_required', message: 'is required for a webhook' });
    else {
      const problem = checkUrlSyntax(input.url, production);
      if (problem) problems.push({ field: 'url', code: 'subscription.url_invalid', message: problem });
      else url = new URL(input.url).href;
    }
  } else if (input.url) problems.push({ field: 'url', code: 'subscription.url_not_allowed', message: 'is for webhooks only' });
  const unknown = input.eventTypes.filter((type) => !(SUBSCRIBABLE_EVENTS as readonly string[]).includes(type));
  if (input.eventTypes.length === 0) problems.push({ field: 'event_types', code: 'subscription.no_event_types', message: 'must name at least one event type' });
  for (const type of unknown) problems.push({ field: 'event_types', code: 'subscription.event_type_unknown', message: `"${type}" is not an event a subscriber may receive`, params: { type } });
  for (const field of input.fields) {
    if (!FIELD_PATTERN.test(field)) problems.push({ field: 'fields', code: 'subscription.field_invalid', message: `"${field}" is not a field name`, params: { field } });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    kind,
    url,
    description: input.description.trim(),
    eventTypes: [...new Set(input.eventTypes as EventName[])],
    fields: [...new Set(input.fields)].sort(),
    purposeId: input.purposeId,
    enabled: input.enabled,
  };
}

/** The secrets that sign at `now`: the current one and those still in their overlap. */
export function signingSecrets(subscription: Pick<Subscription, 'secrets'>, now: number): SigningSecret[] {
  return subscription.secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now);
}
