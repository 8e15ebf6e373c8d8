// The console's catalogues (console/src/i18n): German has every English key (the type checker holds
// that too), no message is empty, and each translation keeps its placeholders.
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
