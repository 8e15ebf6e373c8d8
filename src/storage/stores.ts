// Binds every store to a database handle or to one transaction. Domain code receives `Stores`
// (or the few it needs) and `transaction`, never Kysely itself.
import type { Db } from './database.ts';
import type { TenantStore } from '../domain/tenants/tenant.port.ts';
import type { IdentityStore } from '../domain/identity/identity.port.ts';
import type { AuditStore } from '../domain/audit/audit.port.ts';
import type { OutboxStore } from '../domain/events/outbox.port.ts';
import type { SigningKeyStore } from '../domain/keys/signing-key.port.ts';
import type { ApplicationStore } from '../domain/applications/application.port.ts';
import type { OidcArtifactStore } from '../domain/oauth/oidc-artifact.port.ts';
import type { FlowStore } from '../domain/flows/flow.port.ts';
import type { SessionStore } from '../domain/sessions/session.port.ts';
import type { ConsentStore } from '../domain/consents/consent.port.ts';
import type { MailStore } from '../domain/mail/mail.port.ts';
import type { LatestCodeStore } from '../domain/self-service/latest-code.port.ts';
import { createTenantStore } from './tenant.store.ts';
import { createIdentityStore } from './identity.store.ts';
import { createAuditStore } from './audit.store.ts';
import { createOutboxStore } from './outbox.store.ts';
import { createSigningKeyStore } from './signing-key.store.ts';
import { createApplicationStore } from './application.store.ts';
import { createOidcArtifactStore } from './oidc-artifact.store.ts';
import { createFlowStore } from './flow.store.ts';
import { createSessionStore } from './session.store.ts';
import { createConsentStore } from './consent.store.ts';
import { createMailStore } from './mail.store.ts';
import { createLatestCodeStore } from './latest-code.store.ts';

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
};

/** What this node wants to hear about the writes of its stores, once they are committed. */
export type StoreHooks = {
  /** Email was queued: the mail dispatcher wakes up rather than waiting for its next poll. */
  readonly mailQueued?: () => void;
};

/** Runs `work` in one database transaction: everything it writes commits together or not at all. */
export type Transaction = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;

export function createStores(db: Db, hooks: StoreHooks = {}): Stores {
  return {
    tenants: createTenantStore(db),
    identities: createIdentityStore(db),
    audit: createAuditStore(db),
    outbox: createOutboxStore(db),
    signingKeys: createSigningKeyStore(db),
    applications: createApplicationStore(db),
    oidcArtifacts: createOidcArtifactStore(db),
    flows: createFlowStore(db),
    sessions: createSessionStore(db),
    consents: createConsentStore(db),
    mail: createMailStore(db, hooks.mailQueued),
    latestCodes: createLatestCodeStore(db),
  };
}

export function createTransaction(db: Db, hooks: StoreHooks = {}): Transaction {
  return async (work) => {
    // Hooks run after commit: a dispatcher woken earlier would not see the rows yet.
    let mailQueued = false;
    const result = await db.transaction().execute((tx) => work(createStores(tx, { mailQueued: () => (mailQueued = true) })));
    if (mailQueued) hooks.mailQueued?.();
    return result;
  };
}
