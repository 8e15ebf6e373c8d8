// Forms generated from a trait schema (console/src/lib/trait-form.ts): the field each trait becomes,
// its label, the starting values, and the merge patch (or the problems) a submitted form makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsOf, formValuesOf, patchOf, traitsOf } from '../../console/src/lib/trait-form.ts';
import type { TraitSchema } from '../../console/src/lib/trait-form.ts';

const SCHEMA: TraitSchema = {
  properties: {
    email: { type: 'string', 'x-foyer': { identifier: true, verifiable: 'email' } },
    plan: { enum: ['free', 'pro'], title: 'Plan', 'x-foyer': { titles: { de: 'Tarif' }, enumTitles: { pro: { de: 'Profi' } } } },
    seats: { type: 'integer', minimum: 1, maximum: 50 },
    newsletter: { type: 'boolean' },
    birthday: { type: 'string', format: 'date' },
    nickname: { type: 'string', maxLength: 5 },
    address: { type: 'object' },
  },
  required: ['plan', 'email'],
};

test('each trait becomes the field of its type, required ones first in their order, labelled in the language', () => {
  const fields = fieldsOf(SCHEMA, 'de');
  assert.deepEqual(fields.map((field) => [field.name, field.kind, field.required]), [
    ['plan', 'enum', true], ['email', 'email', true], ['seats', 'integer', false], ['newsletter', 'boolean', false], ['birthday', 'date', false], ['nickname', 'text', false], ['address', 'json', false],
  ]);
  assert.equal(fields[0]!.label, 'Tarif');
  assert.deepEqual(fields[0]!.options, [{ value: 'free', label: 'free' }, { value: 'pro', label: 'Profi' }]);
  assert.equal(fields[1]!.label, 'E-Mail', 'Foyer’s own label for a trait it knows');
  assert.equal(fields[1]!.identifier, true);
  assert.equal(fieldsOf(SCHEMA, 'en')[0]!.label, 'Plan', 'the schema’s title when the language has none');
  assert.equal(fieldsOf(SCHEMA, 'en')[2]!.label, 'seats', 'else the name');
  assert.deepEqual(fieldsOf(undefined, 'en').map((field) => field.name), ['email', 'name', 'given_name', 'family_name', 'locale'], 'Foyer’s default schema');
});

test('the inputs start from the traits: text, ticked boxes, JSON for objects', () => {
  const values = formValuesOf(fieldsOf(SCHEMA, 'en'), { email: 'a@example.com', seats: 3, newsletter: true, address: { city: 'Graz' } });
  assert.deepEqual(values, { plan: '', email: 'a@example.com', seats: '3', newsletter: true, birthday: '', nickname: '', address: '{"city":"Graz"}' });
});

test('a submitted form is a merge patch of what changed: set, removed (null) when emptied, untouched left out', () => {
  const fields = fieldsOf(SCHEMA, 'en');
  const original = { email: 'a@example.com', plan: 'free', seats: 3, nickname: 'Al', newsletter: true };
  const values = { ...formValuesOf(fields, original), plan: 'pro', seats: ' 4 ', nickname: '', newsletter: false };
  assert.deepEqual(patchOf(fields, original, values), { patch: { plan: 'pro', seats: 4, newsletter: false, nickname: null }, problems: [] });
  assert.deepEqual(patchOf(fields, original, formValuesOf(fields, original)), { patch: {}, problems: [] }, 'nothing changed, nothing sent');
});

test('problems the form sees name their field, and then nothing is sent', () => {
  const fields = fieldsOf(SCHEMA, 'en');
  const values = { ...formValuesOf(fields, {}), email: '', plan: 'gold', seats: '2.5', nickname: 'too long', address: '{' };
  assert.deepEqual(patchOf(fields, {}, values), {
    patch: {},
    problems: [{ field: 'plan', code: 'not_an_option' }, { field: 'email', code: 'required' }, { field: 'seats', code: 'not_an_integer' }, { field: 'nickname', code: 'too_long' }, { field: 'address', code: 'not_json' }],
  });
  assert.deepEqual(patchOf(fields, {}, { ...values, email: 'x@example.com', plan: 'pro', seats: '99', nickname: '', address: '' }).problems, [{ field: 'seats', code: 'too_large' }]);
});

test('a new customer’s traits are the filled-in fields', () => {
  const fields = fieldsOf(SCHEMA, 'en');
  assert.deepEqual(traitsOf(fields, { ...formValuesOf(fields, {}), email: 'new@example.com', plan: 'pro', seats: '2' }), { traits: { plan: 'pro', email: 'new@example.com', seats: 2 }, problems: [] });
});
