// Unit tests of the common-passwords list: its size, case-insensitive matching, NFKC, lazy loading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isCommonPassword } from './common-passwords.ts';

const require = createRequire(import.meta.url);
const packageEntry = require.resolve('@zxcvbn-ts/language-common');

// First in this file on purpose: nothing has asked for the list yet.
test('the list is loaded on first use, not when the module is imported', () => {
  assert.equal(require.cache[packageEntry], undefined);
  isCommonPassword('anything');
  assert.ok(require.cache[packageEntry]);
});

test('every one of the (at least 10,000) bundled passwords is refused', () => {
  const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const list = dictionary['passwords-common'];
  assert.ok(list.length >= 10_000, `only ${list.length} entries`);
  assert.deepEqual(
    list.filter((entry) => !isCommonPassword(entry)),
    [],
  );
});

test('matches regardless of case', () => {
  for (const password of ['password', 'PASSWORD', 'Password', 'iLoveYou', 'TRUSTNO1', 'Sunshine']) {
    assert.equal(isCommonPassword(password), true, password);
  }
});

test('matches the NFKC form: full-width letters are the same password', () => {
  assert.equal(isCommonPassword('ｐａｓｓｗｏｒｄ'), true);
});

test('lets uncommon passwords through, including longer variants of common ones', () => {
  for (const password of ['correct horse battery staple', 'violet-tractor-harbour', 'zq7-Lm2x', 'skywalker99', '']) {
    assert.equal(isCommonPassword(password), false, password);
  }
});
