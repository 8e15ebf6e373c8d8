// Signing in without a password by an emailed one-time code or link (ADR 0031): the first factor is
// the inbox. The code (or the link's token) is checked by the same throttled code step as every
// emailed code (domain/self-service/code-steps.ts), and works once: its flow moves on atomically.
// A right code for an address that was not yet verified verifies it, since the inbox just proved
// itself, as after sign-up.
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

type EmailCodeInput = {
  /** The `email_sign_in` flow the code was sent for. */
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
  return {
    method: EMAIL_CODE,
    async authenticate(tenant, input, context) {
      const { flow } = input;
      const byLink = input.token !== undefined;
      const refused = { ok: false, code: byLink ? 'link.invalid' : 'code.invalid' } as const;
      if (flow.type !== 'email_sign_in' || flow.state !== 'active') return refused;
      const method = byLink ? EMAIL_LINK : EMAIL_CODE;
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
        if (!found.addresses.some((candidate) => candidate.kind === 'email' && candidate.value === address && candidate.verifiedAt !== null)) {
          await stores.identities.markAddressVerified(tenant.id, found.id, 'email', address, now);
          await stores.audit.append(auditOf(tenant.id, 'address.verified', found.id, context, { kind: 'email', via: byLink ? 'link' : 'code' }));
          await recordEvent(stores.outbox, { tenantId: tenant.id, aggregateId: found.id, occurredAt: now }, { type: 'identity.address_verified', payload: { kind: 'email' } });
        }
        await stores.audit.append(auditOf(tenant.id, 'signin.succeeded', found.id, context, { method: method.id }));
        return found;
      });
      if (!identity) return refused;
      const deviceToken = deps.deviceKey ? rememberDevice(deps.deviceKey, tenant.id, address, input.heldDeviceTokens, now) : undefined;
      return { ok: true, identity, result: authenticatedBy(method, identity.id), ...(deviceToken ? { deviceToken } : {}) };
    },
  };
}
