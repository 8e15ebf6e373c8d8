// fast-check arbitraries from the JSON Schemas of the admin API's OpenAPI document: mostly values
// the schema accepts (so requests reach the handlers and use cases), now and then a hostile value
// (a wrong type, a NUL, a lone surrogate, a prototype key, a number past 2^63) in any position.
import fc from 'fast-check';
import { HOSTILE_STRINGS, HOSTILE_VALUES } from './fuzz-input.ts';

type Schema = Record<string, unknown>;

const hostile = fc.constantFrom(...HOSTILE_VALUES);
const hostileText = fc.constantFrom(...HOSTILE_STRINGS);

/** A value for `schema`: usually one it accepts, sometimes a hostile one. */
export function arbitraryOf(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostile;
  return fc.oneof({ weight: 5, arbitrary: fitting(schema, depth) }, { weight: 1, arbitrary: hostile });
}

/** A string for a path, query or header parameter. */
export function textOf(schema: Schema | undefined): fc.Arbitrary<string> {
  return fc.oneof({ weight: 5, arbitrary: fitting(schema ?? { type: 'string' }, 0).map((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? '')) }, { weight: 1, arbitrary: hostileText });
}

function fitting(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [String(schema['type'] ?? 'object')];
  return fc.oneof(...types.map((type) => ofType(type, schema, depth)));
}

function ofType(type: string, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string': {
      const maxLength = Math.min(Number(schema['maxLength'] ?? 80), 300);
      const minLength = Math.min(Number(schema['minLength'] ?? 0), maxLength);
      if (schema['format'] === 'date-time') return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
      return fc.oneof(
        fc.string({ minLength, maxLength }),
        fc.string({ minLength, maxLength, unit: 'binary' }),
        fc.constantFrom('https://app.example.test/callback', 'ann@example.com', 'correct horse battery staple 42', 'acme', 'web', 'machine').filter((text) => text.length >= minLength && text.length <= maxLength),
      );
    }
    case 'integer':
      return fc.integer({ min: Number(schema['minimum'] ?? -1_000_000), max: Number(schema['maximum'] ?? 1_000_000) });
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryOf(schema['items'] as Schema | undefined, depth + 1), { maxLength: Math.min(Number(schema['maxItems'] ?? 4), 4) });
    default: {
      const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
      const required = ((schema['required'] ?? []) as string[]).filter((name) => name in properties);
      const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, arbitraryOf(property, depth + 1)]));
      const known = fc.record(model, { requiredKeys: required });
      // Sometimes a field no schema names.
      return fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: fc.tuple(known, fc.constantFrom('unknown_field', '__proto__', 'constructor'), hostile).map(([value, name, extra]) => ({ ...value, [name]: extra })) });
    }
  }
}
