// Identifiers. UUIDv7 (RFC 9562): time-ordered, so new rows land at the end of B-tree indexes and
// listings sort by creation without an extra column. Within one process, ids made in the same
// millisecond are still ordered: the 12-bit `rand_a` field is a counter (RFC 9562 §6.2, method 1),
// and 62 random bits remain. Ids are unguessable enough for ids, never for secrets: those use
// `randomToken`.
import { fillRandom, randomString } from './random.ts';

const bytes = new Uint8Array(16);
const COUNTER_MAX = 0xfff;
let lastMs = -1;
let counter = 0;

export function uuidv7(now: number = Date.now()): string {
  let ms = now;
  // Same millisecond as the previous id: count up (the counter starts in its lower half, so at
  // least 2,048 ids fit); past its room, borrow the next millisecond. Any other time, including an
  // explicitly older one, keeps its own time.
  if (ms === lastMs) {
    counter += 1;
    if (counter > COUNTER_MAX) {
      ms = lastMs + 1;
      counter = randomStart();
    }
  } else {
    counter = randomStart();
  }
  lastMs = ms;
  fillRandom(bytes, 8);
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (counter >>> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The smallest UUIDv7 of millisecond `ms`, as text: every id made at `ms` or later sorts at or after
 * it, every id made before sorts before (a range of a primary key by creation time).
 */
export function uuidv7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** The millisecond a UUIDv7 was made at (its first 48 bits), or undefined for a string that is none. */
export function uuidv7Time(id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** A random counter start in the lower half, so a burst within one millisecond has room to count. */
const startBytes = new Uint8Array(2);
function randomStart(): number {
  fillRandom(startBytes);
  return ((startBytes[0]! << 8) | startBytes[1]!) & 0x7ff;
}

/** A secret token with `byteCount` bytes of entropy (default 256 bits), URL-safe. */
export function randomToken(byteCount = 32): string {
  return randomString(byteCount, 'base64url');
}
