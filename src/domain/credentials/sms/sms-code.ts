// A code texted to the customer's phone as a second factor (ADR 0031; RFC 8176 `sms`). The number
// is enrolled once, proved by a code texted to it (the enrolment travels sealed in the form, as
// TOTP's does, so an abandoned setup stores nothing). At sign-in the step texts a fresh code on
// request ("challenge"): it is kept in the credential as every sent code is (../sent-code.ts: the
// latest only, once). Every text counts against the SMS pumping limits (domain/sms/sms.ts) and
// every typed code against the code-entry throttle of all second factors.
import type { AuthenticationMethod, SecondFactor } from '../authentication.ts';
import { MFA_ACR, withSecondFactor } from '../authentication.ts';
import type { SecondFactorDeps, ThrottledRefusal } from '../second-factor-deps.ts';
import { auditEnrolment, auditSecondFactor, countedAttempt } from '../second-factor-deps.ts';
import type { Tenant } from '../../tenants/tenant.ts';
import type { RequestContext } from '../../audit/audit.ts';
import type { Locale } from '../../../i18n/locales.ts';
import type { IdentityStore } from '../../identity/identity.port.ts';
import type { SmsStore } from '../../sms/sms.port.ts';
import type { UnitOfWork } from '../../unit-of-work.ts';
import type { SmsRefusal } from '../../sms/sms.ts';
import { phoneNumberOf, queueSms, reserveSms } from '../../sms/sms.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import { newCode, sameCode, SENT_CODE_LIFETIME_MS, sentCodes } from '../sent-code.ts';

/** Something the customer has, proved by a texted code: AAL2 beside a password (NIST's "restricted" authenticator). */
export const SMS_METHOD: AuthenticationMethod = { id: 'sms', amr: ['sms'], acr: MFA_ACR, aal: 2 };

const ENROLMENT_LIFETIME_MS = 15 * 60_000;

export type SmsDeps = SecondFactorDeps & {
  readonly transaction: UnitOfWork<{ readonly identities: IdentityStore; readonly sms: SmsStore }>;
  /** False in production without an SMS gateway: no text can leave, so none is offered. */
  readonly available: boolean;
};

/** The enrolled number (and, while a code is out, the code: ../sent-code.ts). */
type SmsConfig = { readonly phone: string };

type CodeRefusal = { readonly ok: false; readonly code: 'mfa.code_invalid' } | ThrottledRefusal;
type ChallengeRefusal = SmsRefusal | { readonly ok: false; readonly code: 'mfa.method_unavailable' };

export type SmsSecondFactor = SecondFactor<{ readonly code: string }, CodeRefusal> & {
  /** Texts a fresh code to the enrolled number (a new one voids the last); answers the number's last digits to show. */
  challenge(tenant: Tenant, identityId: string, context: RequestContext, locale: Locale): Promise<{ readonly ok: true; readonly endsWith: string } | ChallengeRefusal>;
  /** The last digits of the enrolled number, to say where the code goes. */
  phoneEnding(tenant: Tenant, identityId: string): Promise<string | undefined>;
};

export type SmsEnrolment = {
  /** Texts a code to `phone` for this customer: answers the sealed enrolment to post back with it. */
  readonly available: boolean;
  begin(tenant: Tenant, identityId: string, phone: string, context: RequestContext, locale: Locale): Promise<{ readonly ok: true; readonly enrolment: string; readonly endsWith: string } | SmsRefusal | { readonly ok: false; readonly code: 'mfa.method_unavailable' }>;
  complete(tenant: Tenant, identityId: string, input: { readonly enrolment: string; readonly code: string }, context: RequestContext): Promise<{ readonly ok: true } | CodeRefusal | { readonly ok: false; readonly code: 'mfa.enrolment_expired' | 'mfa.already_enrolled' }>;
};

function ending(phone: string): string {
  return phone.slice(-2);
}

async function smsCredentialOf(deps: Pick<SecondFactorDeps, 'identities'>, tenantId: string, identityId: string) {
  return (await deps.identities.listCredentials(tenantId, identityId)).find((credential) => credential.type === 'sms');
}

export function createSmsSecondFactor(deps: SmsDeps): SmsSecondFactor {
  const clock = deps.now ?? Date.now;
  const codes = sentCodes(deps, 'sms');
  return {
    method: SMS_METHOD,
    async enrolled(tenant, identityId) {
      return (await smsCredentialOf(deps, tenant.id, identityId)) !== undefined;
    },
    async phoneEnding(tenant, identityId) {
      const credential = await smsCredentialOf(deps, tenant.id, identityId);
      return credential ? ending((credential.config as SmsConfig).phone) : undefined;
    },
    async challenge(tenant, identityId, context, locale) {
      const credential = await smsCredentialOf(deps, tenant.id, identityId);
      const phone = credential && phoneNumberOf((credential.config as SmsConfig).phone);
      if (!credential || !phone || !deps.available) return { ok: false, code: 'mfa.method_unavailable' };
      const now = clock();
      const refused = await reserveSms(deps.throttle, tenant, phone, context, now);
      if (refused) return refused;
      const kept: SmsConfig = { phone: phone.e164 };
      const { code, save } = codes.issue(tenant.id, credential, kept, now);
      await deps.transaction(async (stores) => {
        await save(stores.identities);
        await queueSms(stores.sms, tenant, { to: phone.e164, kind: 'second_factor', locale, code, minutes: SENT_CODE_LIFETIME_MS / 60_000 }, now);
      });
      return { ok: true, endsWith: ending(phone.e164) };
    },
    async verify(tenant, first, input, context) {
      const identityId = first.identityId;
      const outcome = await countedAttempt(deps, tenant.id, identityId, context, async () => {
        const used = await codes.use(deps.identities, tenant.id, await smsCredentialOf(deps, tenant.id, identityId), input.code, clock());
        return used ? ({ ok: true } as const) : ({ ok: false, code: 'mfa.code_invalid' } as const);
      });
      await auditSecondFactor(deps, tenant.id, identityId, context, SMS_METHOD.id, outcome.ok ? 'success' : 'failure', outcome.ok ? {} : { reason: outcome.code });
      return outcome.ok ? { ok: true, result: withSecondFactor(first, SMS_METHOD) } : outcome;
    },
  };
}

export function createSmsEnrolment(deps: SmsDeps): SmsEnrolment {
  const clock = deps.now ?? Date.now;
  const context = (tenantId: string, identityId: string) => `sms-enrolment:${tenantId}:${identityId}`;
  return {
    available: deps.available,
    async begin(tenant, identityId, input, requestContext, locale) {
      if (!deps.available) return { ok: false, code: 'mfa.method_unavailable' };
      const phone = phoneNumberOf(input);
      if (!phone) return { ok: false, code: 'phone.invalid' };
      const now = clock();
      const refused = await reserveSms(deps.throttle, tenant, phone, requestContext, now);
      if (refused) return refused;
      const code = newCode();
      const enrolment = deps.secretBox.seal(JSON.stringify({ phone: phone.e164, code, expiresAt: now + ENROLMENT_LIFETIME_MS }), context(tenant.id, identityId));
      await deps.transaction((stores) => queueSms(stores.sms, tenant, { to: phone.e164, kind: 'verify_phone', locale, code, minutes: ENROLMENT_LIFETIME_MS / 60_000 }, now));
      return { ok: true, enrolment, endsWith: ending(phone.e164) };
    },
    async complete(tenant, identityId, input, requestContext) {
      let offered: { phone?: unknown; code?: unknown; expiresAt?: unknown };
      try {
        offered = JSON.parse(deps.secretBox.open(input.enrolment, context(tenant.id, identityId))) as typeof offered;
      } catch {
        return { ok: false, code: 'mfa.enrolment_expired' };
      }
      if (typeof offered.phone !== 'string' || typeof offered.code !== 'string' || typeof offered.expiresAt !== 'number' || offered.expiresAt <= clock()) return { ok: false, code: 'mfa.enrolment_expired' };
      const expected = offered.code;
      const outcome = await countedAttempt(deps, tenant.id, identityId, requestContext, async () => (sameCode(expected, input.code) ? ({ ok: true } as const) : ({ ok: false, code: 'mfa.code_invalid' } as const)));
      if (!outcome.ok) return outcome;
      if (await smsCredentialOf(deps, tenant.id, identityId)) return { ok: false, code: 'mfa.already_enrolled' };
      const now = clock();
      const config: SmsConfig = { phone: offered.phone };
      await deps.identities.addCredential(tenant.id, identityId, { id: uuidv7(now), type: 'sms', config, identifiers: [] }, now);
      await auditEnrolment(deps, tenant.id, identityId, requestContext, 'mfa.enrolled', SMS_METHOD.id);
      return { ok: true };
    },
  };
}
