import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedLanguages, matchLocale, negotiateLocale } from './locales.ts';
import { translator } from './translate.ts';

test('matchLocale finds the supported language a tag asks for', () => {
  assert.equal(matchLocale('de'), 'de');
  assert.equal(matchLocale('DE-at'), 'de');
  assert.equal(matchLocale('pt'), 'pt-BR');
  assert.equal(matchLocale('pt-PT'), 'pt-BR');
  assert.equal(matchLocale('zh'), 'zh-CN');
  assert.equal(matchLocale('zh-Hans-CN'), 'zh-CN');
  assert.equal(matchLocale('ar-EG'), 'ar');
  assert.equal(matchLocale('sv'), undefined);
  assert.equal(matchLocale(''), undefined);
  assert.equal(matchLocale('x'.repeat(100)), undefined);
});

test('Accept-Language is read by weight, then order; q=0 and * are ignored', () => {
  assert.deepEqual(acceptedLanguages('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5'), ['fr-CH', 'fr', 'en', 'de']);
  assert.deepEqual(acceptedLanguages('en;q=0.2, ja'), ['ja', 'en']);
  assert.deepEqual(acceptedLanguages('de;q=0, nl'), ['nl']);
  assert.deepEqual(acceptedLanguages(undefined), []);
});

test('the language is the switcher choice, then ui_locales, then the trait, then the browser, then the tenant', () => {
  const all = { chosen: 'it', uiLocales: 'sv ja', trait: 'fr', acceptLanguage: 'es', tenantDefault: 'nl' };
  assert.equal(negotiateLocale(all), 'it');
  assert.equal(negotiateLocale({ ...all, chosen: undefined }), 'ja', 'the first supported of ui_locales');
  assert.equal(negotiateLocale({ ...all, chosen: undefined, uiLocales: undefined }), 'fr');
  assert.equal(negotiateLocale({ acceptLanguage: 'es', tenantDefault: 'nl' }), 'es');
  assert.equal(negotiateLocale({ acceptLanguage: 'sv', tenantDefault: 'nl' }), 'nl');
  assert.equal(negotiateLocale({}), 'en');
  assert.equal(negotiateLocale({ trait: 'pt_BR' }), 'pt-BR');
});

test('a translator knows its language and direction, and fills placeholders', () => {
  assert.equal(translator('ar').dir, 'rtl');
  assert.equal(translator('de-CH').locale, 'de');
  assert.equal(translator('nope').locale, 'en');
  assert.equal(translator('en')('signin.throttled', { seconds: 4 }), 'Too many attempts. Wait 4 seconds, then try again.');
});

test('prototype keys are no language and no message', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__proto__-x', 'constructor-de']) {
    assert.equal(matchLocale(key), undefined, key);
    assert.equal(negotiateLocale({ chosen: key, uiLocales: key, trait: key, acceptLanguage: `${key}, ${key};q=0.5`, tenantDefault: key }), 'en', key);
    assert.equal(translator('de')(key), key, 'an unknown key comes back as itself');
  }
  assert.equal(translator('__proto__').locale, 'en');
});
