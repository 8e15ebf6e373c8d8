// The customer's own account, as the account portal and the Account API both manage it: one set of
// use cases (profile, password, sessions, applications, activity, export, deletion) over the same
// stores, so the two faces cannot drift apart. Every change writes its audit entry (and, where the
// outside world cares, its domain event) in the transaction of the change itself.
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { ApplicationStore } from '../applications/application.port.ts';
import type { ConsentStore } from '../consents/consent.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { CatalogueEvent } from '../events/catalogue.ts';
import { recordEvent } from '../events/record-event.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { OidcArtifactStore } from '../oauth/oidc-artifact.port.ts';
import type { SessionStore } from '../sessions/session.port.ts';
import type { BreachedPasswordCheck } from '../credentials/password/breached.ts';
import type { KeyObject } from 'node:crypto';
import type { SignInThrottle } from '../flows/throttle.ts';
import type { MailStore } from '../mail/mail.port.ts';
import type { ConsentLedgerStore, PurposeStore } from '../privacy/purpose.port.ts';
import type { PreferenceStore } from '../privacy/preference.port.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { Locale } from '../../i18n/locales.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

export type AccountStores = {
  readonly identities: IdentityStore;
  readonly oidcArtifacts: OidcArtifactStore;
  readonly sessions: SessionStore;
  readonly consents: ConsentStore;
  readonly applications: ApplicationStore;
  readonly audit: AuditStore;
  readonly outbox: OutboxStore;
  readonly mail: MailStore;
  readonly purposes: PurposeStore;
  readonly consentLedger: ConsentLedgerStore;
  readonly preferences: PreferenceStore;
};

export type AccountDeps = {
  readonly stores: AccountStores;
  readonly transaction: UnitOfWork<AccountStores>;
  /** Counts wrong current passwords like failed sign-ins (a stolen session must not guess it). */
  readonly throttle: SignInThrottle;
  /** deviceTokenKeyOf(master secret): a device token of the account counts the check on the device's own key. */
  readonly deviceKey?: KeyObject | undefined;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  readonly now?: () => number;
};

/**
 * Who is acting and through what: the customer, the request they came with, and the browser
 * session (uid) and grants their request rides on, which "sign out everywhere else" keeps.
 */
export type Customer = {
  readonly tenant: Tenant;
  readonly tenantId: string;
  readonly identityId: string;
  readonly context: RequestContext;
  /** The language the customer is using now: notifications about this request are written in it. */
  readonly locale: Locale;
  readonly current: { readonly sessionUid?: string | undefined; readonly grantIds: readonly string[] };
};

/** Minutes within which a sign-in counts as recent, for changes that require it (SECURITY.md 16). */
const RECENT_AUTHENTICATION_SECONDS = 5 * 60;

/** Whether a sign-in at `loginTs` (epoch seconds) is recent enough at `nowMs`. */
export function isRecentSignIn(loginTs: number | undefined, nowMs: number): boolean {
  return typeof loginTs === 'number' && nowMs / 1000 - loginTs <= RECENT_AUTHENTICATION_SECONDS;
}

type AuditedChange = {
  readonly action: string;
  readonly outcome?: 'success' | 'failure';
  readonly details?: Record<string, unknown>;
  /** The domain event, when the change is one the outside world hears of. */
  readonly event?: CatalogueEvent;
};

/** The audit entry (and event) of a change the customer made to their own account. */
export async function recordChange(stores: Pick<AccountStores, 'audit' | 'outbox'>, customer: Customer, now: number, change: AuditedChange): Promise<void> {
  const { tenantId, identityId } = customer;
  await stores.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action: change.action,
    outcome: change.outcome ?? 'success',
    actor: { type: 'customer', id: identityId },
    target: { type: 'identity', id: identityId },
    context: customer.context,
    details: change.details ?? {},
  });
  if (change.event) await recordEvent(stores.outbox, { tenantId, aggregateId: identityId, occurredAt: now }, change.event);
}
