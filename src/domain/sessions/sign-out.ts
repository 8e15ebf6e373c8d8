// A native app's customer signs out (the JSON flows API's DELETE /sessions/current): the session
// is revoked and, when a subscription of the tenant takes it, `session.ended` is recorded in the
// same transaction. A second sign-out of a session already ended changes and records nothing.
import type { EventInterest } from '../events/event-interest.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { recordEvent } from '../events/record-event.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { SessionStore } from './session.port.ts';
import type { Session } from './session.ts';

type SignOutDeps = {
  readonly transaction: UnitOfWork<{ readonly sessions: SessionStore; readonly outbox: OutboxStore }>;
  readonly events?: EventInterest | undefined;
  readonly now?: () => number;
};

export async function signOutAppSession(deps: SignOutDeps, session: Pick<Session, 'id' | 'tenantId' | 'identityId'>): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async ({ sessions, outbox }) => {
    if (!(await sessions.revoke(session.tenantId, session.id, now))) return;
    if (!(deps.events?.wants(session.tenantId, 'session.ended') ?? true)) return;
    await recordEvent(outbox, { tenantId: session.tenantId, aggregateId: session.identityId, occurredAt: now }, { type: 'session.ended', payload: { reason: 'signed_out', kind: 'app' } });
  });
}
