// The domain's view of storage: every port the domain declares, and the unit of work that runs a
// use case's writes in one transaction. Storage implements these (storage/stores.ts); domain and
// HTTP code name only these types, never the storage module. A use case asks for the few ports it
// needs (`Pick<Stores, 'identities' | 'audit'>`, or a type of its own such as `AccountStores`),
// and a unit of work over exactly those.
import type { TenantStore } from './tenants/tenant.port.ts';
import type { IdentityStore } from './identity/identity.port.ts';
import type { AuditStore } from './audit/audit.port.ts';
import type { OutboxStore } from './events/outbox.port.ts';
import type { SigningKeyStore } from './keys/signing-key.port.ts';
import type { ApplicationStore } from './applications/application.port.ts';
import type { OidcArtifactStore } from './oauth/oidc-artifact.port.ts';
import type { FlowStore } from './flows/flow.port.ts';
import type { SessionStore } from './sessions/session.port.ts';
import type { ConsentStore } from './consents/consent.port.ts';
import type { MailStore } from './mail/mail.port.ts';
import type { LatestCodeStore } from './self-service/latest-code.port.ts';
import type { IdempotencyStore } from './admin/idempotency.port.ts';
import type { SetupLinkStore } from './admin/setup-link.port.ts';
import type { StaffInvitationStore } from './admin/staff-invitation.port.ts';
import type { StatsStore } from './stats/stats.port.ts';
import type { ConsentLedgerStore, PurposeStore } from './privacy/purpose.port.ts';
import type { PreferenceStore } from './privacy/preference.port.ts';
import type { RememberedDeviceStore } from './self-service/remembered-device.port.ts';
import type { SignInCountryStore } from './self-service/sign-in-countries.ts';
import type { GroupStore } from './groups/group.port.ts';
import type { ConnectionStore } from './federation/connection.port.ts';
import type { SamlReplayStore } from './federation/saml-replay.port.ts';
import type { DeliveryStore, SubscriptionStore } from './subscriptions/subscription.port.ts';
import type { SmsStore } from './sms/sms.port.ts';

export type Stores = {
  readonly tenants: TenantStore;
  readonly identities: IdentityStore;
  readonly audit: AuditStore;
  readonly outbox: OutboxStore;
  readonly signingKeys: SigningKeyStore;
  readonly applications: ApplicationStore;
  readonly oidcArtifacts: OidcArtifactStore;
  readonly flows: FlowStore;
  readonly sessions: SessionStore;
  readonly consents: ConsentStore;
  readonly mail: MailStore;
  readonly latestCodes: LatestCodeStore;
  readonly idempotencyKeys: IdempotencyStore;
  readonly setupLinks: SetupLinkStore;
  readonly staffInvitations: StaffInvitationStore;
  readonly stats: StatsStore;
  readonly purposes: PurposeStore;
  readonly consentLedger: ConsentLedgerStore;
  readonly preferences: PreferenceStore;
  readonly rememberedDevices: RememberedDeviceStore;
  readonly signInCountries: SignInCountryStore;
  readonly groups: GroupStore;
  readonly connections: ConnectionStore;
  readonly samlAssertions: SamlReplayStore;
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryStore;
  readonly sms: SmsStore;
};

/**
 * Runs `work` in one database transaction over the ports `S`: everything it writes commits
 * together or not at all. The storage's unit of work offers every port; a use case that declares
 * `UnitOfWork<Pick<Stores, 'identities' | 'audit'>>` can reach only those.
 */
export type UnitOfWork<S = Stores> = <T>(work: (stores: S) => Promise<T>) => Promise<T>;

/** The unit of work over every port. */
export type Transaction = UnitOfWork<Stores>;
