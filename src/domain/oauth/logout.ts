// Back-channel logout, as the domain sees it: when Foyer itself ends browser sessions (the customer
// in the account portal or API, an operator blocking or deleting a customer), the applications
// signed in through them are told, once the change is committed. Sessions are oidc-provider's;
// what identifies each application's sign-in is the session id (`sid`) its ID tokens carried.
import type { AccountArtifact, OidcArtifactStore } from './oidc-artifact.port.ts';

/** A browser session that ended, with the applications signed in through it and the session id each was given. */
export type EndedBrowserSession = { readonly accountId: string; readonly applications: readonly { readonly clientId: string; readonly sid: string }[] };

/**
 * Tells the applications that asked for it (OpenID Connect Back-Channel Logout) that these
 * sessions of the tenant ended. Never throws: a delivery that fails is logged, and the change that
 * ended them stands.
 */
export type LogoutNotifier = (tenantId: string, sessions: readonly EndedBrowserSession[]) => Promise<void>;

type SessionPayload = { authorizations?: Record<string, { sid?: unknown }> };

/** The applications signed in through a stored session (all, or only `onlyClientId`), each with its sid. */
export function endedSessionOf(session: AccountArtifact, accountId: string, onlyClientId?: string): EndedBrowserSession {
  const authorizations = (session.payload as SessionPayload).authorizations ?? {};
  const applications = Object.entries(authorizations).flatMap(([clientId, authorization]) =>
    typeof authorization.sid === 'string' && (onlyClientId === undefined || clientId === onlyClientId) ? [{ clientId, sid: authorization.sid }] : [],
  );
  return { accountId, applications };
}

/**
 * The customer's live browser sessions as they would end now (read inside the transaction that
 * ends them), with every application signed in through each, or only `onlyClientId`.
 */
export async function browserSessionsOf(artifacts: Pick<OidcArtifactStore, 'listByAccountId'>, tenantId: string, accountId: string, now: number, onlyClientId?: string): Promise<EndedBrowserSession[]> {
  return (await artifacts.listByAccountId(tenantId, 'Session', accountId, now)).map((session) => endedSessionOf(session, accountId, onlyClientId));
}

/** After the change committed: the applications hear of the sessions it ended (none: nothing is sent). */
export async function notifyEndedSessions(notify: LogoutNotifier | undefined, tenantId: string, ended: readonly EndedBrowserSession[]): Promise<void> {
  const sessions = ended.filter((session) => session.applications.length > 0);
  if (notify && sessions.length > 0) await notify(tenantId, sessions);
}
