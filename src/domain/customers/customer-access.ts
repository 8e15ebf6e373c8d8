// What a customer is signed in with, as an operator sees and ends it: their sessions (browser
// sessions and the sessions native apps hold) and the applications they let in (consents and
// grants). The same listing and ending as the customer's own account (domain/account), audited
// with the operator as actor; ending a browser session or an application's grant records
// back-channel logout for the applications signed in through it (`browser_sessions.ended`).
import { DomainError } from '../errors.ts';
import type { Stores, UnitOfWork } from '../unit-of-work.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import { getIdentity } from '../identity/identities.service.ts';
import { browserSessionsOf, recordEndedSessions } from '../oauth/logout.ts';
import type { AccountSession } from '../account/sessions.ts';
import { endSession, sessionsOf } from '../account/sessions.ts';
import type { ConnectedApplication } from '../account/applications.ts';
import { connectedApplications, disconnectApplication } from '../account/applications.ts';
import { recordOperatorChange } from '../audit/record-change.ts';

type AccessStores = Pick<Stores, 'identities' | 'oidcArtifacts' | 'sessions' | 'consents' | 'applications' | 'audit' | 'outbox'>;

type AccessDeps = {
  readonly stores: AccessStores;
  readonly transaction: UnitOfWork<AccessStores>;
  readonly now?: () => number;
};

export async function listCustomerSessions(deps: AccessDeps, tenantId: string, identityId: string): Promise<AccountSession[]> {
  await getIdentity(deps.stores, tenantId, identityId);
  return sessionsOf(deps.stores, tenantId, identityId, (deps.now ?? Date.now)());
}

/** Ends one session of the customer; DomainError `session.not_found` when they have no such live session. */
export async function revokeCustomerSession(deps: AccessDeps, tenantId: string, identityId: string, sessionId: string, actor: Actor): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    await getIdentity(stores, tenantId, identityId);
    const ended = await endSession(stores, tenantId, identityId, sessionId, now);
    if (!ended) throw new DomainError('session.not_found', 'not_found', 'This customer has no such session; it may have ended already.');
    await recordOperatorChange(stores, now, actor, { tenantId, identityId, action: 'session.revoked', details: { kind: ended.kind }, event: { type: 'session.revoked', payload: { kind: ended.kind } } });
    await recordEndedSessions(stores.outbox, tenantId, identityId, ended.browserSessions, now);
  });
}

/**
 * Ends every session of the customer and everything they authorised (grants, refresh and access
 * tokens): they are signed out everywhere, and stay able to sign in again (blocking is what stops that).
 */
export async function revokeAllCustomerSessions(deps: AccessDeps, tenantId: string, identityId: string, actor: Actor): Promise<{ revokedArtifacts: number }> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    await getIdentity(stores, tenantId, identityId);
    const ended = await browserSessionsOf(stores.oidcArtifacts, tenantId, identityId, now);
    const revokedArtifacts = (await stores.oidcArtifacts.revokeByAccountId(tenantId, identityId)) + (await stores.sessions.revokeAllOf(tenantId, identityId, now));
    await recordOperatorChange(stores, now, actor, { tenantId, identityId, action: 'session.revoked_all', details: { revokedArtifacts }, event: { type: 'session.revoked', payload: { kind: 'all' } } });
    await recordEndedSessions(stores.outbox, tenantId, identityId, ended, now);
    return { revokedArtifacts };
  });
}

export async function listCustomerGrants(deps: AccessDeps, tenantId: string, identityId: string): Promise<ConnectedApplication[]> {
  await getIdentity(deps.stores, tenantId, identityId);
  return connectedApplications(deps.stores, tenantId, identityId);
}

/** Takes an application's access away: its consent, grants and tokens; DomainError `application.not_connected` when it had none. */
export async function revokeCustomerGrant(deps: AccessDeps, tenantId: string, identityId: string, clientId: string, actor: Actor): Promise<{ revokedGrants: number }> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    await getIdentity(stores, tenantId, identityId);
    const revokedGrants = await disconnectApplication(stores, tenantId, identityId, clientId, now);
    await recordOperatorChange(stores, now, actor, {
      tenantId,
      identityId,
      action: 'consent.revoked',
      details: { applicationId: clientId, revokedGrants },
      event: { type: 'consent.revoked', payload: { applicationId: clientId } },
    });
    await recordEndedSessions(stores.outbox, tenantId, identityId, await browserSessionsOf(stores.oidcArtifacts, tenantId, identityId, now, clientId), now);
    return { revokedGrants };
  });
}
