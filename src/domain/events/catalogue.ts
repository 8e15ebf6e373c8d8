// Every domain event Foyer records, declared once: its name, the aggregate it belongs to, the type
// of its payload, whether that payload carries personal data, and whether it is internal (delivered
// only to Foyer's own handlers, such as back-channel logout). recordEvent (record-event.ts) accepts
// only a name from here with its payload type; subscribers outside Foyer (webhooks) will see only
// the events that are not internal, scrubbed of personal data unless they may have it.
//
// Names and payloads are a contract with whoever reads the event stream (the data export,
// subscribers): a new field is fine, renaming or removing one is a new event.
import type { ApplicationKind } from '../applications/application.ts';
import type { Address, Traits } from '../identity/identity.ts';

export type AggregateType = 'identity' | 'tenant' | 'application' | 'group';

/** One catalogue entry. `payload` is never set: it only carries the payload's type. */
type EventDefinition<Payload> = {
  readonly aggregate: AggregateType;
  /** The payload names or describes the person (traits, addresses): scrubbed for subscribers not allowed to see it. */
  readonly personalData: boolean;
  /** For Foyer's own handlers only; never offered to outside subscribers. */
  readonly internal: boolean;
  readonly payload?: Payload;
};

function event<Payload>(definition: Omit<EventDefinition<Payload>, 'payload'>): EventDefinition<Payload> {
  return definition;
}

type Changed = { readonly changed: readonly string[] };

/** An application signed in through an ended browser session, and the session id (`sid`) its ID tokens carried. */
export type EndedSessionApplication = { readonly clientId: string; readonly sid: string };

export const EVENT_CATALOGUE = {
  /** `externalId`: the customer's id in the system they came from, when they have one. */
  'identity.created': event<{ readonly traits: Traits; readonly addresses: readonly Address[]; readonly externalId?: string }>({ aggregate: 'identity', personalData: true, internal: false }),
  /** `traits` when the customer changed them in the account; an email change names only the field; `externalId` when an operator set (or, null, cleared) it. */
  'identity.updated': event<Changed & { readonly traits?: Traits; readonly externalId?: string | null }>({ aggregate: 'identity', personalData: true, internal: false }),
  'identity.address_verified': event<{ readonly kind: 'email' }>({ aggregate: 'identity', personalData: false, internal: false }),
  'identity.password_changed': event<{ readonly via?: 'recovery' }>({ aggregate: 'identity', personalData: false, internal: false }),
  'identity.blocked': event<{ readonly status: 'blocked' }>({ aggregate: 'identity', personalData: false, internal: false }),
  'identity.unblocked': event<{ readonly status: 'active' }>({ aggregate: 'identity', personalData: false, internal: false }),
  /** An upstream account (a connection's subject) was linked to the customer: they can sign in through that connection now. */
  'identity.connection_linked': event<{ readonly connection: string }>({ aggregate: 'identity', personalData: false, internal: false }),
  'identity.deleted': event<Record<string, never>>({ aggregate: 'identity', personalData: false, internal: false }),
  /** `others`: every session but the customer's current one; `all`: an operator signed them out everywhere. */
  'session.revoked': event<{ readonly kind: 'browser' | 'app' | 'others' | 'all' }>({ aggregate: 'identity', personalData: false, internal: false }),
  'consent.granted': event<{ readonly applicationId: string; readonly scopes: readonly string[]; readonly resourceScopes: Readonly<Record<string, readonly string[]>> }>({
    aggregate: 'identity',
    personalData: false,
    internal: false,
  }),
  'consent.revoked': event<{ readonly applicationId: string }>({ aggregate: 'identity', personalData: false, internal: false }),
  /**
   * Foyer ended browser sessions of the customer (account, operator, recovery): the applications
   * signed in through them, each with the `sid` its ID tokens carried, are sent back-channel logout.
   */
  'browser_sessions.ended': event<{ readonly applications: readonly EndedSessionApplication[] }>({ aggregate: 'identity', personalData: false, internal: true }),
  /** The customer granted a consent purpose (issue 15) at this version; the ledger holds the proof. */
  'purpose_consent.granted': event<{ readonly purposeId: string; readonly version: number }>({ aggregate: 'identity', personalData: false, internal: false }),
  /** The customer withdrew a consent purpose: a subscriber filtering by it should forget what it had. */
  'purpose_consent.withdrawn': event<{ readonly purposeId: string; readonly version: number }>({ aggregate: 'identity', personalData: false, internal: false }),
  /** The customer's communication preferences changed: the `topic.channel` names whose choice changed. */
  'preferences.changed': event<Changed>({ aggregate: 'identity', personalData: false, internal: false }),
  'tenant.created': event<{ readonly slug: string; readonly name: string }>({ aggregate: 'tenant', personalData: false, internal: false }),
  'tenant.configured': event<{ readonly sections: readonly string[] }>({ aggregate: 'tenant', personalData: false, internal: false }),
  /** Names what changed: `name`, or `settings.<section>`. */
  'tenant.updated': event<Changed>({ aggregate: 'tenant', personalData: false, internal: false }),
  'tenant.deleted': event<{ readonly slug: string }>({ aggregate: 'tenant', personalData: false, internal: false }),
  /** A customer group (SCIM's Group): its name, external id and members (customer ids). */
  'group.created': event<{ readonly displayName: string; readonly externalId: string | null; readonly members: readonly string[] }>({ aggregate: 'group', personalData: false, internal: false }),
  /** What changed: the name, the external id, and the customers who joined or left. */
  'group.updated': event<Changed & { readonly displayName: string; readonly externalId: string | null; readonly added: readonly string[]; readonly removed: readonly string[] }>({ aggregate: 'group', personalData: false, internal: false }),
  'group.deleted': event<Record<string, never>>({ aggregate: 'group', personalData: false, internal: false }),
  'application.created': event<{ readonly clientId: string; readonly name: string; readonly kind: ApplicationKind }>({ aggregate: 'application', personalData: false, internal: false }),
  'application.updated': event<{ readonly clientId: string } & Changed>({ aggregate: 'application', personalData: false, internal: false }),
  'application.deleted': event<{ readonly clientId: string }>({ aggregate: 'application', personalData: false, internal: false }),
  'application.secret_rotated': event<{ readonly clientId: string }>({ aggregate: 'application', personalData: false, internal: false }),
} as const;

export type EventName = keyof typeof EVENT_CATALOGUE;

export type EventPayload<Name extends EventName> = (typeof EVENT_CATALOGUE)[Name] extends EventDefinition<infer Payload> ? Payload : never;

/** A catalogue event: its name and the payload of that name (a union, so each name keeps its own payload type). */
export type CatalogueEvent<Name extends EventName = EventName> = { [N in Name]: { readonly type: N; readonly payload: EventPayload<N> } }[Name];

/** Internal events: their payloads are what Foyer still has to deliver itself, and carry no personal data. */
export const INTERNAL_EVENTS: readonly EventName[] = (Object.keys(EVENT_CATALOGUE) as EventName[]).filter((name) => EVENT_CATALOGUE[name].internal);
