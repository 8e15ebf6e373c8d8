// The authenticator-app second factor (RFC 6238 TOTP through `otpauth`): SHA-1, 6 digits, 30-second
// steps, as every authenticator app reads them. The secret is sealed at rest under the secret box,
// bound to its credential's row (SECURITY.md 27, 37); a code is accepted within one step either side
// of now, and only for a step later than the last one used, so a code seen over a shoulder or
// replayed from a log never works twice.
import { Secret, TOTP } from 'otpauth';
import type { AuthenticationMethod, Enrolment, SecondFactor } from '../authentication.ts';
import { MFA_ACR, withSecondFactor } from '../authentication.ts';
import type { SecondFactorDeps, ThrottledRefusal } from '../second-factor-deps.ts';
import { auditEnrolment, auditSecondFactor, countedAttempt } from '../second-factor-deps.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import type { Tenant } from '../../tenants/tenant.ts';
import type { Identity } from '../../identity/identity.ts';
import type { RequestContext } from '../../audit/audit.ts';

/** Something the customer has, proved by a one-time password (RFC 8176 `otp`): AAL2 beside a password. */
export const TOTP_METHOD: AuthenticationMethod = { id: 'totp', amr: ['otp'], acr: MFA_ACR, aal: 2 };

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Steps either side of now a code may come from: a phone's clock a little off, a code typed as it turned. */
const WINDOW = 1;
/** How long a customer has to scan the code and type the first one. */
const ENROLMENT_LIFETIME_MS = 15 * 60_000;

type TotpConfig = { readonly secret: string; readonly lastStep: number | null };

/** What the customer needs to set up their app: the key to type, the otpauth:// URI its QR code holds, and the sealed enrolment to post back. */
type TotpOffer = { readonly secret: string; readonly uri: string; readonly enrolment: string };
type TotpInput = { readonly code: string };
type TotpRefusal = { readonly ok: false; readonly code: 'mfa.code_invalid' } | ThrottledRefusal;
type EnrolmentRefusal = TotpRefusal | { readonly ok: false; readonly code: 'mfa.enrolment_expired' | 'mfa.already_enrolled' };

export type TotpSecondFactor = SecondFactor<TotpInput, TotpRefusal>;
export type TotpEnrolment = Enrolment<TotpOffer, TotpInput & { readonly enrolment: string }, EnrolmentRefusal>;

function totpOf(secret: string, label = ''): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, label, issuer: '' });
}

/** The step (counter) of the live code `code` matches at `now`, if it matches one later than `lastStep`. */
export function matchingStep(secret: string, code: string, now: number, lastStep: number | null): number | undefined {
  const token = code.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totpOf(secret).validate({ token, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  const step = Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  return lastStep !== null && step <= lastStep ? undefined : step;
}

function sealContext(tenantId: string, credentialId: string): string {
  return `totp:${tenantId}:${credentialId}`;
}

function enrolmentContext(tenantId: string, identityId: string): string {
  return `totp-enrolment:${tenantId}:${identityId}`;
}

async function totpCredentialOf(deps: SecondFactorDeps, tenantId: string, identityId: string) {
  return (await deps.identities.listCredentials(tenantId, identityId)).find((credential) => credential.type === 'totp');
}

export function createTotpSecondFactor(deps: SecondFactorDeps): TotpSecondFactor {
  const clock = deps.now ?? Date.now;
  return {
    method: TOTP_METHOD,
    async enrolled(tenant, identityId) {
      return (await totpCredentialOf(deps, tenant.id, identityId)) !== undefined;
    },
    async verify(tenant, first, input, context) {
      const identityId = first.identityId;
      const outcome = await countedAttempt(deps, tenant.id, identityId, context, async () => {
        const credential = await totpCredentialOf(deps, tenant.id, identityId);
        if (!credential) return { ok: false, code: 'mfa.code_invalid' } as const;
        const config = credential.config as TotpConfig;
        const now = clock();
        const step = matchingStep(deps.secretBox.open(config.secret, sealContext(tenant.id, credential.id)), input.code, now, config.lastStep);
        // Recorded only if no other request used this step or a later one meanwhile (compare and set).
        const used = step !== undefined && (await deps.identities.updateCredentialConfigIf(tenant.id, credential.id, credential.updatedAt, { ...config, lastStep: step }, Math.max(now, credential.updatedAt + 1)));
        return used ? ({ ok: true } as const) : ({ ok: false, code: 'mfa.code_invalid' } as const);
      });
      await auditSecondFactor(deps, tenant.id, identityId, context, TOTP_METHOD.id, outcome.ok ? 'success' : 'failure', outcome.ok ? {} : { reason: outcome.code });
      return outcome.ok ? { ok: true, result: withSecondFactor(first, TOTP_METHOD) } : outcome;
    },
  };
}

/** The secret of a live enrolment sealed for this customer, or undefined (tampered, another customer's, expired). */
function openEnrolment(deps: SecondFactorDeps, tenantId: string, identityId: string, sealed: string, now: number): string | undefined {
  try {
    const offered = JSON.parse(deps.secretBox.open(sealed, enrolmentContext(tenantId, identityId))) as { secret?: unknown; expiresAt?: unknown };
    return typeof offered.secret === 'string' && typeof offered.expiresAt === 'number' && offered.expiresAt > now ? offered.secret : undefined;
  } catch {
    return undefined;
  }
}

export function createTotpEnrolment(deps: SecondFactorDeps): TotpEnrolment {
  const clock = deps.now ?? Date.now;
  return {
    method: TOTP_METHOD,
    async begin(tenant: Tenant, identity: Identity, now: number, resume?: string) {
      const resumed = resume === undefined ? undefined : openEnrolment(deps, tenant.id, identity.id, resume, now);
      const secret = resumed ?? new Secret({ size: 20 }).base32;
      const account = typeof identity.traits['email'] === 'string' ? identity.traits['email'] : identity.id;
      const issuer = tenant.settings.branding?.name ?? tenant.name;
      const uri = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, label: account, issuer }).toString();
      const enrolment = resumed !== undefined ? resume! : deps.secretBox.seal(JSON.stringify({ secret, expiresAt: now + ENROLMENT_LIFETIME_MS }), enrolmentContext(tenant.id, identity.id));
      return { secret, uri, enrolment };
    },
    async complete(tenant: Tenant, identityId: string, input, context: RequestContext) {
      const secret = openEnrolment(deps, tenant.id, identityId, input.enrolment, clock());
      if (secret === undefined) return { ok: false, code: 'mfa.enrolment_expired' };
      const outcome = await countedAttempt(deps, tenant.id, identityId, context, async () => {
        const step = matchingStep(secret, input.code, clock(), null);
        return step === undefined ? ({ ok: false, code: 'mfa.code_invalid' } as const) : ({ ok: true, step } as const);
      });
      if (!outcome.ok) return outcome;
      if (await totpCredentialOf(deps, tenant.id, identityId)) return { ok: false, code: 'mfa.already_enrolled' };
      const now = clock();
      const id = uuidv7(now);
      const config: TotpConfig = { secret: deps.secretBox.seal(secret, sealContext(tenant.id, id)), lastStep: outcome.step };
      await deps.identities.addCredential(tenant.id, identityId, { id, type: 'totp', config, identifiers: [] }, now);
      await auditEnrolment(deps, tenant.id, identityId, context, 'mfa.enrolled', TOTP_METHOD.id);
      return { ok: true };
    },
  };
}
