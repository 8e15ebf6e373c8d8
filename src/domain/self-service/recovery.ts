// Password recovery (SECURITY.md 1, 8–10): email → code or link → new password. The request
// answers the same for any email, owned or not, and changes nothing on the account. A reset sets
// the new password, verifies the email (the inbox just proved itself), ends every session and token
// of the customer, lifts sign-in throttling, tells the customer by email, and signs them in anew
// with a device token (the owner is never locked out, SECURITY.md 7).
//
//   stateDiagram-v2
//     active --> active: email submitted (code sent, or an unmatchable one) · code resent · wrong code
//     active --> verified: right code; the new password comes next
//     verified --> complete: new password set
//     active --> complete: link opened and new password set in one step
import type { FieldProblem } from '../errors.ts';
import type { Flow } from '../flows/flow.ts';
import { normalizeAddress } from '../identity/identity.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { Locale } from '../../i18n/locales.ts';
import { checkPasswordPolicy } from '../credentials/password/policy.ts';
import { hashPassword } from '../credentials/password/argon2.ts';
import type { AuthenticationResult } from '../credentials/authentication.ts';
import { authenticatedBy } from '../credentials/authentication.ts';
import { PASSWORD } from '../credentials/password/password-sign-in.ts';
import { signInThrottleKeys } from '../flows/throttle.ts';
import { rememberDevice } from '../flows/device-token.ts';
import { queueMail } from '../mail/mail.ts';
import { browserSessionsOf, recordEndedSessions } from '../oauth/logout.ts';
import { recordEvent } from '../events/record-event.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { Refusal, SelfServiceDeps } from './code-steps.ts';
import { auditOf, checkCode, clock, composeCode, isLatestCode, reserveSend, spent } from './code-steps.ts';
import { tokenMatches, secretOf } from './one-time-code.ts';
import { recordSignIn } from './sign-in.ts';

type RecoveryRequested = { readonly ok: true; readonly address: string } | Refusal | { readonly ok: false; readonly code: 'email.invalid' };

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export async function requestRecovery(deps: SelfServiceDeps, tenant: Tenant, flow: Flow, email: string, context: RequestContext, locale: Locale): Promise<RecoveryRequested> {
  const address = normalizeAddress('email', email);
  if (!EMAIL_SHAPE.test(address) || address.length > 254) return { ok: false, code: 'email.invalid' };
  const refused = await reserveSend(deps, tenant.id, address, context);
  if (refused) return refused;
  const now = clock(deps);
  const identity = await deps.stores.identities.findByAddress(tenant.id, 'email', address);
  const owner = identity?.status === 'active' ? identity : undefined;
  return deps.transaction(async (stores) => {
    const sent = await composeCode(deps, stores, { tenant, flow, locale, linkPath: 'recovery', kind: 'recover_password', context }, { address, subjectId: owner?.id, sentCount: 0 }, { locale });
    await stores.flows.advance(tenant.id, flow.id, 'active', { state: 'active', payload: sent.payload }, now);
    // Only the audit log, which the requester never sees, tells an owned address from another.
    await stores.audit.append(auditOf(tenant.id, 'recovery.requested', owner?.id, context, { known: Boolean(owner) }));
    return { ok: true, address } as const;
  });
}

/** The typed code: the flow moves on to the new-password step. */
export async function confirmRecoveryCode(deps: SelfServiceDeps, tenant: Tenant, flow: Flow, code: string, context: RequestContext): Promise<{ readonly ok: true } | Refusal> {
  if (flow.state !== 'active') return { ok: false, code: 'code.invalid' };
  const checked = await checkCode(deps, flow, { code }, context);
  if (!checked.ok) return checked;
  const moved = await deps.stores.flows.advance(tenant.id, flow.id, 'active', { state: 'verified', payload: spent(flow.payload) }, clock(deps));
  return moved ? { ok: true } : { ok: false, code: 'code.invalid' };
}

/** Whether a link's token opens this flow's new-password step (checked again when the form comes back). */
export async function linkIsLive(deps: SelfServiceDeps, flow: Flow, token: string): Promise<boolean> {
  return flow.state === 'active' && tokenMatches(deps.codeKey, flow.id, secretOf(flow.payload), token, clock(deps)) && (await isLatestCode(deps, flow));
}

/**
 * A completed reset signs the owner in (SECURITY.md 7): `result` is whom the caller signs in, and
 * how (with the password just set, as a password sign-in says), and `deviceToken` what the browser
 * or app keeps, so that its next sign-ins are throttled on their own key whatever someone else
 * guesses meanwhile.
 */
type PasswordReset = { readonly ok: true; readonly address: string; readonly identityId: string; readonly result: AuthenticationResult; readonly deviceToken?: string | undefined } | Refusal | { readonly ok: false; readonly code: 'invalid'; readonly problems: readonly FieldProblem[] };

/**
 * Sets the new password of a flow whose code was typed (state verified), or whose link's `token`
 * comes with the form (state active). `deviceTokens` are those the browser or app holds already.
 */
export async function resetPassword(deps: SelfServiceDeps, tenant: Tenant, flow: Flow, password: string, context: RequestContext, token?: string, deviceTokens?: string, options: { readonly sameBrowser?: boolean } = {}): Promise<PasswordReset> {
  let from: 'active' | 'verified' = 'verified';
  let subjectId = flow.payload['subjectId'];
  if (token !== undefined) {
    const checked = await checkCode(deps, flow, { token }, context);
    if (!checked.ok) return checked;
    from = 'active';
    subjectId = checked.subjectId;
  }
  if (flow.state !== from || typeof subjectId !== 'string') return { ok: false, code: token !== undefined ? 'link.invalid' : 'code.invalid' };
  const address = String(flow.payload['address']);
  const problems = checkPasswordPolicy(password, { identifiers: [address] });
  if (problems.length === 0 && deps.breachedCheck && (await deps.breachedCheck(password)) === 'breached') {
    problems.push({ field: 'password', code: 'password.breached', message: 'This password has appeared in a data breach. Choose another one.' });
  }
  if (problems.length > 0) return { ok: false, code: 'invalid', problems };
  const hash = await hashPassword(password);
  const now = clock(deps);
  const locale = String(flow.payload['locale'] ?? 'en') as Locale;
  const done = await deps.transaction(async (stores) => {
    if (!(await stores.flows.advance(tenant.id, flow.id, from, { state: 'complete', payload: { ...spent(flow.payload), ...(options.sameBrowser ? { sameBrowser: true } : {}) }, identityId: subjectId }, now))) return undefined;
    const identity = await stores.identities.findById(tenant.id, subjectId);
    if (!identity || identity.status !== 'active') return undefined;
    const credential = await stores.identities.findCredential(tenant.id, 'password', address);
    if (credential && credential.identityId === identity.id) {
      await stores.identities.updateCredentialConfig(tenant.id, credential.id, { ...credential.config, hash }, now);
    } else {
      await stores.identities.addCredential(tenant.id, identity.id, { id: uuidv7(now), type: 'password', config: { hash }, identifiers: [address] }, now);
    }
    await stores.identities.markAddressVerified(tenant.id, identity.id, 'email', address, now);
    const ended = await browserSessionsOf(stores.oidcArtifacts, tenant.id, identity.id, now);
    const revokedArtifacts = await stores.oidcArtifacts.revokeByAccountId(tenant.id, identity.id);
    await stores.sessions.revokeAllOf(tenant.id, identity.id, now);
    await stores.audit.append(auditOf(tenant.id, 'recovery.succeeded', identity.id, context, { revokedArtifacts }));
    await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: identity.id, occurredAt: now }, { type: 'identity.password_changed', payload: { via: 'recovery' } });
    // Every session of theirs ended (SECURITY.md 10): subscribers hear it as any revocation.
    await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: identity.id, occurredAt: now }, { type: 'session.revoked', payload: { kind: 'all' } });
    // Every session ended with the reset: the applications signed in through them hear of it.
    await recordEndedSessions(stores.outbox, tenant.id, identity.id, ended, now);
    await queueMail(stores.mail, tenant, { tenantId: tenant.id, to: address, kind: 'password_changed', locale, params: {} }, now);
    return { signedUpAt: identity.createdAt };
  });
  if (!done) return { ok: false, code: token !== undefined ? 'link.invalid' : 'code.invalid' };
  // The owner proved control of the inbox: failed sign-ins no longer hold them back.
  await deps.throttle.reset(signInThrottleKeys(tenant.id, address, '').account);
  const deviceToken = deps.deviceKey ? rememberDevice(deps.deviceKey, tenant.id, address, deviceTokens, now) : undefined;
  const result = authenticatedBy(PASSWORD, subjectId);
  await recordSignIn(deps, tenant.id, result, context, { signedUpAt: done.signedUpAt, completesSignUp: false });
  return { ok: true, address, identityId: subjectId, result, deviceToken };
}
