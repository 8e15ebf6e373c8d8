// Binds every store to a database handle or to one transaction: the storage side of the domain's
// `Stores` and unit of work (domain/unit-of-work.ts). Domain code never sees Kysely itself.
import type { Db } from './database.ts';
import type { Stores, Transaction } from '../domain/unit-of-work.ts';
import { createTenantStore } from './tenant.store.ts';
import { createIdentityStore } from './identity.store.ts';
import { createAuditStore } from './audit.store.ts';
import { createOutboxStore } from './outbox.store.ts';
import { createSigningKeyStore } from './signing-key.store.ts';
import { createApplicationStore } from './application.store.ts';
import { createOidcArtifactStore } from './oidc-artifact.store.ts';
import { createFlowStore } from './flow.store.ts';
import { createSignInCountryStore } from './sign-in-country.store.ts';
import { createSessionStore } from './session.store.ts';
import { createConsentStore } from './consent.store.ts';
import { createMailStore } from './mail.store.ts';
import { createLatestCodeStore } from './latest-code.store.ts';
import { createIdempotencyStore } from './idempotency.store.ts';
import { createSetupLinkStore } from './setup-link.store.ts';
import { createStaffInvitationStore } from './staff-invitation.store.ts';
import { createStatsStore } from './stats.store.ts';
import { createConsentLedgerStore, createPreferenceStore, createPurposeStore } from './privacy.store.ts';
import { createRememberedDeviceStore } from './remembered-device.store.ts';
import { createGroupStore } from './group.store.ts';
import { createConnectionStore } from './connection.store.ts';
import { createSamlReplayStore } from './saml-replay.store.ts';
import { createDeliveryStore, createSubscriptionStore } from './subscription.store.ts';
import { createSmsStore } from './sms.store.ts';

/** What this node wants to hear about the writes of its stores, once they are committed. */
export type StoreHooks = {
  /** Email was queued: the mail dispatcher wakes up rather than waiting for its next poll. */
  readonly mailQueued?: () => void;
  /** A text message was queued: the SMS dispatcher wakes up. */
  readonly smsQueued?: () => void;
  /** An event of this type was recorded: the outbox dispatcher wakes when one of its handlers consumes it. */
  readonly eventRecorded?: (type: string) => void;
};

export function createStores(db: Db, hooks: StoreHooks = {}): Stores {
  return {
    tenants: createTenantStore(db),
    identities: createIdentityStore(db),
    audit: createAuditStore(db),
    outbox: createOutboxStore(db, hooks.eventRecorded),
    signingKeys: createSigningKeyStore(db),
    applications: createApplicationStore(db),
    oidcArtifacts: createOidcArtifactStore(db),
    flows: createFlowStore(db),
    sessions: createSessionStore(db),
    consents: createConsentStore(db),
    mail: createMailStore(db, hooks.mailQueued),
    latestCodes: createLatestCodeStore(db),
    idempotencyKeys: createIdempotencyStore(db),
    setupLinks: createSetupLinkStore(db),
    staffInvitations: createStaffInvitationStore(db),
    stats: createStatsStore(db),
    purposes: createPurposeStore(db),
    consentLedger: createConsentLedgerStore(db),
    preferences: createPreferenceStore(db),
    rememberedDevices: createRememberedDeviceStore(db),
    signInCountries: createSignInCountryStore(db),
    groups: createGroupStore(db),
    connections: createConnectionStore(db),
    samlAssertions: createSamlReplayStore(db),
    subscriptions: createSubscriptionStore(db),
    deliveries: createDeliveryStore(db),
    sms: createSmsStore(db, hooks.smsQueued),
  };
}

export function createTransaction(db: Db, hooks: StoreHooks = {}): Transaction {
  return async (work) => {
    // Hooks run after commit: a dispatcher woken earlier would not see the rows yet.
    let mailQueued = false;
    let smsQueued = false;
    const eventTypes = new Set<string>();
    const result = await db.transaction().execute((tx) => work(createStores(tx, { mailQueued: () => (mailQueued = true), smsQueued: () => (smsQueued = true), eventRecorded: (type) => eventTypes.add(type) })));
    if (mailQueued) hooks.mailQueued?.();
    if (smsQueued) hooks.smsQueued?.();
    for (const type of eventTypes) hooks.eventRecorded?.(type);
    return result;
  };
}
