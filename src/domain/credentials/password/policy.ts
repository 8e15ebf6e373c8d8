// The password policy (SECURITY.md 2, 3; NIST SP 800-63B 5.1.1.2): length bounds, the common
// passwords list and the customer's own identifiers. No composition rules and no truncation: they
// push people to predictable patterns without making passwords harder to guess.
import type { FieldProblem } from '../../errors.ts';
import { normalizePassword } from './argon2.ts';
import { isCommonPassword } from './common-passwords.ts';

type PasswordPolicyContext = {
  /** Raises the minimum length; values below the floor of 8 are ignored. */
  minLength?: number;
  /** The customer's identifiers (email, user name, phone), which must not appear in the password. */
  identifiers?: string[];
};

export const PASSWORD_MIN_LENGTH = 8;
// Long enough for any passphrase, short enough that nobody hashes a megabyte per request.
export const PASSWORD_MAX_LENGTH = 1024;
// A shorter identifier part (like "jo" in jo@example.com) appears in too many good passwords.
const MIN_IDENTIFIER_PART_LENGTH = 4;

/**
 * Every way the password breaks the policy, all at once so a form can show them together; an empty
 * list means it is acceptable. Lengths are counted in Unicode code points after NFKC, the form the
 * password is hashed in.
 */
export function checkPasswordPolicy(password: string, context: PasswordPolicyContext): FieldProblem[] {
  const normalized = normalizePassword(password);
  const length = countCodePoints(normalized);
  const minLength = Math.max(PASSWORD_MIN_LENGTH, context.minLength ?? PASSWORD_MIN_LENGTH);
  const problems: FieldProblem[] = [];
  if (length < minLength) {
    problems.push(problem('password.too_short', `Use at least ${minLength} characters; a few unrelated words make a strong password.`, { min: minLength }));
  }
  if (length > PASSWORD_MAX_LENGTH) {
    problems.push(problem('password.too_long', `Use at most ${PASSWORD_MAX_LENGTH} characters.`, { max: PASSWORD_MAX_LENGTH }));
  }
  if (isCommonPassword(normalized)) {
    problems.push(problem('password.too_common', 'This password is one of the most common ones and easy to guess: choose another one.'));
  }
  if (containsIdentifier(normalized, context.identifiers ?? [])) {
    problems.push(
      problem('password.contains_identifier', 'Do not use your email address or user name in your password: choose something unrelated.'),
    );
  }
  return problems;
}

function containsIdentifier(normalizedPassword: string, identifiers: string[]): boolean {
  const haystack = normalizedPassword.toLowerCase();
  return identifiers.flatMap(identifierParts).some((part) => haystack.includes(part));
}

// The whole identifier, and for an email also its local part ("jane.doe" in jane.doe@example.com),
// each only when long enough to be meaningful.
function identifierParts(identifier: string): string[] {
  const whole = normalizePassword(identifier.trim()).toLowerCase();
  const at = whole.lastIndexOf('@');
  const parts = at > 0 ? [whole, whole.slice(0, at)] : [whole];
  return parts.filter((part) => countCodePoints(part) >= MIN_IDENTIFIER_PART_LENGTH);
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function problem(code: string, message: string, params?: Record<string, number>): FieldProblem {
  return { field: 'password', code, message, ...(params ? { params } : {}) };
}
