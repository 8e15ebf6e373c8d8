// What an import line may say about a customer's password hash, turned into the one stored form
// that sign-in verifies (legacy-hashes.ts, argon2.ts). Accepted as a string: argon2i/argon2id PHC,
// bcrypt ($2a$, $2b$, $2y$), the stored forms themselves, passlib's PBKDF2 ($pbkdf2-sha256$29000$…,
// adapted base64) and Django's (pbkdf2_sha256$…, pbkdf2_sha1$…, argon2$argon2id$…). As an object:
// a Keycloak credential ({ secretData, credentialData }, as its realm export writes them),
// Firebase's scrypt ({ algorithm: "firebase-scrypt", hash, salt } with the project's parameters
// here or in the import's options), scrypt and PBKDF2 by their parameters, and salted MD5, SHA-1
// or SHA-256 ({ algorithm: "md5", hash, salt, salt_position }), which are kept but marked weak.
// Nothing is recomputed: the import only checks the form.
import { argon2AlgorithmOf } from './argon2.ts';
import type { LegacyAlgorithm } from './legacy-hashes.ts';
import { decodeBase64, DIGEST_BYTES, encodeBase64, isWeakAlgorithm, legacyAlgorithmOf } from './legacy-hashes.ts';

/** Firebase's project-wide hash parameters (Authentication → Users → Password hash parameters). */
export type FirebaseParameters = { readonly signerKey: string; readonly saltSeparator: string; readonly rounds: number; readonly memCost: number };

export type ImportedHash = { readonly hash: string; readonly algorithm: LegacyAlgorithm | 'argon2id' | 'argon2i'; readonly weak: boolean };

type ImportedHashResult = ImportedHash | { readonly problem: string };

/** The stored form of what the line gives, or why it is refused. */
export function importPasswordHash(input: unknown, options: { readonly firebase?: FirebaseParameters | undefined } = {}): ImportedHashResult {
  if (typeof input === 'string') return fromString(input.trim());
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { problem: 'must be a hash string or an object describing one' };
  const value = input as Record<string, unknown>;
  if ('secretData' in value || 'credentialData' in value) return fromKeycloak(value);
  const algorithm = typeof value['algorithm'] === 'string' ? value['algorithm'].toLowerCase() : undefined;
  switch (algorithm) {
    case 'firebase-scrypt':
      return fromFirebase(value, options.firebase);
    case 'scrypt':
      return fromScrypt(value);
    case 'pbkdf2-sha1':
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512':
      return fromPbkdf2(algorithm.slice('pbkdf2-'.length) as 'sha1' | 'sha256' | 'sha512', value['iterations'], value['salt'], value['hash'], 'base64');
    case 'md5':
    case 'sha1':
    case 'sha256':
      return fromSaltedDigest(algorithm, value);
    case undefined:
      return typeof value['hash'] === 'string' ? fromString(value['hash'].trim()) : { problem: 'an object needs "algorithm" (or "secretData" and "credentialData" from Keycloak)' };
    default:
      return typeof value['hash'] === 'string' ? fromString(value['hash'].trim()) : { problem: `unknown algorithm "${algorithm}"` };
  }
}

function stored(hash: string): ImportedHashResult {
  const argon2 = hash.startsWith('$argon2') ? argon2AlgorithmOf(hash) : undefined;
  if (argon2 === 'argon2id' || argon2 === 'argon2i') return { hash, algorithm: argon2, weak: false };
  if (argon2) return { problem: 'argon2d hashes are not accepted (argon2i and argon2id are)' };
  const legacy = legacyAlgorithmOf(hash);
  return legacy ? { hash, algorithm: legacy, weak: isWeakAlgorithm(legacy) } : { problem: 'not a hash in a known format, or its parameters are out of bounds' };
}

const PASSLIB_PBKDF2 = /^\$pbkdf2(?:-(sha256|sha512))?\$(\d{1,9})\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)$/;
const PHC_PBKDF2_WITH_LENGTH = /^\$pbkdf2-(sha1|sha256|sha512)\$i=(\d{1,9}),l=(\d{1,3})\$([A-Za-z0-9+/]*)\$([A-Za-z0-9+/]+)$/;
const DJANGO_PBKDF2 = /^pbkdf2_(sha1|sha256)\$(\d{1,9})\$([^$]*)\$([A-Za-z0-9+/=]+)$/;

function fromString(text: string): ImportedHashResult {
  if (text === '') return { problem: 'is empty' };
  const django = DJANGO_PBKDF2.exec(text);
  // Django keeps the salt as text and the key in padded base64.
  if (django) return fromPbkdf2(django[1] as 'sha1' | 'sha256', Number(django[2]), encodeBase64(Buffer.from(django[3]!, 'utf8')), django[4]!.replace(/=+$/, ''), 'base64');
  if (text.startsWith('argon2$')) return stored(text.slice('argon2'.length));
  const passlib = PASSLIB_PBKDF2.exec(text);
  if (passlib) {
    // passlib's "adapted base64": '.' for '+', no padding.
    const adapted = (part: string) => part.replaceAll('.', '+');
    return fromPbkdf2((passlib[1] ?? 'sha1') as 'sha1' | 'sha256' | 'sha512', Number(passlib[2]), adapted(passlib[3]!), adapted(passlib[4]!), 'base64');
  }
  const withLength = PHC_PBKDF2_WITH_LENGTH.exec(text);
  if (withLength) {
    const hash = decodeBase64(withLength[5]!);
    if (!hash || hash.length !== Number(withLength[3])) return { problem: 'its l= does not match the length of its hash' };
    return fromPbkdf2(withLength[1] as 'sha1' | 'sha256' | 'sha512', Number(withLength[2]), withLength[4], withLength[5], 'base64');
  }
  return stored(text);
}

function fromPbkdf2(digest: 'sha1' | 'sha256' | 'sha512', iterations: unknown, salt: unknown, hash: unknown, encoding: 'base64'): ImportedHashResult {
  const saltBytes = bytesOf(salt, encoding);
  const hashBytes = bytesOf(hash, encoding);
  if (!Number.isInteger(iterations)) return { problem: 'PBKDF2 needs whole "iterations"' };
  if (!saltBytes || !hashBytes) return { problem: 'PBKDF2 needs "salt" and "hash" in base64' };
  return stored(`$pbkdf2-${digest}$i=${String(iterations)}$${encodeBase64(saltBytes)}$${encodeBase64(hashBytes)}`);
}

function fromKeycloak(value: Record<string, unknown>): ImportedHashResult {
  const secret = jsonObjectOf(value['secretData']);
  const credential = jsonObjectOf(value['credentialData']);
  if (!secret || !credential) return { problem: 'a Keycloak credential needs "secretData" and "credentialData" (JSON objects or their text)' };
  const algorithm = credential['algorithm'];
  const digest = algorithm === 'pbkdf2' ? 'sha1' : algorithm === 'pbkdf2-sha256' ? 'sha256' : algorithm === 'pbkdf2-sha512' ? 'sha512' : undefined;
  if (!digest) return { problem: `Keycloak's "${String(algorithm)}" is not supported (pbkdf2, pbkdf2-sha256 and pbkdf2-sha512 are)` };
  return fromPbkdf2(digest, credential['hashIterations'], secret['salt'], secret['value'], 'base64');
}

function fromFirebase(value: Record<string, unknown>, project: FirebaseParameters | undefined): ImportedHashResult {
  const signerKey = value['signer_key'] ?? project?.signerKey;
  const separator = value['salt_separator'] ?? project?.saltSeparator;
  const rounds = value['rounds'] ?? project?.rounds;
  const memCost = value['mem_cost'] ?? project?.memCost;
  const parts = [value['salt'], separator, signerKey, value['hash']].map((part) => bytesOf(part, 'base64'));
  if (parts.some((part) => part === undefined)) return { problem: 'Firebase scrypt needs "hash" and "salt" in base64, and the project\'s signer key and salt separator (here or as import options)' };
  if (!Number.isInteger(rounds) || !Number.isInteger(memCost)) return { problem: 'Firebase scrypt needs the project\'s whole "rounds" and "mem_cost"' };
  const [salt, sep, key, hash] = parts.map((part) => encodeBase64(part!));
  return stored(`$firebase-scrypt$ln=${String(memCost)},r=${String(rounds)}$${salt}$${sep}$${key}$${hash}`);
}

function fromScrypt(value: Record<string, unknown>): ImportedHashResult {
  const n = value['n'];
  const logN = value['ln'] ?? (Number.isInteger(n) && (n as number) > 1 ? Math.log2(n as number) : undefined);
  const salt = bytesOf(value['salt'], 'base64');
  const hash = bytesOf(value['hash'], 'base64');
  if (!Number.isInteger(logN) || !Number.isInteger(value['r']) || !Number.isInteger(value['p'])) return { problem: 'scrypt needs "n" (a power of two) or "ln", "r" and "p"' };
  if (!salt || !hash) return { problem: 'scrypt needs "salt" and "hash" in base64' };
  return stored(`$scrypt$ln=${String(logN)},r=${String(value['r'])},p=${String(value['p'])}$${encodeBase64(salt)}$${encodeBase64(hash)}`);
}

function fromSaltedDigest(digest: 'md5' | 'sha1' | 'sha256', value: Record<string, unknown>): ImportedHashResult {
  const hashText = value['hash'];
  if (typeof hashText !== 'string') return { problem: `${digest} needs "hash" (hex or base64)` };
  const hexLength = DIGEST_BYTES[digest] * 2;
  const hash = hashText.length === hexLength && /^[0-9a-fA-F]+$/.test(hashText) ? Buffer.from(hashText, 'hex') : bytesOf(hashText, 'base64');
  const saltEncoding = value['salt_encoding'] ?? 'utf8';
  if (saltEncoding !== 'utf8' && saltEncoding !== 'hex' && saltEncoding !== 'base64') return { problem: '"salt_encoding" is utf8, hex or base64' };
  const saltText = value['salt'] ?? '';
  if (typeof saltText !== 'string') return { problem: '"salt" must be text' };
  const salt = saltEncoding === 'base64' ? bytesOf(saltText, 'base64') : Buffer.from(saltText, saltEncoding);
  const position = value['salt_position'] ?? 'before';
  if (position !== 'before' && position !== 'after') return { problem: '"salt_position" is before or after (the password)' };
  if (!hash || !salt || hash.length !== DIGEST_BYTES[digest]) return { problem: `not a ${digest} digest` };
  return stored(`$weak-${digest}$${position === 'before' ? 'salt-first' : 'password-first'}$${encodeBase64(salt)}$${encodeBase64(hash)}`);
}

/** Bytes of base64 text, padded or not; undefined when it is not that. */
function bytesOf(text: unknown, encoding: 'base64'): Buffer | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, encoding);
}

function jsonObjectOf(value: unknown): Record<string, unknown> | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
