// Row types of every table, as Kysely sees them. One representation on both engines:
// ids are text, times are epoch milliseconds (bigint in PostgreSQL, integer in SQLite),
// JSON travels as text (jsonb in PostgreSQL) and is parsed by the store that owns it,
// flags are nullable timestamps (consumed_at, verified_at) rather than booleans.
import type { Generated } from 'kysely';

/** JSON stored as text; the owning store parses and serialises it. */
export type JsonText = string;
/** Milliseconds since the Unix epoch. */
type EpochMs = number;

export type TenantsTable = {
  id: string;
  slug: string;
  name: string;
  settings: JsonText;
  created_at: EpochMs;
  updated_at: EpochMs;
};

export type IdentitiesTable = {
  id: string;
  tenant_id: string;
  status: string;
  traits: JsonText;
  metadata_public: JsonText;
  metadata_admin: JsonText;
  /** The customer's id in the system they came from (a CRM, an old login system); unique per tenant (migration 0021). */
  external_id: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
};

export type IdentityAddressesTable = {
  id: string;
  tenant_id: string;
  identity_id: string;
  kind: string;
  /** Normalised for lookup (emails lower-cased), so uniqueness is case-insensitive. */
  value: string;
  verified_at: EpochMs | null;
  /** The identity's creation time, so the "verified" filter pages newest first from an index (migration 0028). */
  identity_created_at: EpochMs;
  created_at: EpochMs;
  updated_at: EpochMs;
};

/** What customer search finds an identity by: one row per searchable trait (domain/identity/trait-index.ts, migration 0011). */
type IdentityTraitValuesTable = {
  tenant_id: string;
  identity_id: string;
  name: string;
  /** Folded (trimmed, lower case) text of the trait's value. */
  value: string;
  /** The identity's, so that one index range gives matches newest first. */
  identity_created_at: EpochMs;
};

type CredentialsTable = {
  id: string;
  tenant_id: string;
  identity_id: string;
  type: string;
  /** Method-specific data: a password hash, a passkey's public key, an encrypted TOTP seed. */
  config: JsonText;
  created_at: EpochMs;
  updated_at: EpochMs;
};

type CredentialIdentifiersTable = {
  id: string;
  tenant_id: string;
  credential_id: string;
  identity_id: string;
  type: string;
  /** What a customer types or presents to use the credential (a normalised email, a passkey id). */
  identifier: string;
};

export type BrowserSessionsTable = {
  id: string;
  tenant_id: string;
  identity_id: string;
  /** SHA-256 of the cookie's token: a stolen database does not yield live sessions. */
  token_hash: string;
  authenticated_at: EpochMs;
  methods: JsonText;
  /** The class the sign-in reached (migration 0032); null for sessions issued before it. */
  acr: string | null;
  device: JsonText;
  last_seen_at: EpochMs;
  expires_at: EpochMs;
  revoked_at: EpochMs | null;
  created_at: EpochMs;
};

export type FlowsTable = {
  id: string;
  tenant_id: string;
  type: string;
  kind: string;
  state: string;
  csrf_token: string;
  return_to: string | null;
  interaction_uid: string | null;
  identity_id: string | null;
  payload: JsonText;
  expires_at: EpochMs;
  created_at: EpochMs;
  updated_at: EpochMs;
};

type OidcArtifactsTable = {
  tenant_id: string;
  model: string;
  id: string;
  payload: JsonText;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  /** The customer the artifact belongs to (`payload.accountId`), so blocking them revokes it. */
  account_id: string | null;
  expires_at: EpochMs | null;
  consumed_at: EpochMs | null;
  /** Sessions only: the user agent and address they signed in from (JSON), set when first stored. */
  device: JsonText | null;
  /** Sessions only: when oidc-provider last saved it (each use that touches it). */
  seen_at: EpochMs | null;
};

export type ApplicationsTable = {
  id: string;
  tenant_id: string;
  name: string;
  kind: string;
  /** Redirect URIs, grants, lifetimes and the rest of the client metadata. */
  settings: JsonText;
  secret_hash: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
};

export type SigningKeysTable = {
  id: string;
  tenant_id: string;
  algorithm: string;
  status: string;
  public_jwk: JsonText;
  /** The private key, encrypted with a key derived from the master secret. */
  private_key: string;
  created_at: EpochMs;
  retired_at: EpochMs | null;
  /** When the public key may leave the JWKS: no token it signed is still valid. */
  unpublish_at: EpochMs | null;
};

export type AuditEventsTable = {
  id: string;
  tenant_id: string;
  occurred_at: EpochMs;
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** The client id of the application the entry happened in (0018); null before, or outside one. */
  application_id: string | null;
  details: JsonText;
};

export type OutboxEventsTable = {
  id: string;
  tenant_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: JsonText;
  occurred_at: EpochMs;
  available_at: EpochMs;
  attempts: Generated<number>;
  last_error: string | null;
  published_at: EpochMs | null;
};

type ThrottleCountersTable = {
  key: string;
  count: number;
  window_start: EpochMs;
  last_at: EpochMs;
};

/** The flow whose code is the live one of an address (migration 0008). */
type SignInCountriesTable = {
  tenant_id: string;
  identity_id: string;
  country: string;
  last_seen_at: EpochMs;
};

type RememberedDevicesTable = {
  id: string;
  tenant_id: string;
  identity_id: string;
  user_agent: string;
  created_at: EpochMs;
  expires_at: EpochMs;
};

type LatestCodesTable = {
  tenant_id: string;
  address: string;
  flow_id: string;
  expires_at: EpochMs;
};

export type ConsentsTable = {
  id: string;
  tenant_id: string;
  identity_id: string;
  application_id: string;
  scopes: JsonText;
  /** Scopes per API (resource indicator). */
  resource_scopes: JsonText;
  granted_at: EpochMs;
  updated_at: EpochMs;
};

/** Text messages (ADR 0031): the body is cleared once delivered or given up (it holds a code). */
export type SmsMessagesTable = {
  id: string;
  tenant_id: string;
  recipient: string;
  kind: string;
  body: string | null;
  status: string;
  attempts: Generated<number>;
  available_at: EpochMs;
  last_error: string | null;
  created_at: EpochMs;
  sent_at: EpochMs | null;
};

export type MailMessagesTable = {
  id: string;
  tenant_id: string;
  recipient: string;
  kind: string;
  locale: string;
  /** The tenant's sender when it has one; MAIL_FROM otherwise (chosen at delivery). */
  from_address: string | null;
  reply_to: string | null;
  subject: string;
  /** Null once delivered: the bodies hold one-time codes and links. */
  text_body: string | null;
  html_body: string | null;
  status: string;
  attempts: Generated<number>;
  /** When the next attempt may start (also the lease of a dispatcher sending it now). */
  available_at: EpochMs;
  last_error: string | null;
  created_at: EpochMs;
  sent_at: EpochMs | null;
};

/** Stored answers of creates sent with an Idempotency-Key (migration 0010). */
type IdempotencyKeysTable = {
  credential: string;
  key: string;
  request_hash: string;
  status: number | null;
  /** Sealed JSON of the answer's headers and body. */
  response: string | null;
  created_at: EpochMs;
  expires_at: EpochMs;
};

/** First-run setup links (migration 0010), by the SHA-256 of their token. */
type AdminSetupLinksTable = {
  token_hash: string;
  created_at: EpochMs;
  expires_at: EpochMs;
  used_at: EpochMs | null;
};

/** Staff invitations (migration 0028): the link's token only as its hash. */
type StaffInvitationsTable = {
  id: string;
  tenant_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  created_at: EpochMs;
  sent_at: EpochMs;
  expires_at: EpochMs;
  accepted_at: EpochMs | null;
  revoked_at: EpochMs | null;
};

/** Daily counters (ADR 0022); '' for a dimension that does not apply. */
type StatsDailyTable = {
  tenant_id: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  metric: string;
  application: string;
  method: string;
  count: number;
};

type StatsActiveTable = {
  tenant_id: string;
  day: string;
  /** HyperLogLog registers, deflated. */
  registers: Uint8Array;
  /** Bumped by every merge: a merge writes only over the version it read. */
  version: number;
};

type StatsExpectedReturnsTable = {
  tenant_id: string;
  identity_id: string;
  application: string;
  day: string;
  expires_at: EpochMs;
};

type StatsBatchesTable = {
  id: string;
  written_at: EpochMs;
};

/** A tenant's consent purposes (migration 0014); `texts` is JSON per language. */
export type ConsentPurposesTable = {
  tenant_id: string;
  id: string;
  version: number;
  kind: string;
  legal_basis: string;
  /** 1 or 0. */
  sale_or_sharing: number;
  texts: JsonText;
  created_at: EpochMs;
  updated_at: EpochMs;
};

/** Every text a purpose's version has shown, by its SHA-256 (the ledger's proof of what was seen). */
type ConsentTextsTable = {
  tenant_id: string;
  hash: string;
  purpose_id: string;
  version: number;
  locale: string;
  text: string;
  created_at: EpochMs;
};

/** The append-only consent ledger. */
export type ConsentRecordsTable = {
  id: string;
  tenant_id: string;
  identity_id: string;
  purpose_id: string;
  version: number;
  text_hash: string;
  locale: string;
  action: string;
  occurred_at: EpochMs;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  method: string;
  /** 1 when the request carried Sec-GPC: 1. */
  gpc: number;
};

type CommunicationPreferencesTable = {
  tenant_id: string;
  identity_id: string;
  topic: string;
  channel: string;
  /** 1 or 0. */
  subscribed: number;
  updated_at: EpochMs;
};

export type CustomerGroupsTable = {
  id: string;
  tenant_id: string;
  display_name: string;
  external_id: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
};

/** A tenant's upstream identity provider (migration 0025): the domain's Connection, its secret sealed. */
export type ConnectionsTable = {
  tenant_id: string;
  id: string;
  kind: string;
  display_name: string;
  /** Where its button stands among the tenant's (ascending). */
  position: number;
  /** Everything else the domain keeps of it (domain/federation/connection.ts), as JSON. */
  config: JsonText;
  /** SecretBox.seal of the client secret, bound to `connection-secret:<tenant>:<id>`; null for none. */
  client_secret: string | null;
  /** SecretBox.seal of a SAML connection's service-provider private key (migration 0030); null for other kinds. */
  sp_private_key: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
};

/** The IDs of SAML assertions already used (migration 0030), kept until the assertion expires. */
type SamlAssertionsTable = {
  tenant_id: string;
  connection_id: string;
  assertion_id: string;
  expires_at: EpochMs;
};

type CustomerGroupMembersTable = {
  tenant_id: string;
  group_id: string;
  identity_id: string;
  added_at: EpochMs;
};

export type EventSubscriptionsTable = {
  id: string;
  tenant_id: string;
  /** `webhook` or `nats`. */
  kind: string;
  url: string | null;
  description: string;
  /** JSON array of event names. */
  event_types: JsonText;
  /** JSON array of the customer fields the subscriber may receive. */
  fields: JsonText;
  purpose_id: string | null;
  /** 1 or 0. */
  enabled: number;
  /** JSON array of { id, sealed, createdAt, expiresAt }. */
  secrets: JsonText;
  created_at: EpochMs;
  updated_at: EpochMs;
};

export type EventDeliveriesTable = {
  id: string;
  tenant_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  occurred_at: EpochMs;
  origin: string;
  data: JsonText;
  /** `pending`, `delivered` or `dead`. */
  status: string;
  attempts: number;
  available_at: EpochMs;
  started_at: EpochMs;
  created_at: EpochMs;
  last_attempt_at: EpochMs | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  finished_at: EpochMs | null;
};

export type Database = {
  tenants: TenantsTable;
  identities: IdentitiesTable;
  identity_addresses: IdentityAddressesTable;
  identity_trait_values: IdentityTraitValuesTable;
  customer_groups: CustomerGroupsTable;
  customer_group_members: CustomerGroupMembersTable;
  credentials: CredentialsTable;
  credential_identifiers: CredentialIdentifiersTable;
  browser_sessions: BrowserSessionsTable;
  flows: FlowsTable;
  oidc_artifacts: OidcArtifactsTable;
  applications: ApplicationsTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
  outbox_events: OutboxEventsTable;
  throttle_counters: ThrottleCountersTable;
  latest_codes: LatestCodesTable;
  remembered_devices: RememberedDevicesTable;
  sign_in_countries: SignInCountriesTable;
  consents: ConsentsTable;
  mail_messages: MailMessagesTable;
  sms_messages: SmsMessagesTable;
  idempotency_keys: IdempotencyKeysTable;
  admin_setup_links: AdminSetupLinksTable;
  staff_invitations: StaffInvitationsTable;
  stats_daily: StatsDailyTable;
  stats_active: StatsActiveTable;
  stats_expected_returns: StatsExpectedReturnsTable;
  stats_batches: StatsBatchesTable;
  consent_purposes: ConsentPurposesTable;
  consent_texts: ConsentTextsTable;
  consent_records: ConsentRecordsTable;
  communication_preferences: CommunicationPreferencesTable;
  connections: ConnectionsTable;
  saml_assertions: SamlAssertionsTable;
  event_subscriptions: EventSubscriptionsTable;
  event_deliveries: EventDeliveriesTable;
};
