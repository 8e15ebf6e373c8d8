import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { createRandomPool, fillRandom, randomString } from './random.ts';

test('pooled random strings have the asked length and do not repeat across pool refills', () => {
  const seen = new Set<string>();
  // 16-byte values, well past one 4 KiB pool, so refills are crossed several times.
  for (let i = 0; i < 2_000; i++) {
    const value = randomString(16, 'hex');
    assert.match(value, /^[0-9a-f]{32}$/);
    seen.add(value);
  }
  assert.equal(seen.size, 2_000);
  assert.equal(Buffer.from(randomString(24, 'base64url'), 'base64url').length, 24);
  assert.equal(Buffer.from(randomString(300, 'base64'), 'base64').length, 300, 'larger requests bypass the pool');
});

test('fillRandom fills from the given index on and leaves the bytes before it alone', () => {
  const target = new Uint8Array(64);
  fillRandom(target, 8);
  assert.deepEqual([...target.subarray(0, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok(target.subarray(8).some((byte) => byte !== 0));
  const large = new Uint8Array(1024);
  fillRandom(large);
  assert.ok(large.some((byte) => byte !== 0));
});

test('a count that is not a positive integer is refused', () => {
  assert.throws(() => randomString(0, 'hex'), RangeError);
  assert.throws(() => randomString(1.5, 'hex'), RangeError);
});

test('the whole pool is used before it is refilled: one CSPRNG call per 4 KiB of small requests', () => {
  let fills = 0;
  const pool = createRandomPool(4096, (buffer) => {
    fills += 1;
    randomFillSync(buffer);
  });
  for (let i = 0; i < 256; i++) pool.randomString(16, 'base64');
  assert.equal(fills, 1, '256 nonces of 16 bytes fit one pool');
  pool.randomString(16, 'base64');
  assert.equal(fills, 2);
  pool.fillRandom(new Uint8Array(512));
  assert.equal(fills, 3, 'a large request goes to the CSPRNG directly');
});
