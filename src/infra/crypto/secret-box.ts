// Encryption of secrets at rest (signing keys, TOTP seeds, upstream IdP secrets) under a key derived
// from the master secret. Each sealed value is bound to a context string naming where it belongs
// (e.g. `signing-key:<tenantId>:<kid>`), so a ciphertext copied into another row does not open.
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { MIN_SECRET_LENGTH } from '../../config/master-secret.ts';
import type { SecretBox } from '../../domain/keys/secret-box.port.ts';

/** The sealed value cannot be opened (SecretBox.open throws it): tampered, moved to another context, another master secret, or unknown format. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

// Version 1: AES-256-GCM, 96-bit IV, 128-bit tag, key from HKDF-SHA256. A new scheme gets a new
// prefix and info label, and `open` keeps reading the old one while rows are re-sealed.
const VERSION = 'v1';
const HKDF_SALT = 'foyer/secret-box';
const HKDF_INFO = 'foyer secret-box v1: aes-256-gcm key for secrets at rest';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(masterSecret: string): SecretBox {
  if (masterSecret.length < MIN_SECRET_LENGTH) {
    throw new SecretBoxError(`the master secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  // A KeyObject rather than a Buffer: it never shows up in a log line or an inspected object.
  const key: KeyObject = createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, HKDF_SALT, HKDF_INFO, 32)));

  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },

    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts[0] !== VERSION) {
        throw new SecretBoxError(`unknown sealed-secret format "${parts[0]?.slice(0, 8) ?? ''}" (expected ${VERSION})`);
      }
      const [iv, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
      if (parts.length !== 4 || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) {
        throw new SecretBoxError('malformed sealed secret');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // GCM cannot tell these apart, and saying which would help an attacker nothing anyway.
        throw new SecretBoxError('the sealed secret does not open: tampered, sealed for another context, or under another master secret');
      }
    },
  };
}
