// The code a second factor sends to the customer (emailed by email-otp, texted by sms), kept in the
// factor's credential until it is used: six digits, sealed with the secret box under a context
// that names the factor and the credential, with an expiry. Issuing a code replaces the last one in
// the config, so only the latest works; using one clears it by compare-and-set on the credential's
// updated_at, so it works once even when two requests race. How many codes may be sent, and where
// to, stays with each factor; typed codes are counted by the caller (countedAttempt).
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { SecretBox } from '../keys/secret-box.port.ts';

/** A sent code lives ten minutes. */
export const SENT_CODE_LIFETIME_MS = 10 * 60_000;

/** A credential's config while a code is out: `pending` holds it, sealed. */
type WithPendingCode = { readonly pending?: { readonly code: string; readonly expiresAt: number } | undefined };

/** The credential as read back (its config, and the updated_at every change moves forward). */
type SendingCredential = { readonly id: string; readonly config: Readonly<Record<string, unknown>>; readonly updatedAt: number };

export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Whether `given` (typed, spaces and dashes allowed) is `expected`, in constant time. */
export function sameCode(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given.replace(/[\s-]/g, ''));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The sent codes of one kind of factor; `factor` names it in the seal context (`email-otp`, `sms`). */
export function sentCodes(deps: { readonly secretBox: SecretBox }, factor: string) {
  const sealContext = (tenantId: string, credentialId: string) => `${factor}:${tenantId}:${credentialId}`;
  return {
    /**
     * A fresh code for the credential: the code to send, and `save`, which writes it into the
     * credential's config (`kept`, the factor's own settings, beside it) through the store of the
     * transaction that also queues the message.
     */
    issue(tenantId: string, credential: SendingCredential, kept: Readonly<Record<string, unknown>>, now: number) {
      const code = newCode();
      const config: WithPendingCode = { ...kept, pending: { code: deps.secretBox.seal(code, sealContext(tenantId, credential.id)), expiresAt: now + SENT_CODE_LIFETIME_MS } };
      // Always a later updated_at: a check that read the previous code then fails its compare-and-set.
      const save = (identities: IdentityStore) => identities.updateCredentialConfig(tenantId, credential.id, config, Math.max(now, credential.updatedAt + 1));
      return { code, save };
    },
    /** Whether `given` is the credential's live code; if so it is spent (cleared from the config), unless another request spent it first. */
    async use(identities: IdentityStore, tenantId: string, credential: SendingCredential | undefined, given: string, now: number): Promise<boolean> {
      const { pending, ...kept } = (credential?.config ?? {}) as WithPendingCode & Record<string, unknown>;
      if (!credential || !pending || pending.expiresAt <= now) return false;
      if (!sameCode(deps.secretBox.open(pending.code, sealContext(tenantId, credential.id)), given)) return false;
      return identities.updateCredentialConfigIf(tenantId, credential.id, credential.updatedAt, kept, Math.max(now, credential.updatedAt + 1));
    },
  };
}
