// Unit tests of the password policy: length bounds in code points, common passwords, identifiers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPasswordPolicy } from './policy.ts';

const codes = (password: string, context: Parameters<typeof checkPasswordPolicy>[1] = {}) =>
  checkPasswordPolicy(password, context).map((problem) => problem.code);

describe('checkPasswordPolicy', () => {
  test('accepts a good password with no problems', () => {
    assert.deepEqual(checkPasswordPolicy('violet-tractor-harbour', { identifiers: ['jane.doe@example.com'] }), []);
  });

  test('every problem names the password field, a namespaced code and an English instruction', () => {
    const problems = checkPasswordPolicy('password', { identifiers: ['password@example.com'] });
    assert.deepEqual(
      problems.map((problem) => problem.code),
      ['password.too_common', 'password.contains_identifier'],
    );
    for (const problem of problems) {
      assert.equal(problem.field, 'password');
      assert.match(problem.message, /^[A-Z].{10,}[.]$/);
    }
  });

  describe('length', () => {
    test('at least 8 characters by default', () => {
      assert.deepEqual(codes('zq7-Lm2'), ['password.too_short']);
      assert.deepEqual(codes('zq7-Lm2x'), []);
      assert.deepEqual(codes(''), ['password.too_short']);
    });

    test('a tenant may raise the minimum, never lower it below 8', () => {
      assert.deepEqual(codes('zq7-Lm2x-k9', { minLength: 12 }), ['password.too_short']);
      assert.match(checkPasswordPolicy('zq7-Lm2x-k9', { minLength: 12 })[0]!.message, /at least 12 characters/);
      assert.deepEqual(codes('zq7-Lm2x-k9!', { minLength: 12 }), []);
      assert.deepEqual(codes('zq7-Lm2', { minLength: 4 }), ['password.too_short']);
    });

    test('counts Unicode code points, not UTF-16 units', () => {
      assert.deepEqual(codes('🔐🌙🦊🎲🌵🧭🪁🎻'), []);
      assert.deepEqual(codes('🔐🌙🦊🎲🌵🧭🪁'), ['password.too_short']);
    });

    test('counts after NFKC: a decomposed accent is one character', () => {
      assert.deepEqual(codes('e\u0301'.repeat(7) + 'x'), []);
      assert.deepEqual(codes('e\u0301'.repeat(7)), ['password.too_short']);
    });

    test('allows long passphrases up to 1024 characters, refuses more, never truncates', () => {
      const passphrase = 'a lighthouse keeper counts seventeen herons on the frozen estuary at dawn';
      assert.ok(passphrase.length > 64);
      assert.deepEqual(codes(passphrase), []);
      assert.deepEqual(codes('x'.repeat(1024)), []);
      assert.deepEqual(codes('x'.repeat(1025)), ['password.too_long']);
      assert.deepEqual(codes('🦊'.repeat(1024)), []);
      assert.deepEqual(codes('🦊'.repeat(1025)), ['password.too_long']);
    });

    test('has no composition rules: lower-case letters alone are fine', () => {
      assert.deepEqual(codes('violettractorharbour'), []);
    });
  });

  describe('common passwords', () => {
    test('refuses passwords on the bundled list, whatever their case or width', () => {
      for (const password of ['password', 'qwertyuiop', 'PASSWORD1', 'Sunshine', 'ｐａｓｓｗｏｒｄ']) {
        assert.ok(codes(password).includes('password.too_common'), password);
      }
    });

    test('a short common password is reported as both too short and too common', () => {
      assert.deepEqual(codes('dragon'), ['password.too_short', 'password.too_common']);
    });
  });

  describe('identifiers', () => {
    const identifiers = ['Jane.Doe@Example.com'];

    test('refuses the email address itself, in any case', () => {
      assert.deepEqual(codes('jane.doe@example.com', { identifiers }), ['password.contains_identifier']);
      assert.deepEqual(codes('JANE.DOE@EXAMPLE.COM', { identifiers }), ['password.contains_identifier']);
    });

    test("refuses a password containing the email or its local part", () => {
      assert.deepEqual(codes('my jane.doe@example.com pass', { identifiers }), ['password.contains_identifier']);
      assert.deepEqual(codes('Jane.Doe-2024!', { identifiers }), ['password.contains_identifier']);
      assert.deepEqual(codes('jane.doe', { identifiers }), ['password.contains_identifier']);
    });

    test('ignores a local part shorter than 4 characters, but not the full email', () => {
      assert.deepEqual(codes('jojo-banana-split', { identifiers: ['jo@example.com'] }), []);
      assert.deepEqual(codes('jo@example.com!!', { identifiers: ['jo@example.com'] }), ['password.contains_identifier']);
    });

    test('checks other identifiers such as a user name', () => {
      assert.deepEqual(codes('Skywalker99', { identifiers: ['jane@example.com', 'skywalker'] }), ['password.contains_identifier']);
      assert.deepEqual(codes('Skywalker99', {}), []);
    });
  });
});
