// Every product error code (domain/errors.ts) is also a message key, so wherever an error reaches a
// person it can be said in their language: each code has its own message in all ten catalogues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../src/domain/errors.ts';
import { catalogues } from '../../src/i18n/catalogues.ts';
import { LOCALES } from '../../src/i18n/locales.ts';
import { translator } from '../../src/i18n/translate.ts';

test('error codes are listed once', () => {
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
});

for (const locale of LOCALES) {
  test(`${locale}: every error code has a message of its own`, () => {
    const catalogue = catalogues[locale] as Record<string, string>;
    const missing = ERROR_CODES.filter((code) => !Object.hasOwn(catalogue, code) || catalogue[code]!.trim() === '');
    assert.deepEqual(missing, [], `${locale} has no message for these error codes`);
    const t = translator(locale);
    for (const code of ERROR_CODES) assert.notEqual(t(code, { seconds: 3, clientId: 'shop', slug: 'acme', id: 'm1' }), code);
  });
}
