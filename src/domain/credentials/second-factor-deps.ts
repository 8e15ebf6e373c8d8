// What every second factor needs (ADR 0024): the customer's credentials, the audit log, the
// code-entry throttle and a clock. A code typed at a second-factor step is counted per customer
// across flows and per client address (SECURITY.md 11, 37), before it is checked, as a password is.
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { ThrottlePolicy, ThrottleStore } from '../flows/throttle.port.ts';
import type { SecretBox } from '../keys/secret-box.port.ts';
import { uuidv7 } from '../../lib/ids.ts';

export type SecondFactorDeps = {
  readonly identities: IdentityStore;
  readonly audit: AuditStore;
  readonly throttle: ThrottleStore;
  /** Seals TOTP secrets at rest (SECURITY.md 27). */
  readonly secretBox: SecretBox;
  readonly now?: () => number;
};

/** Codes typed for one customer, across flows and devices: five, then ever longer waits. */
const ENTRY_IDENTITY_POLICY: ThrottlePolicy = { freeAttempts: 5, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 };
/** Codes typed from one client address, whoever the customer. */
const ENTRY_CLIENT_POLICY: ThrottlePolicy = { freeAttempts: 30, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 };

export type ThrottledRefusal = { readonly ok: false; readonly code: 'mfa.throttled'; readonly retryAfterSeconds: number };

type EntryKeys = { readonly identity: string; readonly address: string };

function entryKeys(tenantId: string, identityId: string, context: RequestContext): EntryKeys {
  return { identity: `mfa:identity:${tenantId}:${identityId}`, address: `mfa:ip:${tenantId}:${context.ip ?? 'unknown'}` };
}

/** The throttle's part of a success: the customer's counter reset, the address's attempt given back (ThrottleStore.resetAndRelease). */
export type AttemptRelease = { readonly reset: string; readonly release: string };

/**
 * Runs `check` as one counted attempt: refused without checking while throttled; a right code
 * gives the customer's counter a fresh start and the address its attempt back. `succeeded`, when
 * given, does that itself (with writes of its own, ADR 0037) instead of the throttle store.
 */
export async function countedAttempt<T extends { readonly ok: boolean }>(
  deps: SecondFactorDeps,
  tenantId: string,
  identityId: string,
  context: RequestContext,
  check: () => Promise<T>,
  succeeded?: (outcome: T, release: AttemptRelease) => Promise<void>,
): Promise<T | ThrottledRefusal> {
  const keys = entryKeys(tenantId, identityId, context);
  const now = (deps.now ?? Date.now)();
  const reservation = await deps.throttle.reserveAll(
    [
      { key: keys.identity, policy: ENTRY_IDENTITY_POLICY },
      { key: keys.address, policy: ENTRY_CLIENT_POLICY },
    ],
    now,
  );
  if (!reservation.allowed) return { ok: false, code: 'mfa.throttled', retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000) };
  const outcome = await check();
  if (outcome.ok) {
    if (succeeded) await succeeded(outcome, { reset: keys.identity, release: keys.address });
    else await deps.throttle.resetAndRelease(keys.identity, keys.address);
  }
  return outcome;
}

/** The audit entry of a second factor used at sign-in (or refused). */
export async function auditSecondFactor(deps: SecondFactorDeps, tenantId: string, identityId: string, context: RequestContext, method: string, outcome: 'success' | 'failure', details: Record<string, unknown> = {}): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action: outcome === 'success' ? 'mfa.used' : 'mfa.failed',
    outcome,
    actor: { type: 'customer', id: identityId },
    target: { type: 'identity', id: identityId },
    context,
    details: { method, ...details },
  });
}

/** The audit entry of a change to the customer's second factors made by the customer (enrolled, removed, codes renewed). */
export async function auditEnrolment(deps: Pick<SecondFactorDeps, 'audit' | 'now'>, tenantId: string, identityId: string, context: RequestContext, action: 'mfa.enrolled' | 'mfa.removed' | 'mfa.recovery_codes_generated', method: string): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.audit.append({ id: uuidv7(now), occurredAt: now, tenantId, action, outcome: 'success', actor: { type: 'customer', id: identityId }, target: { type: 'identity', id: identityId }, context, details: { method } });
}
