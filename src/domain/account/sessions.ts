// The customer's sessions (SECURITY.md 15): browser sessions (oidc-provider's SSO sessions, one per
// browser) and the sessions native apps hold (Foyer's own tokens), listed together with where and
// when they were used; one can be ended, or all but the current one.
import { DomainError } from '../errors.ts';
import type { AccountArtifact } from '../oauth/oidc-artifact.port.ts';
import type { AccountDeps, AccountStores, Customer } from './account.ts';
import { endedSessionOf, recordEndedSessions } from '../oauth/logout.ts';
import { recordChange } from './account.ts';

export type AccountSession = {
  /** The browser session's uid, or the app session's id. */
  readonly id: string;
  readonly kind: 'browser' | 'app';
  readonly userAgent: string | undefined;
  readonly ip: string | undefined;
  readonly signedInAt: number;
  readonly lastSeenAt: number | undefined;
  readonly expiresAt: number;
  /** The session this request rides on. */
  readonly current: boolean;
  /** Client ids of the applications signed in through it (browser sessions). */
  readonly applications: readonly string[];
};

type SessionPayload = { uid?: string; loginTs?: number; iat?: number; exp?: number; authorizations?: Record<string, { grantId?: string }> };

export async function listSessions(deps: Pick<AccountDeps, 'stores' | 'now'>, customer: Customer): Promise<AccountSession[]> {
  return sessionsOf(deps.stores, customer.tenantId, customer.identityId, (deps.now ?? Date.now)(), customer.current.sessionUid);
}

/**
 * The live sessions of a customer, browser and app, the one `currentUid` names first, then the
 * most recently used; what the customer sees in their account and an operator about them.
 */
export async function sessionsOf(stores: Pick<AccountStores, 'oidcArtifacts' | 'sessions'>, tenantId: string, identityId: string, now: number, currentUid?: string): Promise<AccountSession[]> {
  const [browser, apps] = await Promise.all([stores.oidcArtifacts.listByAccountId(tenantId, 'Session', identityId, now), stores.sessions.listOf(tenantId, identityId, now)]);
  const browserSessions = browser.flatMap((artifact) => {
    const payload = artifact.payload as SessionPayload;
    if (typeof payload.uid !== 'string' || typeof payload.loginTs !== 'number') return [];
    return [
      {
        id: payload.uid,
        kind: 'browser' as const,
        userAgent: artifact.device?.userAgent,
        ip: artifact.device?.ip,
        signedInAt: payload.loginTs * 1000,
        lastSeenAt: artifact.seenAt ?? undefined,
        expiresAt: (payload.exp ?? 0) * 1000,
        current: payload.uid === currentUid,
        applications: Object.keys(payload.authorizations ?? {}),
      },
    ];
  });
  const appSessions = apps.map((session) => ({
    id: session.id,
    kind: 'app' as const,
    userAgent: session.device.userAgent,
    ip: session.device.ip,
    signedInAt: session.authenticatedAt,
    lastSeenAt: session.lastSeenAt,
    expiresAt: session.expiresAt,
    current: false,
    applications: [],
  }));
  return [...browserSessions, ...appSessions].sort((a, b) => Number(b.current) - Number(a.current) || (b.lastSeenAt ?? b.signedInAt) - (a.lastSeenAt ?? a.signedInAt));
}

/** Ends one session: a browser session is destroyed with the grants (and tokens) it authorised. */
export async function revokeSession(deps: AccountDeps, customer: Customer, id: string): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    const ended = await endSession(stores, customer.tenantId, customer.identityId, id, now);
    if (!ended) throw new DomainError('session.not_found', 'not_found', 'There is no such session of yours; it may have ended already.');
    const { kind } = ended;
    await recordChange(stores, customer, now, { action: 'session.revoked', details: { kind, current: id === customer.current.sessionUid }, event: { type: 'session.revoked', payload: { kind } } });
    await recordEndedSessions(stores.outbox, customer.tenantId, customer.identityId, ended.browserSessions, now);
  });
}

/**
 * Ends one session of the customer, inside the caller's transaction: a browser session with the
 * grants (and tokens) it authorised, an app session revoked. Says which kind it was and, for the
 * caller to record with recordEndedSessions after its audit entry, the browser session that ended;
 * undefined when the customer has no such session.
 */
export async function endSession(stores: Pick<AccountStores, 'oidcArtifacts' | 'sessions'>, tenantId: string, identityId: string, id: string, now: number): Promise<{ readonly kind: 'browser' | 'app'; readonly browserSessions: ReturnType<typeof endedSessionOf>[] } | undefined> {
  const browser = (await stores.oidcArtifacts.listByAccountId(tenantId, 'Session', identityId, now)).find((artifact) => artifact.payload['uid'] === id);
  if (browser) {
    await destroyBrowserSession(stores, tenantId, browser);
    return { kind: 'browser', browserSessions: [endedSessionOf(browser, identityId)] };
  }
  return (await stores.sessions.revokeOf(tenantId, identityId, id, now)) ? { kind: 'app', browserSessions: [] } : undefined;
}

/** Ends every session but the current one, with everything they authorised. */
export async function revokeOtherSessions(deps: AccountDeps, customer: Customer): Promise<{ revokedArtifacts: number }> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const revoked = await revokeEverythingElse(stores, customer, now);
    await recordChange(stores, customer, now, { action: 'session.revoked_others', details: { revokedArtifacts: revoked.revokedArtifacts }, event: { type: 'session.revoked', payload: { kind: 'others' } } });
    return revoked;
  });
}

/**
 * Revokes every session, grant, code and token of the customer except the current session and
 * the grants it rides on, and every native-app session. Runs inside the caller's transaction, in
 * which it records the browser sessions it ended for back-channel logout.
 */
export async function revokeEverythingElse(stores: AccountStores, customer: Customer, now: number): Promise<{ revokedArtifacts: number }> {
  const { tenantId, identityId, current } = customer;
  let grantIds = [...current.grantIds];
  const sessions = await stores.oidcArtifacts.listByAccountId(tenantId, 'Session', identityId, now);
  // What the current browser session authorised stays signed in with it.
  const kept = current.sessionUid === undefined ? undefined : sessions.find((artifact) => artifact.payload['uid'] === current.sessionUid);
  if (kept) grantIds = [...new Set([...grantIds, ...grantsOf(kept)])];
  const revoked = await stores.oidcArtifacts.revokeByAccountIdExcept(tenantId, identityId, { sessionUid: current.sessionUid, grantIds });
  const ended = sessions.filter((session) => session !== kept).map((session) => endedSessionOf(session, identityId));
  await recordEndedSessions(stores.outbox, tenantId, identityId, ended, now);
  return { revokedArtifacts: revoked + (await stores.sessions.revokeAllOf(tenantId, identityId, now)) };
}

async function destroyBrowserSession(stores: Pick<AccountStores, 'oidcArtifacts'>, tenantId: string, session: AccountArtifact): Promise<void> {
  for (const grantId of grantsOf(session)) {
    await stores.oidcArtifacts.revokeByGrantId(tenantId, grantId);
    await stores.oidcArtifacts.destroy(tenantId, 'Grant', grantId);
  }
  await stores.oidcArtifacts.destroy(tenantId, 'Session', session.id);
}

function grantsOf(session: AccountArtifact): string[] {
  const authorizations = (session.payload as SessionPayload).authorizations ?? {};
  return Object.values(authorizations).flatMap((authorization) => (typeof authorization.grantId === 'string' ? [authorization.grantId] : []));
}
