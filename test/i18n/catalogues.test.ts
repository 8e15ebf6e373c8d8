// Every page and email speaks ten languages: each catalogue has every English key and no other,
// every message is valid ICU MessageFormat with the same arguments (names and kinds) as English,
// plural arguments carry exactly the plural forms of their language, and no text is left in
// English (a catalogue names the few words that are rightly the same in its language).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@formatjs/icu-messageformat-parser';
import type { MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { en } from '../../src/i18n/en.ts';
import { catalogues, translations } from '../../src/i18n/catalogues.ts';
import { LOCALES } from '../../src/i18n/locales.ts';
import { PARSE_OPTIONS } from '../../src/i18n/message-format.ts';

const KINDS = ['literal', 'argument', 'number', 'date', 'time', 'select', 'plural', 'pound', 'tag'] as const;

type Argument = { readonly name: string; readonly kind: string; readonly forms?: readonly string[] };

/** The arguments of a message at any depth, e.g. `seconds:plural`, with each plural's forms. */
function argumentsOf(elements: readonly MessageFormatElement[]): Argument[] {
  return elements.flatMap((element): Argument[] => {
    const kind = KINDS[element.type]!;
    if (kind === 'literal' || kind === 'pound') return [];
    const named = element as { value: string; options?: Record<string, { value: MessageFormatElement[] }> };
    const options = named.options ?? {};
    const nested = Object.values(options).flatMap((option) => argumentsOf(option.value));
    return [{ name: named.value, kind, ...(kind === 'plural' ? { forms: Object.keys(options) } : {}) }, ...nested];
  });
}

const signature = (message: string) => [...new Set(argumentsOf(parse(message, PARSE_OPTIONS)).map((argument) => `${argument.name}:${argument.kind}`))].sort();
const englishKeys = Object.keys(en).sort();

test('every locale but English has a catalogue', () => {
  assert.deepEqual(Object.keys(translations).sort(), LOCALES.filter((locale) => locale !== 'en').sort());
});

for (const [locale, translation] of Object.entries(translations)) {
  test(`${locale}: every key, no other, the same arguments, nothing left in English`, () => {
    const messages = translation.messages as Record<string, string>;
    const keys = Object.keys(messages).sort();
    assert.deepEqual(englishKeys.filter((key) => !(key in messages)), [], `${locale} lacks these keys`);
    assert.deepEqual(keys.filter((key) => !(key in en)), [], `${locale} has keys English does not`);
    for (const key of englishKeys) {
      const english = (en as Record<string, string>)[key]!;
      const text = messages[key]!;
      assert.ok(text.trim().length > 0, `${locale} ${key} is empty`);
      assert.deepEqual(signature(text), signature(english), `${locale} ${key} changes the arguments`);
      if (text === english) assert.ok(translation.sameAsEnglish.includes(key as never), `${locale} ${key} is still English: "${text}"`);
    }
    for (const key of translation.sameAsEnglish) assert.equal(messages[key], (en as Record<string, string>)[key], `${locale} ${key} is listed as the same as English but is not`);
  });
}

for (const locale of LOCALES) {
  test(`${locale}: every message parses as ICU MessageFormat; every plural has exactly the language's forms`, () => {
    const forms = new Intl.PluralRules(locale).resolvedOptions().pluralCategories.toSorted();
    for (const [key, message] of Object.entries(catalogues[locale] as Record<string, string>)) {
      let elements: MessageFormatElement[];
      try {
        elements = parse(message, PARSE_OPTIONS);
      } catch (error) {
        assert.fail(`${locale} ${key} is not valid ICU MessageFormat (${(error as Error).message}): ${message}`);
      }
      for (const argument of argumentsOf(elements).filter((each) => each.kind === 'plural')) {
        const categories = argument.forms!.filter((form) => !form.startsWith('=')).toSorted();
        assert.deepEqual(categories, forms, `${locale} ${key}: {${argument.name}} must have the forms ${forms.join(', ')}`);
      }
    }
  });
}

test('a count is always a plural argument, never bare: "1 seconds" cannot be written', () => {
  const counts = /^(seconds|minutes|hours|days|min|max|count|attempts|codes)$/;
  for (const locale of LOCALES) {
    for (const [key, message] of Object.entries(catalogues[locale] as Record<string, string>)) {
      for (const argument of argumentsOf(parse(message, PARSE_OPTIONS))) {
        if (counts.test(argument.name)) assert.equal(argument.kind, 'plural', `${locale} ${key}: {${argument.name}} is a count; write it as {${argument.name}, plural, …}`);
      }
    }
  }
});

test('no ASCII apostrophe starts ICU quoting by accident (it would swallow the next brace or #)', () => {
  for (const locale of LOCALES) {
    for (const [key, message] of Object.entries(catalogues[locale] as Record<string, string>)) {
      assert.doesNotMatch(message, /'[{}#|']/, `${locale} ${key}: an apostrophe before {, }, #, | or ' is ICU quoting; use ’ or rephrase`);
    }
  }
});
