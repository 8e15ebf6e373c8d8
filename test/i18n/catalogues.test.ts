// Every page and email speaks ten languages: each catalogue has every English key and no other,
// keeps each text's {placeholders}, and holds no English left untranslated (a catalogue names the
// few words that are rightly the same in its language).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { en } from '../../src/i18n/en.ts';
import { translations } from '../../src/i18n/catalogues.ts';
import { LOCALES } from '../../src/i18n/locales.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
const englishKeys = Object.keys(en).sort();

test('every locale but English has a catalogue', () => {
  assert.deepEqual(Object.keys(translations).sort(), LOCALES.filter((locale) => locale !== 'en').sort());
});

for (const [locale, translation] of Object.entries(translations)) {
  test(`${locale}: every key, no other, the same placeholders, nothing left in English`, () => {
    const messages = translation.messages as Record<string, string>;
    const keys = Object.keys(messages).sort();
    assert.deepEqual(englishKeys.filter((key) => !(key in messages)), [], `${locale} lacks these keys`);
    assert.deepEqual(keys.filter((key) => !(key in en)), [], `${locale} has keys English does not`);
    for (const key of englishKeys) {
      const english = (en as Record<string, string>)[key]!;
      const text = messages[key]!;
      assert.ok(text.trim().length > 0, `${locale} ${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(english), `${locale} ${key} changes the placeholders`);
      if (text === english) assert.ok(translation.sameAsEnglish.includes(key as never), `${locale} ${key} is still English: "${text}"`);
    }
    for (const key of translation.sameAsEnglish) assert.equal(messages[key], (en as Record<string, string>)[key], `${locale} ${key} is listed as the same as English but is not`);
  });
}
