// The bundled list of the most common passwords, refused at sign-up and password change
// (SECURITY.md 3). The list is zxcvbn's (MIT, ~49,000 entries from leaked password corpora, all
// lower case), taken from the `@zxcvbn-ts/language-common` package rather than copied here.
import { createRequire } from 'node:module';
import { normalizePassword } from './argon2.ts';

type LanguageCommon = typeof import('@zxcvbn-ts/language-common');

let commonPasswords: ReadonlySet<string> | undefined;

/** True when the password, after NFKC and ignoring case, is on the list. */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= loadCommonPasswords();
  return commonPasswords.has(normalizePassword(password).toLowerCase());
}

// Loaded on first use, not at import: about 30 ms and a few MB that processes which never check a
// password (the CLI, migrations) should not pay. A synchronous require keeps the check synchronous.
function loadCommonPasswords(): ReadonlySet<string> {
  const require = createRequire(import.meta.url);
  const { dictionary } = require('@zxcvbn-ts/language-common') as LanguageCommon;
  return new Set(dictionary['passwords-common'].map((entry) => normalizePassword(entry).toLowerCase()));
}
