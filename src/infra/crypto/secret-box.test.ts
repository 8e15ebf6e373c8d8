import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretBox, SecretBoxError } from './secret-box.ts';

const MASTER = 'unit-test-master-secret-0123456789-abcdefgh';
const CONTEXT = 'signing-key:tenant-1:kid-1';

function flipFirstByte(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64url');
}

function withPart(sealed: string, index: number, change: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = change(parts[index]!);
  return parts.join('.');
}

const isSecretBoxError = (error: unknown) => error instanceof SecretBoxError;

describe('secret box', () => {
  test('opens what it sealed, including empty and non-ASCII text', () => {
    const box = createSecretBox(MASTER);
    for (const plaintext of ['{"kty":"EC","d":"secret"}', '', 'é✓ 鍵 🔑']) {
      assert.equal(box.open(box.seal(plaintext, CONTEXT), CONTEXT), plaintext);
    }
    // Another box from the same master secret (another node, a restart) opens it too.
    assert.equal(createSecretBox(MASTER).open(box.seal('shared', CONTEXT), CONTEXT), 'shared');
  });

  test('writes the versioned text format, with a fresh IV on every seal', () => {
    const box = createSecretBox(MASTER);
    const first = box.seal('same plaintext', CONTEXT);
    const second = box.seal('same plaintext', CONTEXT);
    assert.match(first, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.notEqual(first.split('.')[1], second.split('.')[1]);
    assert.notEqual(first.split('.')[2], second.split('.')[2]);
    assert.equal(first.includes('same plaintext'), false);
  });

  test('refuses a tampered ciphertext, tag or IV', () => {
    const box = createSecretBox(MASTER);
    const sealed = box.seal('do not touch', CONTEXT);
    for (const index of [1, 2, 3]) {
      assert.throws(() => box.open(withPart(sealed, index, flipFirstByte), CONTEXT), isSecretBoxError, `part ${index}`);
    }
  });

  test('refuses a value moved to another context', () => {
    const box = createSecretBox(MASTER);
    const sealed = box.seal('bound to its row', CONTEXT);
    assert.throws(() => box.open(sealed, 'signing-key:tenant-2:kid-1'), isSecretBoxError);
    assert.throws(() => box.open(sealed, ''), isSecretBoxError);
  });

  test('refuses a value sealed under another master secret', () => {
    const sealed = createSecretBox(MASTER).seal('mine', CONTEXT);
    assert.throws(() => createSecretBox(`${MASTER}-other`).open(sealed, CONTEXT), isSecretBoxError);
  });

  test('refuses unknown versions and malformed values', () => {
    const box = createSecretBox(MASTER);
    const sealed = box.seal('versioned', CONTEXT);
    assert.throws(() => box.open(withPart(sealed, 0, () => 'v2'), CONTEXT), /unknown sealed-secret format "v2"/);
    for (const bad of ['', 'plain text', 'v1', 'v1.a.b', `${sealed}.extra`, withPart(sealed, 1, (iv) => iv.slice(2))]) {
      assert.throws(() => box.open(bad, CONTEXT), isSecretBoxError, JSON.stringify(bad));
    }
  });

  test('refuses a master secret shorter than the configuration allows', () => {
    assert.throws(() => createSecretBox('too short'), isSecretBoxError);
  });
});
