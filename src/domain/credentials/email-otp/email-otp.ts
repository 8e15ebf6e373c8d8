// A code emailed to the customer's verified address as a second factor (issue 17; ADR 0031). It is
// the weakest second factor: whoever reads the inbox can also recover the password from it, and
// NIST SP 800-63B does not count email towards AAL2. So it is offered only to customers who have
// nothing stronger (`offeredSecondFactors`: never beside an authenticator app, a phone for texted
// codes or a passkey, and never after a first factor that was the inbox itself), and the result
// stays at AAL1 while it reaches the MFA class (two factors were presented).
//
// Turning it on needs a verified email (the address proved itself already, so no code is asked);
// the credential holds no address, the code goes to the account's current verified email, so an
// address change moves it. At the step the customer asks for a code ("challenge"): it is kept in
// the credential as every sent code is (../sent-code.ts: the latest only, once). Every email
// counts against the mail throttle of its address, every typed code against the code-entry
// throttle of all second factors.
import type { AuthenticationMethod, AuthenticationResult, SecondFactor } from '../authentication.ts';
import { MFA_ACR, withSecondFactor } from '../authentication.ts';
import type { SecondFactorDeps, ThrottledRefusal } from '../second-factor-deps.ts';
import { auditEnrolment, auditSecondFactor, countedAttempt } from '../second-factor-deps.ts';
import type { Tenant } from '../../tenants/tenant.ts';
import type { RequestContext } from '../../audit/audit.ts';
import type { Locale } from '../../../i18n/locales.ts';
import type { Identity } from '../../identity/identity.ts';
import { normalizeAddress } from '../../identity/identity.ts';
import type { IdentityStore } from '../../identity/identity.port.ts';
import type { MailStore } from '../../mail/mail.port.ts';
import type { ThrottlePolicy } from '../../flows/throttle.port.ts';
import type { UnitOfWork } from '../../unit-of-work.ts';
import { queueMail } from '../../mail/mail.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import { SENT_CODE_LIFETIME_MS, sentCodes } from '../sent-code.ts';

/** Two factors (the password and the inbox), but email is not an AAL2 authenticator (NIST SP 800-63B 5.1.3.1). */
export const EMAIL_OTP_METHOD: AuthenticationMethod = { id: 'email_otp', amr: ['otp'], acr: MFA_ACR, aal: 1 };

/** The credential row's type. */
export const EMAIL_OTP_CREDENTIAL = 'email_otp';

/** Second factors stronger than an emailed code: while one is enrolled, the emailed code is not offered. */
const STRONGER_THAN_EMAIL: readonly string[] = ['totp', 'sms', 'passkey'];

/** The classes of first factors that were the inbox or the phone itself (ADR 0031): a code to the same channel after them proves nothing new. */
const INBOX_ACR = 'urn:foyer:acr:email';
const PHONE_ACR = 'urn:foyer:acr:sms';

/** Codes emailed to one customer: a few, then ever longer waits (no mail bombing through the step). */
const SEND_POLICY: ThrottlePolicy = { freeAttempts: 3, windowMs: 60 * 60_000, maxDelayMs: 15 * 60_000 };

export type EmailOtpDeps = SecondFactorDeps & {
  readonly transaction: UnitOfWork<{ readonly identities: IdentityStore; readonly mail: MailStore }>;
};

type CodeRefusal = { readonly ok: false; readonly code: 'mfa.code_invalid' } | ThrottledRefusal;
type ChallengeRefusal = { readonly ok: false; readonly code: 'mfa.method_unavailable' } | { readonly ok: false; readonly code: 'code.throttled'; readonly retryAfterSeconds: number };

export type EmailOtpSecondFactor = SecondFactor<{ readonly code: string }, CodeRefusal> & {
  /** Emails a fresh code to the account's verified address (a new one voids the last); answers the address, masked, to show. */
  challenge(tenant: Tenant, identityId: string, context: RequestContext, locale: Locale): Promise<{ readonly ok: true; readonly address: string } | ChallengeRefusal>;
  /** The address codes go to, masked (j•••@example.com), or undefined when the factor is not usable. */
  maskedAddress(tenant: Tenant, identityId: string): Promise<string | undefined>;
};

export type EmailOtpEnrolment = {
  /** Turns emailed codes on for the customer: refused without a verified email, or when on already. */
  enable(tenant: Tenant, identityId: string, context: RequestContext): Promise<{ readonly ok: true } | { readonly ok: false; readonly code: 'mfa.email_unverified' | 'mfa.already_enrolled' }>;
};

/** The account's email, when it is verified: where codes go. */
export function verifiedEmailOf(identity: Identity): string | undefined {
  const email = identity.traits['email'];
  if (typeof email !== 'string' || email === '') return undefined;
  const normalized = normalizeAddress('email', email);
  return identity.addresses.some((address) => address.kind === 'email' && address.value === normalized && address.verifiedAt !== null) ? normalized : undefined;
}

/** j•••@example.com: enough for the customer to recognise, not enough to learn the address. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${address.slice(0, 1)}•••${address.slice(at)}`;
}

/**
 * The enrolled second factors the step may offer after `first` (SECURITY.md 11): an emailed code
 * never stands in for a stronger factor the customer set up, and never follows a sign-in by the
 * inbox, so email is never the only second factor of a customer who has a stronger one. Likewise a
 * texted code never follows a sign-in by a texted code: the same phone twice is one factor.
 */
export function offeredSecondFactors(enrolled: readonly string[], first: Pick<AuthenticationResult, 'acr' | 'method'>): string[] {
  const emailAllowed = !enrolled.some((method) => STRONGER_THAN_EMAIL.includes(method)) && first.acr !== INBOX_ACR;
  return enrolled.filter((method) => (method !== EMAIL_OTP_METHOD.id || emailAllowed) && (method !== 'sms' || first.acr !== PHONE_ACR));
}

async function credentialOf(deps: Pick<SecondFactorDeps, 'identities'>, tenantId: string, identityId: string) {
  return (await deps.identities.listCredentials(tenantId, identityId)).find((credential) => credential.type === EMAIL_OTP_CREDENTIAL);
}

async function usableAddressOf(deps: Pick<SecondFactorDeps, 'identities'>, tenantId: string, identityId: string): Promise<string | undefined> {
  const identity = await deps.identities.findById(tenantId, identityId);
  return identity && identity.status === 'active' ? verifiedEmailOf(identity) : undefined;
}

export function createEmailOtpSecondFactor(deps: EmailOtpDeps): EmailOtpSecondFactor {
  const clock = deps.now ?? Date.now;
  const codes = sentCodes(deps, 'email-otp');
  return {
    method: EMAIL_OTP_METHOD,
    async enrolled(tenant, identityId) {
      return (await credentialOf(deps, tenant.id, identityId)) !== undefined && (await usableAddressOf(deps, tenant.id, identityId)) !== undefined;
    },
    async maskedAddress(tenant, identityId) {
      if (!(await credentialOf(deps, tenant.id, identityId))) return undefined;
      const address = await usableAddressOf(deps, tenant.id, identityId);
      return address && maskEmail(address);
    },
    async challenge(tenant, identityId, context, locale) {
      const credential = await credentialOf(deps, tenant.id, identityId);
      const address = credential && (await usableAddressOf(deps, tenant.id, identityId));
      if (!credential || !address) return { ok: false, code: 'mfa.method_unavailable' };
      const now = clock();
      const reservation = await deps.throttle.reserveAll(
        [
          { key: `mfa:email:${tenant.id}:${identityId}`, policy: SEND_POLICY },
          { key: `mail:ip:${tenant.id}:${context.ip ?? 'unknown'}`, policy: { freeAttempts: 100, windowMs: 60 * 60_000, maxDelayMs: 15 * 60_000 } },
        ],
        now,
      );
      if (!reservation.allowed) return { ok: false, code: 'code.throttled', retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000) };
      const { code, save } = codes.issue(tenant.id, credential, {}, now);
      await deps.transaction(async (stores) => {
        await save(stores.identities);
        await queueMail(stores.mail, tenant, { tenantId: tenant.id, to: address, kind: 'mfa_code', locale, params: { code, expiresInMinutes: String(SENT_CODE_LIFETIME_MS / 60_000) } }, now);
      });
      return { ok: true, address: maskEmail(address) };
    },
    async verify(tenant, first, input, context) {
      const identityId = first.identityId;
      const outcome = await countedAttempt(deps, tenant.id, identityId, context, async () => {
        const used = await codes.use(deps.identities, tenant.id, await credentialOf(deps, tenant.id, identityId), input.code, clock());
        return used ? ({ ok: true } as const) : ({ ok: false, code: 'mfa.code_invalid' } as const);
      });
      await auditSecondFactor(deps, tenant.id, identityId, context, EMAIL_OTP_METHOD.id, outcome.ok ? 'success' : 'failure', outcome.ok ? {} : { reason: outcome.code });
      return outcome.ok ? { ok: true, result: withSecondFactor(first, EMAIL_OTP_METHOD) } : outcome;
    },
  };
}

export function createEmailOtpEnrolment(deps: EmailOtpDeps): EmailOtpEnrolment {
  const clock = deps.now ?? Date.now;
  return {
    async enable(tenant, identityId, context) {
      if (!(await usableAddressOf(deps, tenant.id, identityId))) return { ok: false, code: 'mfa.email_unverified' };
      if (await credentialOf(deps, tenant.id, identityId)) return { ok: false, code: 'mfa.already_enrolled' };
      const now = clock();
      await deps.identities.addCredential(tenant.id, identityId, { id: uuidv7(now), type: EMAIL_OTP_CREDENTIAL, config: {}, identifiers: [] }, now);
      await auditEnrolment(deps, tenant.id, identityId, context, 'mfa.enrolled', EMAIL_OTP_METHOD.id);
      return { ok: true };
    },
  };
}
