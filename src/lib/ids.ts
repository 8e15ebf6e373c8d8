// Identifiers. UUIDv7 (RFC 9562): time-ordered, so new rows land at the end of B-tree indexes and
// listings sort by creation without an extra column; 74 random bits make them unguessable enough
// for ids (never for secrets: those use `randomToken`).
import { randomBytes, randomFillSync } from 'node:crypto';

const bytes = new Uint8Array(16);

export function uuidv7(now: number = Date.now()): string {
  randomFillSync(bytes, 6);
  bytes[0] = Math.floor(now / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(now / 2 ** 32) & 0xff;
  bytes[2] = (now >>> 24) & 0xff;
  bytes[3] = (now >>> 16) & 0xff;
  bytes[4] = (now >>> 8) & 0xff;
  bytes[5] = now & 0xff;
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A secret token with `bytes` of entropy (default 256 bits), URL-safe. */
export function randomToken(byteCount = 32): string {
  return randomBytes(byteCount).toString('base64url');
}
