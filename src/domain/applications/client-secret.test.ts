import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateClientId, generateClientSecret, hashClientSecret, verifyClientSecret } from './client-secret.ts';

describe('client secrets', () => {
  test('are 256 random bits, base64url, different every time', () => {
    const secrets = new Set(Array.from({ length: 100 }, generateClientSecret));
    assert.equal(secrets.size, 100);
    for (const secret of secrets) {
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(secret, 'base64url').length, 32);
    }
  });

  test('are stored as a prefixed SHA-256 that is not the secret', () => {
    const secret = generateClientSecret();
    const hash = hashClientSecret(secret);
    assert.match(hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(hash.includes(secret), false);
    assert.equal(hash, `sha256:${createHash('sha256').update(secret).digest('hex')}`);
  });

  test('verify the right secret only', () => {
    const secret = generateClientSecret();
    const hash = hashClientSecret(secret);
    assert.equal(verifyClientSecret(hash, secret), true);
    assert.equal(verifyClientSecret(hash, generateClientSecret()), false);
    assert.equal(verifyClientSecret(hash, `${secret}x`), false);
    assert.equal(verifyClientSecret(hash, ''), false);
  });

  test('a malformed stored hash never verifies, and never throws', () => {
    const secret = generateClientSecret();
    const digest = createHash('sha256').update(secret).digest('hex');
    for (const hash of [digest, `sha256:${digest.slice(2)}`, `sha256:${digest.toUpperCase()}`, `sha512:${digest}`, '', 'sha256:', secret]) {
      assert.equal(verifyClientSecret(hash, secret), false, hash);
    }
  });
});

describe('client ids', () => {
  test('never start with "-" or "_", so a command line never takes one for an option', () => {
    // Without the redraw, one id in 16 would: 2,000 of them fail for sure.
    for (let i = 0; i < 2_000; i++) assert.match(generateClientId(), /^[A-Za-z0-9]/);
  });

  test('are 128 random bits, URL-safe, and reveal no creation time', () => {
    const ids = Array.from({ length: 100 }, generateClientId);
    assert.equal(new Set(ids).size, 100);
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(Buffer.from(id, 'base64url').length, 16);
    }
    // Ids made one after the other share no time-ordered prefix (unlike UUIDv7).
    const prefixes = new Set(ids.map((id) => id.slice(0, 4)));
    assert.ok(prefixes.size > 90, `only ${prefixes.size} distinct prefixes`);
  });
});
