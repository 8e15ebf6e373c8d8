// The ways to sign in this server offers, registered in one place (ADR 0019, ADR 0024). The
// composition root (server.ts) builds them once with their dependencies and hands them to the
// surfaces; each method's routes call its strategy through the use cases of domain/self-service. A
// new method adds its folder under domain/credentials/, one entry in each list below, and its routes.
import type { AuthenticationMethod, AuthenticationResult } from './authentication.ts';
import { withSecondFactor } from './authentication.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { PasswordFirstFactor, SignInDeps } from './password/password-sign-in.ts';
import { createPasswordFirstFactor, PASSWORD } from './password/password-sign-in.ts';
import type { SecondFactorDeps } from './second-factor-deps.ts';
import type { TotpEnrolment, TotpSecondFactor } from './totp/totp.ts';
import { createTotpEnrolment, createTotpSecondFactor, TOTP_METHOD } from './totp/totp.ts';
import type { RecoveryCodeSecondFactor } from './recovery-codes/recovery-codes.ts';
import { createRecoveryCodeSecondFactor, generateRecoveryCodes, RECOVERY_CODE_METHOD } from './recovery-codes/recovery-codes.ts';
import type { EmailCodeFirstFactor } from './email-code/email-code.ts';
import { createEmailCodeFirstFactor, createSmsCodeFirstFactor, EMAIL_CODE, EMAIL_LINK, SMS_CODE } from './email-code/email-code.ts';
import type { SelfServiceDeps } from '../self-service/code-steps.ts';
import type { FederatedDeps, FederatedFirstFactor } from './federated/federated.ts';
import { createFederatedFirstFactor, FEDERATED } from './federated/federated.ts';
import type { SmsDeps, SmsEnrolment, SmsSecondFactor } from './sms/sms-code.ts';
import { createSmsEnrolment, createSmsSecondFactor, SMS_METHOD } from './sms/sms-code.ts';
import type { PasskeyDeps, PasskeyEnrolment, PasskeyFirstFactor, PasskeySecondFactor } from './passkey/passkey.ts';
import { createPasskeyEnrolment, createPasskeyFirstFactor, createPasskeySecondFactor, PASSKEY_METHOD } from './passkey/passkey.ts';
import type { EmailOtpDeps, EmailOtpEnrolment, EmailOtpSecondFactor } from './email-otp/email-otp.ts';
import { createEmailOtpEnrolment, createEmailOtpSecondFactor, EMAIL_OTP_METHOD } from './email-otp/email-otp.ts';
import type { Tenant } from '../tenants/tenant.ts';

/** The second factors by method id, their enrolments, and what enrolling at sign-in gives. */
export type SecondFactorStrategies = {
  readonly secondFactors: { readonly totp: TotpSecondFactor; readonly recovery_code: RecoveryCodeSecondFactor; readonly sms: SmsSecondFactor; readonly passkey: PasskeySecondFactor; readonly email_otp: EmailOtpSecondFactor };
  readonly enrolments: { readonly totp: TotpEnrolment; readonly sms: SmsEnrolment; readonly passkey: PasskeyEnrolment; readonly email_otp: EmailOtpEnrolment };
  /**
   * Whether the customer has any second factor (an authenticator app, a phone for texted codes, a
   * passkey, codes by email): then changing credentials needs a sign-in that used one (SECURITY.md 16).
   */
  hasSecondFactor(tenant: Tenant, identityId: string): Promise<boolean>;
  /** Ten new recovery codes for the customer (made when an authenticator app is enrolled, or on request). */
  generateRecoveryCodes(tenantId: string, identityId: string, context: RequestContext): Promise<string[]>;
  /** The result of a sign-in completed by enrolling an authenticator app and typing its first code. */
  enrolledResult(first: AuthenticationResult): AuthenticationResult;
};

/** The first factors, by method id, and the second-factor strategies. */
export type Strategies = { readonly password: PasswordFirstFactor; readonly emailCode: EmailCodeFirstFactor; readonly smsCode: EmailCodeFirstFactor; readonly federated: FederatedFirstFactor; readonly passkey: PasskeyFirstFactor } & SecondFactorStrategies;

export function createStrategies(deps: { readonly password: SignInDeps; readonly secondFactor: SecondFactorDeps; readonly emailCode: SelfServiceDeps; readonly federated: FederatedDeps; readonly sms: SmsDeps; readonly passkey: Omit<PasskeyDeps, keyof SecondFactorDeps>; readonly emailOtp: Omit<EmailOtpDeps, keyof SecondFactorDeps> }): Strategies {
  const passkey: PasskeyDeps = { ...deps.secondFactor, ...deps.passkey };
  const emailOtp: EmailOtpDeps = { ...deps.secondFactor, ...deps.emailOtp };
  const secondFactors = { totp: createTotpSecondFactor(deps.secondFactor), recovery_code: createRecoveryCodeSecondFactor(deps.secondFactor), sms: createSmsSecondFactor(deps.sms), passkey: createPasskeySecondFactor(passkey), email_otp: createEmailOtpSecondFactor(emailOtp) };
  return {
    password: createPasswordFirstFactor(deps.password),
    emailCode: createEmailCodeFirstFactor(deps.emailCode),
    smsCode: createSmsCodeFirstFactor(deps.emailCode),
    federated: createFederatedFirstFactor(deps.federated),
    passkey: createPasskeyFirstFactor(passkey),
    secondFactors,
    enrolments: { totp: createTotpEnrolment(deps.secondFactor), sms: createSmsEnrolment(deps.sms), passkey: createPasskeyEnrolment(passkey), email_otp: createEmailOtpEnrolment(emailOtp) },
    async hasSecondFactor(tenant, identityId) {
      // Recovery codes come with an authenticator app: they are not a factor of their own here.
      for (const factor of [secondFactors.totp, secondFactors.sms, secondFactors.passkey, secondFactors.email_otp]) if (await factor.enrolled(tenant, identityId)) return true;
      return false;
    },
    generateRecoveryCodes: (tenantId, identityId, context) => generateRecoveryCodes(deps.secondFactor, tenantId, identityId, context),
    enrolledResult: (first) => withSecondFactor(first, TOTP_METHOD),
  };
}

/** What each registered strategy can complete a sign-in with (the type checker keeps it beside Strategies). */
const METHODS = { password: PASSWORD, email_code: EMAIL_CODE, email_link: EMAIL_LINK, sms_code: SMS_CODE, federated: FEDERATED, totp: TOTP_METHOD, recovery_code: RECOVERY_CODE_METHOD, sms: SMS_METHOD, passkey: PASSKEY_METHOD, email_otp: EMAIL_OTP_METHOD } as const satisfies Record<'password' | 'email_code' | 'email_link' | 'sms_code' | 'federated' | keyof SecondFactorStrategies['secondFactors'], AuthenticationMethod>;

/**
 * The authentication context classes a sign-in can reach here: discovery's `acr_values_supported`,
 * and what an essential `acr` request may ask for. Never more than the registered methods reach.
 */
export const REACHABLE_ACR_VALUES: readonly string[] = [...new Set(Object.values(METHODS).map((method) => method.acr))];
