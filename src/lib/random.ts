// Random bytes for tokens, nonces and ids, from a pool that is refilled 4 KiB at a time. Each
// crypto.randomBytes() call is a trip into OpenSSL (about 6 µs here, more than the rest of a CSP
// nonce's cost together), and a hosted page or a token request needs several; Node pools the bytes
// of crypto.randomUUID() the same way. The bytes are the same CSPRNG's: only the calls are fewer.
// Handed-out bytes are zeroed in the pool, so no secret stays behind in it once it has been used.
import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
/** Larger requests are rare (none on a hot path) and go straight to the CSPRNG. */
const POOLED_MAX = 256;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** `count` random bytes as a string in `encoding`. */
export function randomString(count: number, encoding: 'base64' | 'base64url' | 'hex'): string {
  if (count > POOLED_MAX) return randomBytes(count).toString(encoding);
  return take(count, (start, end) => pool.toString(encoding, start, end));
}

/** Fills `target` from index `start` to its end with random bytes. */
export function fillRandom(target: Uint8Array, start = 0): void {
  if (target.length - start > POOLED_MAX) {
    randomFillSync(target, start);
    return;
  }
  take(target.length - start, (from, to) => target.set(pool.subarray(from, to), start));
}

function take<T>(count: number, use: (start: number, end: number) => T): T {
  if (!Number.isInteger(count) || count < 1 || count > POOLED_MAX) throw new RangeError(`cannot take ${count} random bytes at once`);
  if (offset + count > POOLED_MAX) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += count;
  const result = use(start, offset);
  pool.fill(0, start, offset);
  return result;
}
