// Signing in without a password by a one-time code sent by email (or its link), or by text message
// (ADR 0031): the first factor is the inbox, or the phone. The code (or the link's token) is checked by the same throttled code step as every
// emailed code (domain/self-service/code-steps.ts), and works once: its flow moves on atomically.
// A right code for an address that was not yet verified verifies it, since the inbox (or the phone)
// just proved itself, as after sign-up.
import type { AuthenticationMethod, FirstFactor } from '../authentication.ts';
import { authenticatedBy } from '../authentication.ts';
import type { Flow } from '../../flows/flow.ts';
import type { Identity } from '../../identity/identity.ts';
import type { Refusal, SelfServiceDeps } from '../../self-service/code-steps.ts';
import { auditOf, checkCode, clock, spent } from '../../self-service/code-steps.ts';
import { rememberDevice } from '../../flows/device-token.ts';
import { recordEvent } from '../../events/record-event.ts';

/**
 * The class of a sign-in by the inbox alone: one factor (AAL1), not a password. RFC 8176 has no
 * value for "a code sent by email"; `otp` (a one-time password) is the nearest registered one, and
 * the class and the audit log's method tell code and link apart.
 */
const EMAIL_ACR = 'urn:foyer:acr:email';
export const EMAIL_CODE: AuthenticationMethod = { id: 'email_code', amr: ['otp'], acr: EMAIL_ACR, aal: 1 };
export const EMAIL_LINK: AuthenticationMethod = { id: 'email_link', amr: ['otp'], acr: EMAIL_ACR, aal: 1 };
/** A sign-in by a code texted to the customer's phone number (RFC 8176 `sms`): one factor. */
export const SMS_CODE: AuthenticationMethod = { id: 'sms_code', amr: ['sms'], acr: 'urn:foyer:acr:sms', aal: 1 };

/** Where the code went: the flow type that holds it, the kind of address it proves, and the methods it completes. */
type Channel = { readonly flowType: 'email_sign_in' | 'sms_sign_in'; readonly addressKind: 'email' | 'phone'; readonly code: AuthenticationMethod; readonly link?: AuthenticationMethod };

type EmailCodeInput = {
  /** The `email_sign_in` (or `sms_sign_in`) flow the code was sent for. */
  readonly flow: Flow;
  readonly code?: string | undefined;
  /** The link's token, instead of a code. */
  readonly token?: string | undefined;
  /** Device tokens the browser or app holds already. */
  readonly heldDeviceTokens?: string | undefined;
  /**
   * A link opened in the browser that asked for it: the flow is left `verified`, for that
   * browser's sign-in to finish (continueEmailSignIn), instead of `complete`.
   */
  readonly forBrowser?: boolean | undefined;
};

export type EmailCodeFirstFactor = FirstFactor<EmailCodeInput, Refusal>;

export function createEmailCodeFirstFactor(deps: SelfServiceDeps): EmailCodeFirstFactor {
  return createCodeFirstFactor(deps, { flowType: 'email_sign_in', addressKind: 'email', code: EMAIL_CODE, link: EMAIL_LINK });
}

/** Sign-in by a texted code: the same steps, with no link, proving a phone number. */
export function createSmsCodeFirstFactor(deps: SelfServiceDeps): EmailCodeFirstFactor {
  return createCodeFirstFactor(deps, { flowType: 'sms_sign_in', addressKind: 'phone', code: SMS_CODE });
}

function createCodeFirstFactor(deps: SelfServiceDeps, channel: Channel): EmailCodeFirstFactor {
  return {
    method: channel.code,
    async authenticate(tenant, input, context) {
      const { flow } = input;
      const byLink = input.token !== undefined;
      const refused = { ok: false, code: byLink ? 'link.invalid' : 'code.invalid' } as const;
      if (flow.type !== channel.flowType || flow.state !== 'active' || (byLink && !channel.link)) return refused;
      const method = byLink && channel.link ? channel.link : channel.code;
      const subjectId = flow.payload['subjectId'];
      const checked = await checkCode(deps, flow, byLink ? { token: input.token } : { code: input.code ?? '' }, context);
      if (!checked.ok) {
        // A wrong code for an account is a failed sign-in in its log; an address nobody owns has no log.
        if (checked.code !== 'code.throttled' && typeof subjectId === 'string') await deps.transaction(async (stores) => stores.audit.append(auditOf(tenant.id, 'signin.failed', subjectId, context, { method: method.id, reason: 'wrong_code' }, 'failure')));
        return checked;
      }
      const now = clock(deps);
      const address = String(flow.payload['address']);
      const identity = await deps.transaction(async (stores): Promise<Identity | undefined> => {
        const to = input.forBrowser ? 'verified' : 'complete';
        const payload = { ...spent(flow.payload), method: method.id, ...(input.forBrowser ? { sameBrowser: true } : {}) };
        if (!(await stores.flows.advance(tenant.id, flow.id, 'active', { state: to, payload, identityId: checked.subjectId }, now))) return undefined;
        const found = await stores.identities.findById(tenant.id, checked.subjectId);
        if (!found || found.status !== 'active') {
          await stores.audit.append(auditOf(tenant.id, 'signin.failed', checked.subjectId, context, { method: method.id, reason: 'blocked' }, 'failure'));
          return undefined;
        }
        const kind = channel.addressKind;
        if (!found.addresses.some((candidate) => candidate.kind === kind && candidate.value === address && candidate.verifiedAt !== null)) {
          await stores.identities.markAddressVerified(tenant.id, found.id, kind, address, now);
          await stores.audit.append(auditOf(tenant.id, 'address.verified', found.id, context, { kind, via: byLink ? 'link' : 'code' }));
          if (kind === 'email') await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: found.id, occurredAt: now }, { type: 'identity.address_verified', payload: { kind: 'email' } });
          await stores.audit.append(auditOf(tenant.id, 'signin.succeeded', found.id, context, { method: method.id }));
          return (await stores.identities.findById(tenant.id, found.id)) ?? found;
        }
        await stores.audit.append(auditOf(tenant.id, 'signin.succeeded', found.id, context, { method: method.id }));
        return found;
      });
      if (!identity) return refused;
      // Device tokens are keyed by the account's sign-in email (the password throttle's identifier).
      const email = channel.addressKind === 'email' ? address : typeof identity.traits['email'] === 'string' ? identity.traits['email'].trim().toLowerCase() : undefined;
      const deviceToken = deps.deviceKey && email ? rememberDevice(deps.deviceKey, tenant.id, email, input.heldDeviceTokens, now) : undefined;
      return { ok: true, identity, result: authenticatedBy(method, identity.id), ...(deviceToken ? { deviceToken } : {}) };
    },
  };
}
