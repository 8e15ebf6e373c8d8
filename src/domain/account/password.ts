// Changing the password from the account (SECURITY.md 4): the current password is required, the new
// one meets the sign-up policy, and once it is changed every other session and refresh token of the
// customer ends, while the one in use stays signed in.
import { DomainError, ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { Identity } from '../identity/identity.ts';
import { passwordIdentifierOf } from '../identity/new-identity.ts';
import { hashPassword, verifyAgainstDummy } from '../credentials/password/argon2.ts';
import { verifyPasswordHash } from '../credentials/password/password-hash.ts';
import { checkPasswordPolicy } from '../credentials/password/policy.ts';
import { signInThrottleKeys } from '../flows/throttle.ts';
import { deviceOf } from '../flows/device-token.ts';
import type { AccountDeps, Customer } from './account.ts';
import { recordChange } from './account.ts';
import { queueMail } from '../mail/mail.ts';
import { getProfile } from './profile.ts';
import { revokeEverythingElse } from './sessions.ts';
import { waitSeconds } from '../../lib/english.ts';

/** `deviceTokens`: those the browser or app holds (device-token.ts), for the check of `current`. */
type PasswordChange = { readonly current: string; readonly next: string; readonly deviceTokens?: string | undefined };

/**
 * Checks the customer's current password, counted like a sign-in attempt (a stolen session must not
 * be a way to guess it), and like a sign-in on the device's own key when `deviceTokens` hold a token
 * of this account: someone guessing the password elsewhere does not hold the owner back here either
 * (SECURITY.md 7). A wrong one is ValidationError `password.current_wrong` on `current_password`;
 * too many is DomainError `signin.throttled`.
 */
export async function verifyCurrentPassword(deps: AccountDeps, customer: Customer, identity: Identity, password: string, deviceTokens?: string): Promise<void> {
  const identifier = passwordIdentifierOf(identity.traits);
  const device = deps.deviceKey ? deviceOf(deps.deviceKey, customer.tenantId, identifier, deviceTokens, (deps.now ?? Date.now)()) : undefined;
  const keys = signInThrottleKeys(customer.tenantId, identifier, customer.context.ip ?? 'unknown', device);
  const verdict = await deps.throttle.attempt(keys);
  if (!verdict.allowed) {
    throw new DomainError('signin.throttled', 'rate_limited', `Too many attempts. ${waitSeconds(verdict.retryAfterSeconds)}, then try again.`, { seconds: verdict.retryAfterSeconds });
  }
  const credential = (await deps.stores.identities.listCredentials(customer.tenantId, customer.identityId)).find((candidate) => candidate.type === 'password');
  const hash = credential?.config['hash'];
  const valid = typeof hash === 'string' ? (await verifyPasswordHash(hash, password)).valid : await verifyAgainstDummy(password);
  if (!valid) {
    const now = (deps.now ?? Date.now)();
    await recordChange(deps.stores, customer, now, { action: 'password.verification_failed', outcome: 'failure' });
    throw new ValidationError([{ field: 'current_password', code: 'password.current_wrong', message: 'Your current password is not right.' }]);
  }
  await deps.throttle.succeeded(keys);
}

/**
 * Changes the password. Field problems (wrong current password, a new one the policy refuses) come
 * as one ValidationError; on success every other session, refresh token and grant of the customer
 * is revoked, except the session and grants of `customer.current`.
 */
export async function changePassword(deps: AccountDeps, customer: Customer, change: PasswordChange): Promise<{ revokedArtifacts: number }> {
  const identity = await getProfile(deps, customer);
  const email = typeof identity.traits['email'] === 'string' ? identity.traits['email'] : undefined;
  const problems: FieldProblem[] = checkPasswordPolicy(change.next, { identifiers: email ? [email] : [] }).map((problem) => ({ ...problem, field: 'new_password' }));
  if (problems.length === 0 && deps.breachedCheck && (await deps.breachedCheck(change.next)) === 'breached') {
    problems.push({ field: 'new_password', code: 'password.breached', message: 'This password has appeared in a data breach. Choose another one.' });
  }
  // The current password is checked first: the policy's answers are for its owner only.
  await verifyCurrentPassword(deps, customer, identity, change.current, change.deviceTokens);
  if (problems.length > 0) throw new ValidationError(problems);

  const hash = await hashPassword(change.next);
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const credentials = await stores.identities.listCredentials(customer.tenantId, customer.identityId);
    const credential = credentials.find((candidate) => candidate.type === 'password');
    if (!credential) throw new DomainError('password.none', 'conflict', 'This account has no password to change.');
    await stores.identities.updateCredentialConfig(customer.tenantId, credential.id, { ...credential.config, hash }, now);
    const revoked = await revokeEverythingElse(stores, customer, now);
    await recordChange(stores, customer, now, { action: 'password.changed', details: { revokedArtifacts: revoked.revokedArtifacts }, event: { type: 'identity.password_changed', payload: {} } });
    // Told by email, so that a change the owner did not make does not go unnoticed (SECURITY.md 10).
    if (email) await queueMail(stores.mail, customer.tenant, { tenantId: customer.tenantId, to: email, kind: 'password_changed', locale: customer.locale, params: {} }, now);
    return revoked;
  });
}
