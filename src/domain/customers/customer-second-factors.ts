// Support resets a customer's second factors (ADR 0024): the customer lost their phone and their
// recovery codes, and proved who they are to support some other way. The authenticator app, the
// recovery codes and every remembered browser go; the customer signs in with the password and, if
// the policy requires it, sets up a new app. Audited with the operator as actor, and the customer
// is told by email, so a reset they did not ask for does not go unnoticed.
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

/** What went: the second-factor credentials and the remembered browsers. DomainError `mfa.not_enrolled` when there was nothing to reset. */
export async function resetCustomerSecondFactors(deps: { readonly transaction: UnitOfWork<ResetStores>; readonly now?: () => number }, tenant: Tenant, identityId: string, actor: Actor): Promise<{ readonly credentials: number; readonly devices: number }> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const identity = await getIdentity(stores, tenant.id, identityId);
    const credentials = await stores.identities.removeCredentials(tenant.id, identityId, ['totp', 'recovery_codes', 'sms', EMAIL_OTP_CREDENTIAL]);
    const devices = await stores.rememberedDevices.removeAll(tenant.id, identityId);
    if (credentials === 0 && devices === 0) throw new DomainError('mfa.not_enrolled', 'conflict', 'This customer has no second factor to reset.');
    await recordOperatorChange(stores, now, actor, { tenantId: tenant.id, identityId, action: 'mfa.reset', details: { credentials, devices } });
    const email = identity.traits['email'];
    if (typeof email === 'string' && email !== '') {
      const locale = negotiateLocale({ trait: identity.traits['locale'], tenantDefault: tenant.settings.defaultLocale });
      await queueMail(stores.mail, tenant, { tenantId: tenant.id, to: email, kind: 'mfa_reset', locale, params: {} }, now);
    }
    return { credentials, devices };
  });
}
