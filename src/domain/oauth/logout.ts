// Back-channel logout, as the domain sees it: when Foyer itself ends browser sessions (the customer
// in the account portal or API, an operator blocking or deleting a customer, a password reset), the
// applications signed in through them are told. The use case records a `browser_sessions.ended`
// event in the transaction that ends the sessions; a server node's outbox dispatcher sends the
// logout tokens after commit (never inline in the request, never from the CLI). Sessions are
// oidc-provider's; what identifies each application's sign-in is the session id (`sid`) its ID
// tokens carried.
import type { AccountArtifact, OidcArtifactStore } from './oidc-artifact.port.ts';
import type { EndedSessionApplication } from '../events/catalogue.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { recordEvent } from '../events/record-event.ts';

/** A browser session that ended, with the applications signed in through it and the session id each was given. */
type EndedBrowserSession = { readonly accountId: string; readonly applications: readonly EndedSessionApplication[] };

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

/**
 * In the transaction that ends the customer's sessions: records who is to be sent back-channel
 * logout (nothing when no application was signed in through them).
 */
export async function recordEndedSessions(outbox: Pick<OutboxStore, 'enqueue'>, tenantId: string, accountId: string, ended: readonly EndedBrowserSession[], now: number): Promise<void> {
  const applications = ended.flatMap((session) => session.applications);
  if (applications.length === 0) return;
  await recordEvent(outbox, { tenantId, aggregateId: accountId, occurredAt: now }, { type: 'browser_sessions.ended', payload: { applications } });
}
