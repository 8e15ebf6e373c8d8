// Recovery codes: ten single-use codes the customer keeps on paper for the day their phone is lost
// (SECURITY.md 37). Each has 50 random bits (ten characters of a 32-letter alphabet without look-alikes);
// only their SHA-256 is stored, which is enough for secrets this random that are also throttled
// like every code (no slow hash needed). They are shown once, when made; making new ones voids the old.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { AuthenticationMethod, SecondFactor } from '../authentication.ts';
import { MFA_ACR, withSecondFactor } from '../authentication.ts';
import type { SecondFactorDeps, ThrottledRefusal } from '../second-factor-deps.ts';
import { auditEnrolment, auditSecondFactor, countedAttempt } from '../second-factor-deps.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import type { RequestContext } from '../../audit/audit.ts';

/** A look-up secret (NIST SP 800-63B 5.1.2), a one-time password as RFC 8176 names it. */
export const RECOVERY_CODE_METHOD: AuthenticationMethod = { id: 'recovery_code', amr: ['otp'], acr: MFA_ACR, aal: 2 };

const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const CODE_LENGTH = 10;

type StoredCode = { readonly hash: string; readonly usedAt: number | null };
type RecoveryCodesConfig = { readonly codes: readonly StoredCode[] };

type RecoveryCodeRefusal = { readonly ok: false; readonly code: 'mfa.code_invalid' } | ThrottledRefusal;
export type RecoveryCodeSecondFactor = SecondFactor<{ readonly code: string }, RecoveryCodeRefusal>;

function hashOf(code: string): string {
  return createHash('sha256').update(normalized(code)).digest('base64url');
}

/** As typed or printed: case, spaces and dashes do not matter. */
function normalized(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function newCode(): string {
  let code = '';
  for (let index = 0; index < CODE_LENGTH; index += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

async function recoveryCredentialOf(deps: Pick<SecondFactorDeps, 'identities'>, tenantId: string, identityId: string) {
  return (await deps.identities.listCredentials(tenantId, identityId)).find((credential) => credential.type === 'recovery_codes');
}

/** How many unused codes the customer has left (undefined: none were ever made). */
async function recoveryCodesLeft(deps: Pick<SecondFactorDeps, 'identities'>, tenantId: string, identityId: string): Promise<number | undefined> {
  const credential = await recoveryCredentialOf(deps, tenantId, identityId);
  return credential ? (credential.config as RecoveryCodesConfig).codes.filter((code) => code.usedAt === null).length : undefined;
}

/**
 * Ten new codes for the customer, replacing any they had (the old ones stop working). Returned once,
 * in clear, for the page to show; only their hashes are kept.
 */
export async function generateRecoveryCodes(deps: Pick<SecondFactorDeps, 'identities' | 'audit' | 'now'>, tenantId: string, identityId: string, context: RequestContext): Promise<string[]> {
  const now = (deps.now ?? Date.now)();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const config: RecoveryCodesConfig = { codes: codes.map((code) => ({ hash: hashOf(code), usedAt: null })) };
  const existing = await recoveryCredentialOf(deps, tenantId, identityId);
  if (existing) await deps.identities.updateCredentialConfig(tenantId, existing.id, config, now);
  else await deps.identities.addCredential(tenantId, identityId, { id: uuidv7(now), type: 'recovery_codes', config, identifiers: [] }, now);
  await auditEnrolment(deps, tenantId, identityId, context, 'mfa.recovery_codes_generated', RECOVERY_CODE_METHOD.id);
  return codes;
}

export function createRecoveryCodeSecondFactor(deps: SecondFactorDeps): RecoveryCodeSecondFactor {
  const clock = deps.now ?? Date.now;
  return {
    method: RECOVERY_CODE_METHOD,
    async enrolled(tenant, identityId) {
      return ((await recoveryCodesLeft(deps, tenant.id, identityId)) ?? 0) > 0;
    },
    async verify(tenant, first, input, context) {
      const identityId = first.identityId;
      const outcome = await countedAttempt(deps, tenant.id, identityId, context, async () => {
        const credential = await recoveryCredentialOf(deps, tenant.id, identityId);
        if (!credential) return { ok: false, code: 'mfa.code_invalid' } as const;
        const config = credential.config as RecoveryCodesConfig;
        const given = Buffer.from(hashOf(input.code));
        const index = config.codes.findIndex((code) => code.usedAt === null && code.hash.length === given.length && timingSafeEqual(Buffer.from(code.hash), given));
        if (index < 0) return { ok: false, code: 'mfa.code_invalid' } as const;
        const now = clock();
        const codes = config.codes.map((code, position) => (position === index ? { ...code, usedAt: now } : code));
        // Used once: a second request with the same code at the same moment loses the compare and set.
        const used = await deps.identities.updateCredentialConfigIf(tenant.id, credential.id, credential.updatedAt, { codes }, Math.max(now, credential.updatedAt + 1));
        return used ? ({ ok: true, left: codes.filter((code) => code.usedAt === null).length } as const) : ({ ok: false, code: 'mfa.code_invalid' } as const);
      });
      await auditSecondFactor(deps, tenant.id, identityId, context, RECOVERY_CODE_METHOD.id, outcome.ok ? 'success' : 'failure', outcome.ok ? { left: outcome.left } : { reason: outcome.code });
      return outcome.ok ? { ok: true, result: withSecondFactor(first, RECOVERY_CODE_METHOD) } : outcome;
    },
  };
}
