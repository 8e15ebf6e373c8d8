// Emails an operator sends a customer on their behalf: the recovery email (the very mail a
// customer's own "forgot password" sends, whose link opens the same new-password page) and the
// verification email again. The customer started no flow, so each creates one, with no sign-in
// behind it: its link works in any browser and only does what it says (sets the password, or
// verifies the address). Both go only to an active customer's own address, count against the
// address's send limit like any other (no mail bombing through an operator either), and change
// nothing on the account (SECURITY.md 10): they are audited, not announced as events.
import { DomainError } from '../errors.ts';
import type { Flow } from '../flows/flow.ts';
import { newFlow } from '../flows/flow.ts';
import type { Identity } from '../identity/identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import { getIdentity } from '../identity/identities.service.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { SelfServiceDeps } from '../self-service/code-steps.ts';
import { clock, composeCode, reserveSend } from '../self-service/code-steps.ts';
import type { Refusal } from '../self-service/code-steps.ts';
import { startVerification } from '../self-service/verification.ts';
import { negotiateLocale } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { waitSeconds } from '../../lib/english.ts';
import { recordOperatorChange } from '../audit/record-change.ts';

/** Where the email went, and until when its code and link work. */
type Sent = { readonly address: string; readonly expiresAt: number };

/** Sends the recovery email to the customer's address; DomainError when they are blocked, have no email, or the address was mailed too often. */
export async function sendRecoveryEmail(deps: SelfServiceDeps, tenant: Tenant, identityId: string, actor: Actor): Promise<Sent> {
  const { identity, address, locale } = await mailable(deps, tenant, identityId);
  throwIfRefused(await reserveSend(deps, tenant.id, address, actor.context ?? {}));
  const now = clock(deps);
  const draft = newFlow({ id: uuidv7(now), tenantId: tenant.id, type: 'recovery', kind: 'browser', payload: { locale, by: 'operator' }, now });
  return deps.transaction(async (stores) => {
    const sent = await composeCode(deps, stores, { tenant, flow: draft, locale, linkPath: 'recovery', kind: 'recover_password', context: actor.context ?? {} }, { address, subjectId: identity.id, sentCount: 0 });
    const flow: Flow = { ...draft, payload: sent.payload };
    await stores.flows.create(flow);
    await recordOperatorChange(stores, now, actor, { tenantId: tenant.id, identityId: identity.id, action: 'recovery.requested', details: { known: true } });
    return { address, expiresAt: Number(flow.payload['codeExpiresAt']) };
  });
}

/** Sends a new verification email for the customer's unverified address; DomainError `customer.address_verified` when it is verified already. */
export async function resendVerificationEmail(deps: SelfServiceDeps, tenant: Tenant, identityId: string, actor: Actor): Promise<Sent> {
  const { identity, address, locale } = await mailable(deps, tenant, identityId);
  if (identity.addresses.some((candidate) => candidate.kind === 'email' && candidate.value === address && candidate.verifiedAt !== null)) {
    throw new DomainError('customer.address_verified', 'conflict', 'This customer has verified their email address already.');
  }
  const started = await startVerification(deps, tenant, { identity, address, purpose: 'verify', kind: 'browser' }, actor.context ?? {}, locale, actor);
  if (!started.ok) throwIfRefused(started);
  return { address, expiresAt: Number((started as { flow: Flow }).flow.payload['codeExpiresAt']) };
}

async function mailable(deps: SelfServiceDeps, tenant: Tenant, identityId: string): Promise<{ identity: Identity; address: string; locale: Locale }> {
  const identity = await getIdentity(deps.stores, tenant.id, identityId);
  if (identity.status !== 'active') throw new DomainError('customer.blocked', 'conflict', 'This customer is blocked: unblock them first.');
  const email = identity.traits['email'];
  if (typeof email !== 'string' || email === '') throw new DomainError('customer.no_email', 'conflict', 'This customer has no email address.');
  const locale = negotiateLocale({ trait: identity.traits['locale'], tenantDefault: tenant.settings.defaultLocale });
  return { identity, address: normalizeAddress('email', email), locale };
}

function throwIfRefused(refusal: Refusal | undefined): void {
  if (!refusal) return;
  if (refusal.code === 'code.throttled' || refusal.code === 'code.resend_wait') {
    throw new DomainError('code.throttled', 'rate_limited', `This address was sent too many emails. ${waitSeconds(refusal.retryAfterSeconds)}, then try again.`, { seconds: refusal.retryAfterSeconds });
  }
  throw new DomainError(refusal.code, 'conflict', 'The email could not be sent.');
}
