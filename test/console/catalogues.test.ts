// The console's catalogues (console/src/i18n): German has every English key (the type checker holds
// that too), no message is empty, each translation keeps its placeholders, and a German message is
// the English one only for the few words German spells the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { en } from '../../console/src/i18n/en.ts';
import { de } from '../../console/src/i18n/de.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('German has every message, none empty, each with the placeholders of the English one', () => {
  assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
  for (const [key, text] of Object.entries(en)) {
    const german = de[key as keyof typeof en];
    assert.ok(text.trim() && german.trim(), `${key} is not empty`);
    assert.deepEqual(placeholders(german), placeholders(text), `${key} keeps its placeholders`);
  }
});

/** Words German spells as English does; any other message left as the English is untranslated. */
const SAME_IN_GERMAN = new Set(['Administrator', 'Support', 'Analyst', 'Status', 'Name', 'Browser', 'App', 'Link']);

test('German translates every message but the words both languages spell the same', () => {
  const untranslated = Object.entries(en).filter(([key, text]) => de[key as keyof typeof en] === text && !SAME_IN_GERMAN.has(text)).map(([key]) => key);
  assert.deepEqual(untranslated, []);
});
