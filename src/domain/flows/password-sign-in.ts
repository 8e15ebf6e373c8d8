// The password strategy's sign-in step. Whether the account exists, is blocked, or the password is
// wrong, an attacker sees the same answer after the same work (one argon2id computation); only the
// owner, with the right password, learns more. Every attempt is throttled and audited.
import type { IdentityStore } from '../identity/identity.port.ts';
import type { Identity } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import { verifyAgainstDummy, verifyPassword } from '../credentials/password/argon2.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { SignInThrottle } from './throttle.ts';
import { signInThrottleKeys } from './throttle.ts';

export type SignInDeps = {
  readonly identities: IdentityStore;
  readonly audit: AuditStore;
  readonly throttle: SignInThrottle;
  readonly now?: () => number;
};

export type SignInOutcome =
  | { readonly ok: true; readonly identity: Identity; readonly methods: readonly ['pwd'] }
  | { readonly ok: false; readonly code: 'signin.invalid_credentials' }
  | { readonly ok: false; readonly code: 'signin.account_blocked' }
  | { readonly ok: false; readonly code: 'signin.throttled'; readonly retryAfterSeconds: number };

export async function signInWithPassword(
  deps: SignInDeps,
  tenantId: string,
  input: { identifier: string; password: string },
  context: RequestContext,
): Promise<SignInOutcome> {
  const now = deps.now ?? Date.now;
  const identifier = normalizeAddress('email', input.identifier);
  const keys = signInThrottleKeys(tenantId, identifier, context.ip ?? 'unknown');
  const audit = (outcome: 'success' | 'failure', reason: string, identityId?: string) =>
    deps.audit.append({
      id: uuidv7(now()),
      occurredAt: now(),
      tenantId,
      action: outcome === 'success' ? 'signin.succeeded' : 'signin.failed',
      outcome,
      actor: { type: 'customer', id: identityId },
      target: identityId ? { type: 'identity', id: identityId } : undefined,
      context,
      details: { method: 'password', reason },
    });

  const verdict = await deps.throttle.check(keys);
  if (!verdict.allowed) {
    await audit('failure', 'throttled');
    return { ok: false, code: 'signin.throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  }

  const credential = identifier ? await deps.identities.findCredential(tenantId, 'password', identifier) : undefined;
  const hash = credential?.config['hash'];
  const valid = typeof hash === 'string' ? (await verifyPassword(hash, input.password)).valid : await verifyAgainstDummy(input.password);
  if (!valid || !credential) {
    await deps.throttle.recordFailure(keys);
    await audit('failure', credential ? 'wrong_password' : 'no_account', credential?.identityId);
    return { ok: false, code: 'signin.invalid_credentials' };
  }
  const identity = await deps.identities.findById(tenantId, credential.identityId);
  if (!identity || identity.status !== 'active') {
    await audit('failure', 'blocked', credential.identityId);
    return { ok: false, code: 'signin.account_blocked' };
  }
  await deps.throttle.recordSuccess(keys);
  await audit('success', 'password', identity.id);
  return { ok: true, identity, methods: ['pwd'] };
}
