// The one place a stored password hash is checked (SECURITY.md 5): by its format, argon2 (what Foyer
// writes) or a legacy one an import brought in (legacy-hashes.ts). Sign-in and the account's
// "current password" both call it; a right password against anything but current argon2id says
// `needsRehash`, and the sign-in then stores argon2id in its place (password-sign-in.ts).
import { verifyAgainstDummy, verifyPassword as verifyArgon2 } from './argon2.ts';
import type { LegacyAlgorithm } from './legacy-hashes.ts';
import { legacyAlgorithmOf, verifyLegacyHash } from './legacy-hashes.ts';

export type StoredHashVerification = {
  readonly valid: boolean;
  readonly needsRehash: boolean;
  /** The legacy format the hash was in, when it was one. */
  readonly legacy?: LegacyAlgorithm | undefined;
};

/**
 * Never throws. A malformed or unknown hash is not valid and costs one argon2id computation. A
 * legacy hash also costs one more (against the dummy): a cheap one (a salted digest) would otherwise
 * tell an attacker by its timing which accounts were imported and not yet rehashed.
 */
export async function verifyPasswordHash(stored: string, password: string): Promise<StoredHashVerification> {
  const legacy = stored.startsWith('$argon2') ? undefined : legacyAlgorithmOf(stored);
  if (!legacy) return verifyArgon2(stored, password);
  const [valid] = await Promise.all([verifyLegacyHash(stored, password), verifyAgainstDummy(password)]);
  return { valid, needsRehash: valid, legacy };
}
