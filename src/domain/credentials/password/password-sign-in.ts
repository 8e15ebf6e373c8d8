// The password strategy (ADR 0019): its first factor, the sign-in step. Whether the account exists, is blocked, or the password is
// wrong, an attacker sees the same answer after the same work (one argon2id computation); only the
// owner, with the right password, learns more. Every attempt is throttled and audited; a hash made
// with older parameters (or imported) is upgraded once the right password has been seen.
import type { IdentityStore } from '../../identity/identity.port.ts';
import { normalizeAddress } from '../../identity/identity.ts';
import type { AuditStore } from '../../audit/audit.port.ts';
import type { RequestContext } from '../../audit/audit.ts';
import { SIGN_IN_AUDIT_ACTION } from '../../audit/audit.ts';
import { hashPassword, verifyAgainstDummy } from './argon2.ts';
import { verifyPasswordHash } from './password-hash.ts';
import type { StoredHashVerification } from './password-hash.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import type { SignInThrottle } from '../../flows/throttle.ts';
import { signInThrottleKeys } from '../../flows/throttle.ts';
import type { KeyObject } from 'node:crypto';
import { deviceOf, rememberDevice } from '../../flows/device-token.ts';
import type { AuthenticationMethod, FirstFactor, FirstFactorOutcome } from '../authentication.ts';
import { authenticatedBy } from '../authentication.ts';

/**
 * A password sign-in: something the customer knows (RFC 8176 `pwd`), one factor (AAL1). A sign-in
 * an emailed code completes after a password was set or checked (sign-up, verify-first, recovery)
 * proves no more than the password, and says the same.
 */
export const PASSWORD: AuthenticationMethod = { id: 'password', amr: ['pwd'], acr: 'urn:foyer:acr:password', aal: 1 };

export type SignInDeps = {
  readonly identities: IdentityStore;
  readonly audit: AuditStore;
  readonly throttle: SignInThrottle;
  /** deviceTokenKeyOf(master secret): when given, device tokens are read and issued. */
  readonly deviceKey?: KeyObject | undefined;
  readonly now?: () => number;
};

type PasswordInput = { readonly identifier: string; readonly password: string; readonly deviceToken?: string | undefined };

/** Why a password sign-in says no; a blocked account is told apart only in the audit log. */
type PasswordRefusal =
  | { readonly ok: false; readonly code: 'signin.invalid_credentials' }
  | { readonly ok: false; readonly code: 'signin.account_blocked' }
  | { readonly ok: false; readonly code: 'signin.throttled'; readonly retryAfterSeconds: number };

export type PasswordFirstFactor = FirstFactor<PasswordInput, PasswordRefusal>;

export function createPasswordFirstFactor(deps: SignInDeps): PasswordFirstFactor {
  return { method: PASSWORD, authenticate: (tenant, input, context) => signInWithPassword(deps, tenant.id, input, context) };
}

export async function signInWithPassword(deps: SignInDeps, tenantId: string, input: PasswordInput, context: RequestContext): Promise<FirstFactorOutcome<PasswordRefusal>> {
  const now = deps.now ?? Date.now;
  const identifier = normalizeAddress('email', input.identifier);
  // A browser or app that signed in to this account before is throttled on its own key.
  const device = deps.deviceKey ? deviceOf(deps.deviceKey, tenantId, identifier, input.deviceToken, now()) : undefined;
  const keys = signInThrottleKeys(tenantId, identifier, context.ip ?? 'unknown', device);
  const audit = (outcome: 'success' | 'failure', reason: string, identityId?: string, extra: Record<string, unknown> = {}) =>
    deps.audit.append({
      id: uuidv7(now()),
      occurredAt: now(),
      tenantId,
      action: outcome === 'success' ? SIGN_IN_AUDIT_ACTION : 'signin.failed',
      outcome,
      actor: { type: 'customer', id: identityId },
      target: identityId ? { type: 'identity', id: identityId } : undefined,
      context,
      details: { method: PASSWORD.id, reason, ...extra },
    });

  // Reserved before any argon2 work: parallel guesses are counted as they arrive, not after their
  // hashes, and a throttled attempt costs no hashing at all. Nor does it write an audit entry: it
  // checks and changes nothing, and one entry per refusal would let a flood of refused attempts
  // fill the audit log, which is kept (SECURITY.md 36); the request log has each 429.
  const verdict = await deps.throttle.attempt(keys);
  if (!verdict.allowed) {
    return { ok: false, code: 'signin.throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  }

  // One read for the credential and its identity, whether or not the password turns out right.
  const found = identifier ? await deps.identities.findCredentialWithIdentity(tenantId, 'password', identifier) : undefined;
  const credential = found?.credential;
  const hash = credential?.config['hash'];
  const { valid, needsRehash, legacy }: StoredHashVerification =
    typeof hash === 'string' ? await verifyPasswordHash(hash, input.password) : { valid: await verifyAgainstDummy(input.password), needsRehash: false };
  if (!valid || !credential) {
    await audit('failure', credential ? 'wrong_password' : 'no_account', credential?.identityId);
    return { ok: false, code: 'signin.invalid_credentials' };
  }
  const identity = found.identity;
  if (identity.status !== 'active') {
    await audit('failure', 'blocked', credential.identityId);
    return { ok: false, code: 'signin.account_blocked' };
  }
  // Only now is the password known to be right, and the customer is waiting anyway: the one moment
  // an imported (bcrypt, scrypt, PBKDF2…) or outdated hash can be replaced by current argon2id.
  if (needsRehash) {
    const rehashed = { ...credential.config, hash: await hashPassword(input.password) };
    await deps.identities.updateCredentialConfig(tenantId, credential.id, rehashed, now());
  }
  await deps.throttle.succeeded(keys);
  await audit('success', 'password', identity.id, needsRehash ? { rehashed: true, ...(legacy ? { rehashedFrom: legacy } : {}) } : {});
  const deviceToken = deps.deviceKey ? rememberDevice(deps.deviceKey, tenantId, identifier, input.deviceToken, now()) : undefined;
  return { ok: true, identity, result: authenticatedBy(PASSWORD, identity.id), ...(deviceToken ? { deviceToken } : {}) };
}
