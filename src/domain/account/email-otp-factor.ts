// Codes by email as the customer's second factor (issue 17), as the account portal and the Account
// API both manage it: turn it on (a verified email is required), see where codes go and whether a
// stronger factor keeps it from being asked for (SECURITY.md 11), turn it off. Audited like every
// change to second factors (mfa.enrolled / mfa.removed with method email_otp), so it is in the
// customer's security activity.
import type { IdentityStore } from '../identity/identity.port.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { SecondFactorStrategies } from '../credentials/strategies.ts';
import { EMAIL_OTP_CREDENTIAL, EMAIL_OTP_METHOD, verifiedEmailOf } from '../credentials/email-otp/email-otp.ts';
import { DomainError } from '../errors.ts';
import type { Customer } from './account.ts';
import { recordChange } from './account.ts';

type EmailOtpFactorDeps = {
  readonly stores: { readonly identities: IdentityStore; readonly audit: AuditStore; readonly outbox: OutboxStore };
  readonly strategies: SecondFactorStrategies;
  readonly now?: () => number;
};

export type EmailOtpStatus = {
  /** On: where codes go (masked). */
  readonly enabled: boolean;
  readonly address: string | undefined;
  /** On, but not asked for at sign-in because the customer has a stronger factor. */
  readonly supersededByStrongerFactor: boolean;
  /** Whether the account has a verified email to turn it on with. */
  readonly available: boolean;
};

export async function emailOtpStatus(deps: EmailOtpFactorDeps, customer: Customer): Promise<EmailOtpStatus> {
  const credentials = await deps.stores.identities.listCredentials(customer.tenantId, customer.identityId);
  const enabled = credentials.some((credential) => credential.type === EMAIL_OTP_CREDENTIAL);
  const factors = deps.strategies.secondFactors;
  // The factors the step prefers to an emailed code (domain/credentials/email-otp/, offeredSecondFactors).
  let stronger = false;
  for (const factor of [factors.totp, factors.sms, factors.passkey]) if (!stronger && (await factor.enrolled(customer.tenant, customer.identityId))) stronger = true;
  const identity = await deps.stores.identities.findById(customer.tenantId, customer.identityId);
  return {
    enabled,
    address: enabled ? await factors.email_otp.maskedAddress(customer.tenant, customer.identityId) : undefined,
    supersededByStrongerFactor: enabled && stronger,
    available: identity !== undefined && verifiedEmailOf(identity) !== undefined,
  };
}

/** Turns codes by email on: DomainError `mfa.email_unverified` (409) without a verified email, `mfa.already_enrolled` when on. */
export async function enableEmailOtp(deps: EmailOtpFactorDeps, customer: Customer): Promise<void> {
  const enabled = await deps.strategies.enrolments.email_otp.enable(customer.tenant, customer.identityId, customer.context);
  if (enabled.ok) return;
  throw new DomainError(enabled.code, 'conflict', enabled.code === 'mfa.email_unverified' ? 'Verify the email address first: codes go only to a verified address.' : 'Codes by email are on already.');
}

/** Turns codes by email off. DomainError `mfa.not_enrolled` when they were not on. */
export async function removeEmailOtp(deps: EmailOtpFactorDeps, customer: Customer): Promise<void> {
  const removed = await deps.stores.identities.removeCredentials(customer.tenantId, customer.identityId, [EMAIL_OTP_CREDENTIAL]);
  if (removed === 0) throw new DomainError('mfa.not_enrolled', 'conflict', 'Codes by email are not on for this account.');
  await recordChange(deps.stores, customer, (deps.now ?? Date.now)(), { action: 'mfa.removed', details: { method: EMAIL_OTP_METHOD.id } });
}
