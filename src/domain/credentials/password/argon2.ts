// Password hashing (SECURITY.md 5): new hashes are argon2id in the PHC string format, any argon2
// variant verifies (imported hashes), and a dummy verification gives unknown accounts the same cost
// as known ones (SECURITY.md 1).
import crypto from 'node:crypto';
import type { Argon2Algorithm } from 'node:crypto';

/** OWASP's argon2id setting: 19 MiB, 2 passes, 1 lane; a 16-byte salt and a 32-byte tag. */
export const CURRENT_ARGON2_PARAMETERS = {
  algorithm: 'argon2id',
  memory: 19456,
  passes: 2,
  parallelism: 1,
  saltLength: 16,
  tagLength: 32,
} as const;

type PasswordVerification = { readonly valid: boolean; readonly needsRehash: boolean };

type Argon2Hash = {
  algorithm: Argon2Algorithm;
  memory: number;
  passes: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
  associatedData?: Buffer;
};

// Only version 0x13 (v=19): it is the one every current library writes and the only one Node runs.
const PHC_PATTERN =
  /^\$(argon2id|argon2i|argon2d)\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})(?:,data=([A-Za-z0-9+/]+))?\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

// Ceilings for hashes we did not write: a hostile or corrupt imported hash must not make one
// sign-in allocate gigabytes or hold a thread-pool slot for minutes. They sit above any published
// recommendation (RFC 9106's largest is 2 GiB, one pass).
const LIMITS = { memory: 2 ** 21, passes: 64, parallelism: 64, saltBytes: [8, 64], tagBytes: [4, 128] } as const;

// Never matches anything (the result is discarded): it only gives the computation its shape.
const DUMMY_HASH: Argon2Hash = {
  algorithm: CURRENT_ARGON2_PARAMETERS.algorithm,
  memory: CURRENT_ARGON2_PARAMETERS.memory,
  passes: CURRENT_ARGON2_PARAMETERS.passes,
  parallelism: CURRENT_ARGON2_PARAMETERS.parallelism,
  salt: Buffer.from('foyer-dummy-salt', 'utf8'),
  hash: Buffer.alloc(CURRENT_ARGON2_PARAMETERS.tagLength),
};

/** Hashes a new password with the current parameters; returns a PHC string (`$argon2id$v=19$…`). */
export async function hashPassword(password: string): Promise<string> {
  const { algorithm, memory, passes, parallelism, saltLength, tagLength } = CURRENT_ARGON2_PARAMETERS;
  const salt = crypto.randomBytes(saltLength);
  const hash = await deriveKey({ algorithm, memory, passes, parallelism, salt, hash: Buffer.alloc(tagLength) }, password);
  return formatPhc({ algorithm, memory, passes, parallelism, salt, hash });
}

/**
 * Checks a password against a stored argon2 PHC string. `needsRehash` is only ever true together
 * with `valid` (rehashing needs the right password) and says the hash was made with another
 * algorithm or parameters than the current ones. Never throws: a malformed hash is not valid, and
 * costs one full hash like a real verification, so a bad row does not stand out by its timing.
 */
export async function verifyPassword(phc: string, password: string): Promise<PasswordVerification> {
  const stored = parsePhc(phc);
  if (!stored) {
    await verifyAgainstDummy(password);
    return { valid: false, needsRehash: false };
  }
  const valid = await matches(stored, password);
  return { valid, needsRehash: valid && !hasCurrentParameters(stored) };
}

/** The argon2 variant of a well-formed PHC string within the limits, or undefined (what an import accepts). */
export function argon2AlgorithmOf(phc: string): Argon2Algorithm | undefined {
  return parsePhc(phc)?.algorithm;
}

/**
 * One full verification with the current parameters against a fixed dummy hash; always false.
 * Sign-in calls it when the account does not exist, so that the answer takes as long as for an
 * account that does (SECURITY.md 1).
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await matches(DUMMY_HASH, password);
  return false;
}

async function matches(stored: Argon2Hash, password: string): Promise<boolean> {
  try {
    const derived = await deriveKey(stored, password);
    return crypto.timingSafeEqual(derived, stored.hash);
  } catch {
    // parsePhc keeps every parameter inside Node's accepted ranges, so this is not expected; a
    // verification must still answer "not valid" rather than fail the sign-in with a 500.
    return false;
  }
}

// The callback form runs on libuv's thread pool: the event loop keeps serving other requests
// while a hash is computed (the Sync form would stall the whole node for ~40 ms per sign-in).
function deriveKey(target: Argon2Hash, password: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.argon2(
      target.algorithm,
      {
        message: Buffer.from(normalizePassword(password), 'utf8'),
        nonce: target.salt,
        memory: target.memory,
        passes: target.passes,
        parallelism: target.parallelism,
        tagLength: target.hash.length,
        ...(target.associatedData ? { associatedData: target.associatedData } : {}),
      },
      (error, derivedKey) => (error ? reject(error) : resolve(derivedKey)),
    );
  });
}

/** NFKC (NIST SP 800-63B 5.1.1.2): the same password typed on another keyboard or OS hashes the same. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function hasCurrentParameters(stored: Argon2Hash): boolean {
  const current = CURRENT_ARGON2_PARAMETERS;
  return (
    stored.algorithm === current.algorithm &&
    stored.memory === current.memory &&
    stored.passes === current.passes &&
    stored.parallelism === current.parallelism &&
    stored.salt.length === current.saltLength &&
    stored.hash.length === current.tagLength &&
    stored.associatedData === undefined
  );
}

function parsePhc(phc: string): Argon2Hash | undefined {
  const match = PHC_PATTERN.exec(phc);
  if (!match) return undefined;
  const [, algorithm, memoryText, passesText, parallelismText, dataText, saltText, hashText] = match;
  const memory = Number(memoryText);
  const passes = Number(passesText);
  const parallelism = Number(parallelismText);
  const salt = decodeBase64(saltText);
  const hash = decodeBase64(hashText);
  const associatedData = dataText === undefined ? undefined : decodeBase64(dataText);
  if (!salt || !hash || (dataText !== undefined && !associatedData)) return undefined;
  const withinLimits =
    parallelism >= 1 &&
    parallelism <= LIMITS.parallelism &&
    passes >= 1 &&
    passes <= LIMITS.passes &&
    memory >= 8 * parallelism &&
    memory <= LIMITS.memory &&
    salt.length >= LIMITS.saltBytes[0] &&
    salt.length <= LIMITS.saltBytes[1] &&
    hash.length >= LIMITS.tagBytes[0] &&
    hash.length <= LIMITS.tagBytes[1];
  if (!withinLimits) return undefined;
  return {
    algorithm: algorithm as Argon2Algorithm,
    memory,
    passes,
    parallelism,
    salt,
    hash,
    ...(associatedData ? { associatedData } : {}),
  };
}

// PHC strings use standard base64 without padding. Buffer's decoder skips characters it does not
// know, so the value must re-encode to exactly the same text to count as well-formed.
function decodeBase64(text: string | undefined): Buffer | undefined {
  if (text === undefined) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return encodeBase64(bytes) === text ? bytes : undefined;
}

function encodeBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function formatPhc(value: Argon2Hash): string {
  const params = `m=${value.memory},t=${value.passes},p=${value.parallelism}`;
  return `$${value.algorithm}$v=19$${params}$${encodeBase64(value.salt)}$${encodeBase64(value.hash)}`;
}
