// Support resets a customer's second factors (ADR 0024): the customer lost their phone and their
// recovery codes, and proved who they are to support some other way. Every second factor goes (the
// authenticator app, the recovery codes, the number for texted codes, codes by email) and every
// remembered browser; the customer signs in with the password and, if the policy requires it, sets
// up a new factor. Passkeys stay unless support asks for them too (`passkeys`): a passkey is also a
// way to sign in without a password, and a customer who still holds one is better served keeping
// it than being pushed back to a password; a lost or stolen device is a reason to remove them.
// Audited with the operator as actor and what went, and the customer is told by email, so a reset
// they did not ask for does not go unnoticed.
import { DomainError } from '../errors.ts';
import type { Stores, UnitOfWork } from '../unit-of-work.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import { getIdentity } from '../identity/identities.service.ts';
import { recordOperatorChange } from '../audit/record-change.ts';
import { queueMail } from '../mail/mail.ts';
import { negotiateLocale } from '../../i18n/locales.ts';
import { EMAIL_OTP_CREDENTIAL } from '../credentials/email-otp/email-otp.ts';

type ResetStores = Pick<Stores, 'identities' | 'rememberedDevices' | 'audit' | 'outbox' | 'mail'>;

/** The credential types of second factors that are nothing else. */
const SECOND_FACTOR_CREDENTIALS = ['totp', 'recovery_codes', 'sms', EMAIL_OTP_CREDENTIAL] as const;
const PASSKEY_CREDENTIAL = 'passkey';

type ResetOutcome = { readonly credentials: number; readonly passkeys: number; readonly devices: number; readonly methods: readonly string[] };

/**
 * What went: the second-factor credentials (by type), the passkeys when `options.passkeys`, and the
 * remembered browsers. DomainError `mfa.not_enrolled` when there was nothing to reset.
 */
export async function resetCustomerSecondFactors(deps: { readonly transaction: UnitOfWork<ResetStores>; readonly now?: () => number }, tenant: Tenant, identityId: string, actor: Actor, options: { readonly passkeys?: boolean } = {}): Promise<ResetOutcome> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const identity = await getIdentity(stores, tenant.id, identityId);
    const removable: readonly string[] = options.passkeys ? [...SECOND_FACTOR_CREDENTIALS, PASSKEY_CREDENTIAL] : SECOND_FACTOR_CREDENTIALS;
    const methods = [...new Set((await stores.identities.listCredentials(tenant.id, identityId)).map((credential) => credential.type).filter((type) => removable.includes(type)))].sort();
    const passkeys = options.passkeys ? await stores.identities.removeCredentials(tenant.id, identityId, [PASSKEY_CREDENTIAL]) : 0;
    const credentials = await stores.identities.removeCredentials(tenant.id, identityId, SECOND_FACTOR_CREDENTIALS);
    const devices = await stores.rememberedDevices.removeAll(tenant.id, identityId);
    if (credentials === 0 && passkeys === 0 && devices === 0) throw new DomainError('mfa.not_enrolled', 'conflict', 'This customer has no second factor to reset.');
    await recordOperatorChange(stores, now, actor, { tenantId: tenant.id, identityId, action: 'mfa.reset', details: { credentials, passkeys, devices, methods } });
    const email = identity.traits['email'];
    if (typeof email === 'string' && email !== '') {
      const locale = negotiateLocale({ trait: identity.traits['locale'], tenantDefault: tenant.settings.defaultLocale });
      await queueMail(stores.mail, tenant, { tenantId: tenant.id, to: email, kind: 'mfa_reset', locale, params: { passkeys: passkeys > 0 ? 'removed' : 'kept' } }, now);
    }
    return { credentials, passkeys, devices, methods };
  });
}
