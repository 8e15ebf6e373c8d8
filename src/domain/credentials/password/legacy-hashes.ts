// Password hashes made by other systems (issue 18): what an import brings in, kept as given until
// the customer's first sign-in with the right password replaces it by argon2id (password-hash.ts).
// Each is stored as one self-describing string, so the sign-in needs nothing but the credential:
//
//   bcrypt            $2a$ / $2b$ / $2y$<cost>$<salt and hash>            (as bcrypt writes it)
//   scrypt            $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>
//   Firebase scrypt   $firebase-scrypt$ln=<mem cost>,r=<rounds>$<salt>$<salt separator>$<signer key>$<hash>
//   PBKDF2            $pbkdf2-sha1|sha256|sha512$i=<iterations>$<salt>$<hash>
//   salted digests    $weak-md5|weak-sha1|weak-sha256$<salt-first|password-first>$<salt>$<hash>   (weak: one fast digest)
//
// (salts and hashes in base64 without padding; the hash's length is the key length). Parameters
// are bounded: a hostile or corrupt import must not make one sign-in take gigabytes or minutes.
import crypto from 'node:crypto';
import { bcryptMatches } from './bcrypt-off-thread.ts';

export type LegacyAlgorithm = 'bcrypt' | 'scrypt' | 'firebase-scrypt' | 'pbkdf2-sha1' | 'pbkdf2-sha256' | 'pbkdf2-sha512' | 'weak-md5' | 'weak-sha1' | 'weak-sha256';

type Digest = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** A stored legacy hash, parsed: enough to verify a password against it. */
type LegacyHash =
  | { readonly algorithm: 'bcrypt'; readonly text: string }
  | { readonly algorithm: 'scrypt'; readonly logN: number; readonly r: number; readonly p: number; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly algorithm: 'firebase-scrypt'; readonly memCost: number; readonly rounds: number; readonly salt: Buffer; readonly separator: Buffer; readonly signerKey: Buffer; readonly hash: Buffer }
  | { readonly algorithm: `pbkdf2-${'sha1' | 'sha256' | 'sha512'}`; readonly iterations: number; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly algorithm: `weak-${'md5' | 'sha1' | 'sha256'}`; readonly saltFirst: boolean; readonly salt: Buffer; readonly hash: Buffer };

const LIMITS = {
  bcryptCost: [4, 15],
  scryptMemoryBytes: 256 * 1024 * 1024,
  scryptLogN: [1, 22],
  scryptR: [1, 64],
  scryptP: [1, 16],
  pbkdf2Iterations: [1, 10_000_000],
  saltBytes: [0, 256],
  hashBytes: [16, 128],
} as const;

const BCRYPT_PATTERN = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const B64 = '[A-Za-z0-9+/]*';
const SCRYPT_PATTERN = new RegExp(`^\\$scrypt\\$ln=(\\d{1,2}),r=(\\d{1,3}),p=(\\d{1,3})\\$(${B64})\\$(${B64})$`);
const FIREBASE_PATTERN = new RegExp(`^\\$firebase-scrypt\\$ln=(\\d{1,2}),r=(\\d{1,3})\\$(${B64})\\$(${B64})\\$(${B64})\\$(${B64})$`);
const PBKDF2_PATTERN = new RegExp(`^\\$pbkdf2-(sha1|sha256|sha512)\\$i=(\\d{1,9})\\$(${B64})\\$(${B64})$`);
const WEAK_PATTERN = new RegExp(`^\\$weak-(md5|sha1|sha256)\\$(salt-first|password-first)\\$(${B64})\\$(${B64})$`);

const DIGEST_BYTES: Readonly<Record<Digest, number>> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

/** Whether the stored string is one of the formats above (well formed and within bounds). */
export function legacyAlgorithmOf(stored: string): LegacyAlgorithm | undefined {
  return parseLegacyHash(stored)?.algorithm;
}

/** True when the password matches; false for a wrong password or a string that is not a legacy hash. Never throws. */
export async function verifyLegacyHash(stored: string, password: string): Promise<boolean> {
  const parsed = parseLegacyHash(stored);
  if (!parsed) return false;
  try {
    // As the other system hashed it: not NFKC-normalised (argon2.ts), which it may not have done.
    return await matches(parsed, password);
  } catch {
    return false;
  }
}

/** Legacy hashes are cheaper than argon2id to guess against: the weak ones by far. */
export function isWeakAlgorithm(algorithm: LegacyAlgorithm): boolean {
  return algorithm.startsWith('weak-');
}

async function matches(stored: LegacyHash, password: string): Promise<boolean> {
  switch (stored.algorithm) {
    case 'bcrypt':
      return bcryptMatches(password, stored.text);
    case 'scrypt':
      return equal(await scrypt(Buffer.from(password, 'utf8'), stored.salt, stored.hash.length, 2 ** stored.logN, stored.r, stored.p), stored.hash);
    case 'firebase-scrypt': {
      // Firebase's variant: scrypt of the password with salt + separator keys AES-256-CTR (zero IV),
      // which encrypts the project's signer key; the ciphertext is the stored hash.
      const key = await scrypt(Buffer.from(password, 'utf8'), Buffer.concat([stored.salt, stored.separator]), 64, 2 ** stored.memCost, stored.rounds, 1);
      const cipher = crypto.createCipheriv('aes-256-ctr', key.subarray(0, 32), Buffer.alloc(16));
      return equal(Buffer.concat([cipher.update(stored.signerKey), cipher.final()]), stored.hash);
    }
    case 'pbkdf2-sha1':
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512': {
      const digest = stored.algorithm.slice('pbkdf2-'.length);
      return equal(await pbkdf2(Buffer.from(password, 'utf8'), stored.salt, stored.iterations, stored.hash.length, digest), stored.hash);
    }
    case 'weak-md5':
    case 'weak-sha1':
    case 'weak-sha256': {
      const digest = stored.algorithm.slice('weak-'.length);
      const secret = Buffer.from(password, 'utf8');
      return equal(crypto.createHash(digest).update(stored.saltFirst ? Buffer.concat([stored.salt, secret]) : Buffer.concat([secret, stored.salt])).digest(), stored.hash);
    }
  }
}

function equal(derived: Buffer, expected: Buffer): boolean {
  return derived.length === expected.length && crypto.timingSafeEqual(derived, expected);
}

// The callback forms run on libuv's thread pool, as argon2 does (argon2.ts).
function scrypt(password: Buffer, salt: Buffer, length: number, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password, salt, length, { N, r, p, maxmem: LIMITS.scryptMemoryBytes + 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function pbkdf2(password: Buffer, salt: Buffer, iterations: number, length: number, digest: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.pbkdf2(password, salt, iterations, length, digest, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function parseLegacyHash(stored: string): LegacyHash | undefined {
  if (stored.startsWith('$2')) {
    const match = BCRYPT_PATTERN.exec(stored);
    return match && within(Number(match[1]), LIMITS.bcryptCost) ? { algorithm: 'bcrypt', text: stored } : undefined;
  }
  let match = SCRYPT_PATTERN.exec(stored);
  if (match) {
    const [logN, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const salt = decodeBase64(match[4]!);
    const hash = decodeBase64(match[5]!);
    if (!salt || !hash || !scryptWithin(logN, r, p) || !within(salt.length, LIMITS.saltBytes) || !within(hash.length, LIMITS.hashBytes)) return undefined;
    return { algorithm: 'scrypt', logN, r, p, salt, hash };
  }
  match = FIREBASE_PATTERN.exec(stored);
  if (match) {
    const [memCost, rounds] = [Number(match[1]), Number(match[2])];
    const [salt, separator, signerKey, hash] = [match[3], match[4], match[5], match[6]].map((text) => decodeBase64(text!));
    if (!salt || !separator || !signerKey || !hash || !scryptWithin(memCost, rounds, 1) || signerKey.length === 0 || hash.length !== signerKey.length) return undefined;
    if (!within(salt.length, LIMITS.saltBytes) || !within(hash.length, LIMITS.hashBytes)) return undefined;
    return { algorithm: 'firebase-scrypt', memCost, rounds, salt, separator, signerKey, hash };
  }
  match = PBKDF2_PATTERN.exec(stored);
  if (match) {
    const digest = match[1] as 'sha1' | 'sha256' | 'sha512';
    const iterations = Number(match[2]);
    const salt = decodeBase64(match[3]!);
    const hash = decodeBase64(match[4]!);
    if (!salt || !hash || !within(iterations, LIMITS.pbkdf2Iterations) || !within(salt.length, LIMITS.saltBytes) || !within(hash.length, LIMITS.hashBytes)) return undefined;
    return { algorithm: `pbkdf2-${digest}`, iterations, salt, hash };
  }
  match = WEAK_PATTERN.exec(stored);
  if (match) {
    const digest = match[1] as 'md5' | 'sha1' | 'sha256';
    const salt = decodeBase64(match[3]!);
    const hash = decodeBase64(match[4]!);
    if (!salt || !hash || hash.length !== DIGEST_BYTES[digest] || !within(salt.length, LIMITS.saltBytes)) return undefined;
    return { algorithm: `weak-${digest}`, saltFirst: match[2] === 'salt-first', salt, hash };
  }
  return undefined;
}

function scryptWithin(logN: number, r: number, p: number): boolean {
  return within(logN, LIMITS.scryptLogN) && within(r, LIMITS.scryptR) && within(p, LIMITS.scryptP) && 128 * r * 2 ** logN <= LIMITS.scryptMemoryBytes;
}

function within(value: number, [min, max]: readonly [number, number]): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Standard base64 without padding, exactly (Buffer's decoder skips what it does not know). */
export function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return encodeBase64(bytes) === text ? bytes : undefined;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

export { DIGEST_BYTES };

