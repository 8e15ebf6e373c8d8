// Random bytes for tokens and ids, from a pool that is refilled 4 KiB at a time. Each
// crypto.randomBytes() call is a trip into OpenSSL (about 6 µs here), and a sign-in or a token
// request takes several (audit and event ids, tokens); Node pools the bytes of crypto.randomUUID()
// the same way. The bytes are the same CSPRNG's: only the calls are fewer.
// Handed-out bytes are zeroed in the pool, so no secret stays behind in it once it has been used.
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
/** Larger requests are rare (none on a hot path) and go straight to the CSPRNG. */
const POOLED_MAX = 256;

type RandomPool = {
  /** `count` random bytes as a string in `encoding`. */
  randomString(count: number, encoding: 'base64' | 'base64url' | 'hex'): string;
  /** Fills `target` from index `start` to its end with random bytes. */
  fillRandom(target: Uint8Array, start?: number): void;
};

/** A pool of `size` bytes refilled by `fill` (the CSPRNG; a test counts its calls). */
export function createRandomPool(size = POOL_SIZE, fill: (buffer: Uint8Array) => void = randomFillSync): RandomPool {
  const pool = Buffer.alloc(size);
  let offset = size;

  function take<T>(count: number, use: (start: number, end: number) => T): T {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`cannot take ${count} random bytes`);
    if (offset + count > size) {
      fill(pool);
      offset = 0;
    }
    const start = offset;
    offset += count;
    const result = use(start, offset);
    pool.fill(0, start, offset);
    return result;
  }

  return {
    randomString(count, encoding) {
      if (count > POOLED_MAX) {
        const bytes = Buffer.alloc(count);
        fill(bytes);
        return bytes.toString(encoding);
      }
      return take(count, (start, end) => pool.toString(encoding, start, end));
    },
    fillRandom(target, start = 0) {
      const count = target.length - start;
      if (count > POOLED_MAX) return fill(target.subarray(start));
      take(count, (from, to) => target.set(pool.subarray(from, to), start));
    },
  };
}

const shared = createRandomPool();

export const randomString: RandomPool['randomString'] = (count, encoding) => shared.randomString(count, encoding);
export const fillRandom: RandomPool['fillRandom'] = (target, start) => shared.fillRandom(target, start);
