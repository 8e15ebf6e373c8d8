// "Download my data": everything Foyer holds about the customer in one JSON document, except
// secrets: credentials are described (type, identifiers, dates), never their hashes or keys.
import type { AccountDeps, Customer } from './account.ts';
import { getProfile } from './profile.ts';
import { listSessions } from './sessions.ts';
import { listApplications } from './applications.ts';
import { recentActivity } from './activity.ts';

const EXPORTED_ACTIVITY = 1000;

export async function exportAccountData(deps: Pick<AccountDeps, 'stores' | 'now'>, customer: Customer): Promise<Record<string, unknown>> {
  const identity = await getProfile(deps, customer);
  const [credentials, sessions, applications, activity] = await Promise.all([
    deps.stores.identities.listCredentials(customer.tenantId, customer.identityId),
    listSessions(deps, customer),
    listApplications(deps, customer),
    recentActivity(deps, customer, { limit: EXPORTED_ACTIVITY }),
  ]);
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    exportedAt: iso((deps.now ?? Date.now)()),
    profile: { id: identity.id, status: identity.status, traits: identity.traits, metadata: identity.metadataPublic, createdAt: iso(identity.createdAt), updatedAt: iso(identity.updatedAt) },
    addresses: identity.addresses.map((address) => ({ kind: address.kind, value: address.value, verified: address.verifiedAt !== null, verifiedAt: iso(address.verifiedAt ?? undefined) })),
    // Metadata only: a hash, a key or a seed is a secret even from its owner's download.
    credentials: credentials.map((credential) => ({ id: credential.id, type: credential.type, identifiers: credential.identifiers, createdAt: iso(credential.createdAt), updatedAt: iso(credential.updatedAt) })),
    sessions: sessions.map((session) => ({ ...session, signedInAt: iso(session.signedInAt), lastSeenAt: iso(session.lastSeenAt), expiresAt: iso(session.expiresAt) })),
    applications: applications.map((application) => ({ ...application, grantedAt: iso(application.grantedAt), updatedAt: iso(application.updatedAt) })),
    activity: activity.map((entry) => ({ ...entry, at: iso(entry.at) })),
  };
}
