// "Download my data": everything Foyer holds about the customer in one JSON document, except
// secrets: credentials are described (type, identifiers, dates), never their hashes or keys. The
// consent ledger and the communication preferences are in it too.
import type { AccountDeps, Customer } from './account.ts';
import { getProfile } from './profile.ts';
import { listSessions } from './sessions.ts';
import { listApplications } from './applications.ts';
import { recentActivity } from './activity.ts';
import { ledgerOf } from '../privacy/ledger.ts';
import { preferencesOf } from '../privacy/preferences.ts';

const EXPORTED_ACTIVITY = 1000;

export async function exportAccountData(deps: Pick<AccountDeps, 'stores' | 'now'>, customer: Customer): Promise<Record<string, unknown>> {
  const identity = await getProfile(deps, customer);
  const [credentials, sessions, applications, activity, consentRecords, preferences] = await Promise.all([
    deps.stores.identities.listCredentials(customer.tenantId, customer.identityId),
    listSessions(deps, customer),
    listApplications(deps, customer),
    recentActivity(deps, customer, { limit: EXPORTED_ACTIVITY }),
    ledgerOf(deps.stores, customer.tenantId, customer.identityId),
    preferencesOf(deps.stores, customer.tenant, customer.identityId, customer.locale),
  ]);
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    exportedAt: iso((deps.now ?? Date.now)()),
    profile: { id: identity.id, status: identity.status, traits: identity.traits, metadata: identity.metadataPublic, ...(identity.externalId === null ? {} : { externalId: identity.externalId }), createdAt: iso(identity.createdAt), updatedAt: iso(identity.updatedAt) },
    addresses: identity.addresses.map((address) => ({ kind: address.kind, value: address.value, verified: address.verifiedAt !== null, verifiedAt: iso(address.verifiedAt ?? undefined) })),
    // Metadata only: a hash, a key or a seed is a secret even from its owner's download.
    credentials: credentials.map((credential) => ({ id: credential.id, type: credential.type, identifiers: credential.identifiers, createdAt: iso(credential.createdAt), updatedAt: iso(credential.updatedAt) })),
    sessions: sessions.map((session) => ({ ...session, signedInAt: iso(session.signedInAt), lastSeenAt: iso(session.lastSeenAt), expiresAt: iso(session.expiresAt) })),
    applications: applications.map((application) => ({ ...application, grantedAt: iso(application.grantedAt), updatedAt: iso(application.updatedAt) })),
    activity: activity.map((entry) => ({ ...entry, at: iso(entry.at) })),
    // The consent ledger (GDPR Art. 7): every grant and withdrawal, with the hash of the text shown.
    consents: consentRecords.map(({ tenantId: _tenant, identityId: _identity, occurredAt, ...record }) => ({ ...record, at: iso(occurredAt) })),
    communicationPreferences: preferences.topics.map((topic) => ({ topic: topic.id, channels: topic.channels })),
  };
}
