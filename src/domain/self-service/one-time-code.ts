// One-time codes and links for verification and recovery (SECURITY.md 8, 11): a 6-digit code to
// type and a 256-bit token to click, both bound to one flow, stored only as keyed hashes, valid for
// 15 minutes and once. The hash is an HMAC under a key derived from the master secret, so a leaked
// database does not let anyone try the million codes offline.
import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../../lib/ids.ts';

export const CODE_LIFETIME_MS = 15 * 60_000;
const CODE_DIGITS = 6;

/** The secret half of what was sent, as a flow's payload keeps it. */
export type CodeSecret = {
  readonly codeHash: string;
  readonly tokenHash: string;
  readonly codeExpiresAt: number;
};

type IssuedCode = { readonly code: string; readonly token: string; readonly secret: CodeSecret };

/** The HMAC key for codes, derived once from the master secret. */
export function codeKeyOf(masterSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterSecret, 'foyer-one-time-codes', 'code-hmac', 32));
}

export function issueCode(key: Buffer, flowId: string, now: number): IssuedCode {
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  const token = randomToken(32);
  return { code, token, secret: { codeHash: digest(key, flowId, 'code', code), tokenHash: digest(key, flowId, 'link', token), codeExpiresAt: now + CODE_LIFETIME_MS } };
}

/**
 * A secret no code or token matches: flows that must look like real ones (an email nobody owns, an
 * email already taken at sign-up) carry one, so they take the same steps and never succeed.
 */
export function unmatchable(secret: CodeSecret): CodeSecret {
  return { ...secret, codeHash: '', tokenHash: '' };
}

/** Whether `given` (a typed code, spaces and dashes allowed) is the live code of this flow. */
export function codeMatches(key: Buffer, flowId: string, secret: CodeSecret | undefined, given: string, now: number): boolean {
  const code = given.replace(/[\s-]/g, '');
  if (!secret || secret.codeExpiresAt <= now || !/^\d{6}$/.test(code)) return false;
  return sameDigest(secret.codeHash, digest(key, flowId, 'code', code));
}

/** Whether `given` is the live link token of this flow. */
export function tokenMatches(key: Buffer, flowId: string, secret: CodeSecret | undefined, given: string, now: number): boolean {
  if (!secret || secret.codeExpiresAt <= now || given.length < 32 || given.length > 64) return false;
  return sameDigest(secret.tokenHash, digest(key, flowId, 'link', given));
}

/** The secret part of a flow payload, when it holds one. */
export function secretOf(payload: Readonly<Record<string, unknown>>): CodeSecret | undefined {
  const { codeHash, tokenHash, codeExpiresAt } = payload;
  return typeof codeHash === 'string' && typeof tokenHash === 'string' && typeof codeExpiresAt === 'number' ? { codeHash, tokenHash, codeExpiresAt } : undefined;
}

function digest(key: Buffer, flowId: string, purpose: 'code' | 'link', value: string): string {
  return createHmac('sha256', key).update(`${purpose}\0${flowId}\0${value}`).digest('base64url');
}

function sameDigest(stored: string, computed: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(computed);
  // An unmatchable secret stores '', which never has the length of a digest.
  return a.length === b.length && timingSafeEqual(a, b);
}
