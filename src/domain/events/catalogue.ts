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

/** A JSON Schema (draft 2020-12), as the AsyncAPI document carries it. */
type JsonSchema = Readonly<Record<string, unknown>>;

/** One catalogue entry. `payload` is never set: it only carries the payload's type. */
type EventDefinition<Payload> = {
  readonly aggregate: AggregateType;
  /** What happened, in a line: the AsyncAPI document's summary of the event. */
  readonly summary: string;
  /** The payload as JSON Schema (the AsyncAPI document's `data`); a test holds delivered payloads to it. */
  readonly schema: JsonSchema;
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

const strings = { type: 'array', items: { type: 'string' } } as const;
const object = (properties: Record<string, JsonSchema>, required: readonly string[] = Object.keys(properties)): JsonSchema => ({ type: 'object', properties, required });
const CHANGED = { changed: { ...strings, description: 'The names of what changed.' } } as const;
const TRAITS = { type: 'object', additionalProperties: true, description: 'The customer’s traits: only those in the subscription’s allow-list.' } as const;
const ADDRESSES = {
  type: 'array',
  description: 'The customer’s addresses of the kinds in the allow-list (`email`, `phone`).',
  items: object({ kind: { type: 'string', enum: ['email', 'phone'] }, value: { type: 'string' }, verified: { type: 'boolean' } }),
} as const;
const EXTERNAL_ID = { type: ['string', 'null'], description: 'The customer’s id in the system they came from (allow-list field `external_id`).' } as const;
const PURPOSE = object({ purposeId: { type: 'string' }, version: { type: 'integer' } });

/** An application signed in through an ended browser session, and the session id (`sid`) its ID tokens carried. */
export type EndedSessionApplication = { readonly clientId: string; readonly sid: string };

export const EVENT_CATALOGUE = {
  /** `externalId`: the customer's id in the system they came from, when they have one. */
  'identity.created': event<{ readonly traits: Traits; readonly addresses: readonly Address[]; readonly externalId?: string }>({ summary: 'A customer was created (signed up, or by an operator or an import).', schema: object({ traits: TRAITS, addresses: ADDRESSES, externalId: EXTERNAL_ID }, []), aggregate: 'identity', personalData: true, internal: false }),
  /** `traits` when the customer changed them in the account; an email change names only the field; `externalId` when an operator set (or, null, cleared) it. */
  'identity.updated': event<Changed & { readonly traits?: Traits; readonly externalId?: string | null }>({ summary: 'A customer’s profile changed: the names of the changed fields, and the new traits when the customer or an operator changed them.', schema: object({ ...CHANGED, traits: TRAITS, externalId: EXTERNAL_ID }, ['changed']), aggregate: 'identity', personalData: true, internal: false }),
  'identity.address_verified': event<{ readonly kind: 'email' }>({ summary: 'A customer verified an address.', schema: object({ kind: { type: 'string', enum: ['email'] } }), aggregate: 'identity', personalData: false, internal: false }),
  'identity.password_changed': event<{ readonly via?: 'recovery' }>({ summary: 'A customer’s password changed (`via: recovery` after a reset).', schema: object({ via: { type: 'string', enum: ['recovery'] } }, []), aggregate: 'identity', personalData: false, internal: false }),
  /** A completed sign-in: how (the method, `amr`, `acr`) and through which application. */
  'identity.signed_in': event<{ readonly method: string; readonly amr: readonly string[]; readonly acr: string; readonly applicationId?: string }>({
    summary: 'A customer signed in: the method, its `amr` and `acr`, and the application. Recorded only while a subscription of the tenant takes it.',
    schema: object({ method: { type: 'string' }, amr: strings, acr: { type: 'string' }, applicationId: { type: 'string' } }, ['method', 'amr', 'acr']),
    aggregate: 'identity',
    personalData: false,
    internal: false,
  }),
  'identity.blocked': event<{ readonly status: 'blocked' }>({ summary: 'An operator blocked a customer: their sessions ended.', schema: object({ status: { const: 'blocked' } }), aggregate: 'identity', personalData: false, internal: false }),
  'identity.unblocked': event<{ readonly status: 'active' }>({ summary: 'An operator unblocked a customer.', schema: object({ status: { const: 'active' } }), aggregate: 'identity', personalData: false, internal: false }),
  /** An upstream account (a connection's subject) was linked to the customer: they can sign in through that connection now. */
  'identity.connection_linked': event<{ readonly connection: string }>({ summary: 'An upstream account (a connection’s subject) was linked to the customer: they can sign in through that connection now.', schema: object({ connection: { type: 'string' } }), aggregate: 'identity', personalData: false, internal: false }),
  'identity.connection_unlinked': event<{ readonly connection: string }>({ summary: 'The customer removed a linked upstream account: it no longer signs them in.', schema: object({ connection: { type: 'string' } }), aggregate: 'identity', personalData: false, internal: false }),
  'identity.deleted': event<Record<string, never>>({ summary: 'A customer was erased: the envelope’s `customer` is all that is left; forget them.', schema: object({}), aggregate: 'identity', personalData: false, internal: false }),
  /** `others`: every session but the customer's current one; `all`: an operator signed them out everywhere, or a password reset ended them all. */
  'session.revoked': event<{ readonly kind: 'browser' | 'app' | 'others' | 'all' }>({ summary: 'Sessions of a customer were revoked: the browser one, an app’s, every other one, or all (an operator, or a password reset). A sign-out is `session.ended`.', schema: object({ kind: { type: 'string', enum: ['browser', 'app', 'others', 'all'] } }), aggregate: 'identity', personalData: false, internal: false }),
  /**
   * The customer signed out (issue 15's "session ended"): of a browser session, through an
   * application's or the account portal's RP-initiated logout (`applicationId` the client that asked);
   * of an app's session, through the JSON flows API. Ends by revocation are `session.revoked`.
   */
  'session.ended': event<{ readonly reason: 'signed_out'; readonly kind: 'browser' | 'app'; readonly applicationId?: string }>({
    summary: 'A customer signed out: a browser session (RP-initiated logout, `applicationId` the application that asked) or an app’s session (the JSON flows API). Sessions ended by the customer’s session list or an operator are `session.revoked`. Recorded only while a subscription of the tenant takes it.',
    schema: object({ reason: { type: 'string', enum: ['signed_out'] }, kind: { type: 'string', enum: ['browser', 'app'] }, applicationId: { type: 'string' } }, ['reason', 'kind']),
    aggregate: 'identity',
    personalData: false,
    internal: false,
  }),
  'consent.granted': event<{ readonly applicationId: string; readonly scopes: readonly string[]; readonly resourceScopes: Readonly<Record<string, readonly string[]>> }>({
    summary: 'A customer consented to an application’s scopes.', schema: object({ applicationId: { type: 'string' }, scopes: strings, resourceScopes: { type: 'object', additionalProperties: strings } }), aggregate: 'identity',
    personalData: false,
    internal: false,
  }),
  'consent.revoked': event<{ readonly applicationId: string }>({ summary: 'A customer revoked an application’s access.', schema: object({ applicationId: { type: 'string' } }), aggregate: 'identity', personalData: false, internal: false }),
  /**
   * Foyer ended browser sessions of the customer (account, operator, recovery): the applications
   * signed in through them, each with the `sid` its ID tokens carried, are sent back-channel logout.
   */
  'browser_sessions.ended': event<{ readonly applications: readonly EndedSessionApplication[] }>({ summary: 'Internal: browser sessions ended; Foyer sends back-channel logout.', schema: object({ applications: { type: 'array', items: object({ clientId: { type: 'string' }, sid: { type: 'string' } }) } }), aggregate: 'identity', personalData: false, internal: true }),
  /** The customer granted a consent purpose (issue 15) at this version; the ledger holds the proof. */
  'purpose_consent.granted': event<{ readonly purposeId: string; readonly version: number }>({ summary: 'A customer granted a consent purpose at this version.', schema: PURPOSE, aggregate: 'identity', personalData: false, internal: false }),
  /** The customer withdrew a consent purpose: a subscriber filtering by it should forget what it had. */
  'purpose_consent.withdrawn': event<{ readonly purposeId: string; readonly version: number }>({ summary: 'A customer withdrew a consent purpose: a subscriber filtering by it should forget what it had.', schema: PURPOSE, aggregate: 'identity', personalData: false, internal: false }),
  /** The customer's communication preferences changed: the `topic.channel` names whose choice changed. */
  'preferences.changed': event<Changed>({ summary: 'A customer’s communication preferences changed (`topic.channel` names).', schema: object({ ...CHANGED }), aggregate: 'identity', personalData: false, internal: false }),
  'tenant.created': event<{ readonly slug: string; readonly name: string }>({ summary: 'A tenant was created.', schema: object({ slug: { type: 'string' }, name: { type: 'string' } }), aggregate: 'tenant', personalData: false, internal: false }),
  'tenant.configured': event<{ readonly sections: readonly string[] }>({ summary: 'A tenant’s settings were configured (the sections).', schema: object({ sections: strings }), aggregate: 'tenant', personalData: false, internal: false }),
  /** Names what changed: `name`, or `settings.<section>`. */
  'tenant.updated': event<Changed>({ summary: 'A tenant changed: `name`, or `settings.<section>`.', schema: object({ ...CHANGED }), aggregate: 'tenant', personalData: false, internal: false }),
  'tenant.deleted': event<{ readonly slug: string }>({ summary: 'A tenant was deleted.', schema: object({ slug: { type: 'string' } }), aggregate: 'tenant', personalData: false, internal: false }),
  /** A customer group (SCIM's Group): its name, external id and members (customer ids). */
  'group.created': event<{ readonly displayName: string; readonly externalId: string | null; readonly members: readonly string[] }>({ summary: 'A customer group was created (SCIM or the admin API): its name, external id and members.', schema: object({ displayName: { type: 'string' }, externalId: { type: ['string', 'null'] }, members: strings }), aggregate: 'group', personalData: false, internal: false }),
  /** What changed: the name, the external id, and the customers who joined or left. */
  'group.updated': event<Changed & { readonly displayName: string; readonly externalId: string | null; readonly added: readonly string[]; readonly removed: readonly string[] }>({ summary: 'A customer group changed: what changed, and the customers who joined or left.', schema: object({ ...CHANGED, displayName: { type: 'string' }, externalId: { type: ['string', 'null'] }, added: strings, removed: strings }), aggregate: 'group', personalData: false, internal: false }),
  'group.deleted': event<Record<string, never>>({ summary: 'A customer group was deleted.', schema: object({}), aggregate: 'group', personalData: false, internal: false }),
  'application.created': event<{ readonly clientId: string; readonly name: string; readonly kind: ApplicationKind }>({ summary: 'An application was registered.', schema: object({ clientId: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } }), aggregate: 'application', personalData: false, internal: false }),
  'application.updated': event<{ readonly clientId: string } & Changed>({ summary: 'An application’s settings changed.', schema: object({ clientId: { type: 'string' }, ...CHANGED }), aggregate: 'application', personalData: false, internal: false }),
  'application.deleted': event<{ readonly clientId: string }>({ summary: 'An application was deleted.', schema: object({ clientId: { type: 'string' } }), aggregate: 'application', personalData: false, internal: false }),
  'application.secret_rotated': event<{ readonly clientId: string }>({ summary: 'An application’s client secret was rotated.', schema: object({ clientId: { type: 'string' } }), aggregate: 'application', personalData: false, internal: false }),
} as const;

export type EventName = keyof typeof EVENT_CATALOGUE;

export type EventPayload<Name extends EventName> = (typeof EVENT_CATALOGUE)[Name] extends EventDefinition<infer Payload> ? Payload : never;

/** A catalogue event: its name and the payload of that name (a union, so each name keeps its own payload type). */
export type CatalogueEvent<Name extends EventName = EventName> = { [N in Name]: { readonly type: N; readonly payload: EventPayload<N> } }[Name];

/** Internal events: their payloads are what Foyer still has to deliver itself, and carry no personal data. */
export const INTERNAL_EVENTS: readonly EventName[] = (Object.keys(EVENT_CATALOGUE) as EventName[]).filter((name) => EVENT_CATALOGUE[name].internal);
