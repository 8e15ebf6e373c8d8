// Client ids and client secrets of confidential applications: how they are made, stored and checked.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../../lib/ids.ts';

const HASH_PREFIX = 'sha256:';
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/**
 * 128 random bits, URL-safe. Not a UUIDv7: a client id travels in URLs and front-channel requests,
 * and should not tell anyone when the application was created.
 */
export function generateClientId(): string {
  // An id that starts with "-" reads as an option on a command line (`--client-id -x…`), and one
  // in 32 base64url strings does: draw again (the rest keeps its 128 random bits).
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/** 256 random bits, base64url. Shown once to the operator; only its hash is kept. */
export function generateClientSecret(): string {
  return randomToken(32);
}

/**
 * A plain SHA-256 is the right hash here, unlike for passwords: the secret is random with 256 bits
 * of entropy, so there is nothing to guess and a slow hash would add no protection, while the token
 * endpoint must check thousands of client-credentials grants per second. The prefix names the
 * format so that another can follow without ambiguity.
 */
export function hashClientSecret(secret: string): string {
  return `${HASH_PREFIX}${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** Constant-time comparison; a malformed stored hash never verifies. */
export function verifyClientSecret(hash: string, presented: string): boolean {
  if (!HASH_PATTERN.test(hash)) return false;
  const expected = Buffer.from(hash.slice(HASH_PREFIX.length), 'hex');
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(expected, actual);
}
