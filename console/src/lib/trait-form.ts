// Forms generated from a tenant's trait schema (tenants.md: `identitySchema`, or Foyer's default):
// which field each trait becomes, its label in the staff member's language, the values the inputs
// start with, and the JSON Merge Patch (RFC 7396) a submitted form makes, with the problems the form
// can see before the API does. Plain functions: tested under node:test (test/console/trait-form.test.ts).

export type TraitSchema = { readonly properties?: Record<string, TraitProperty>; readonly required?: readonly string[] };
type TraitProperty = {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly title?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly 'x-foyer'?: { readonly identifier?: boolean; readonly verifiable?: 'email' | 'phone'; readonly titles?: Record<string, string>; readonly enumTitles?: Record<string, Record<string, string>> };
};

/** Foyer's schema when a tenant has none of its own (src/domain/identity/traits.ts). */
export const DEFAULT_TRAIT_SCHEMA: TraitSchema = {
  properties: {
    email: { type: 'string', maxLength: 254, 'x-foyer': { identifier: true, verifiable: 'email' } },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    given_name: { type: 'string', maxLength: 100 },
    family_name: { type: 'string', maxLength: 100 },
    locale: { type: 'string' },
  },
  required: ['email'],
};

export type FieldKind = 'text' | 'email' | 'tel' | 'enum' | 'boolean' | 'number' | 'integer' | 'date' | 'json';

export type TraitField = {
  readonly name: string;
  readonly kind: FieldKind;
  readonly label: string;
  readonly required: boolean;
  readonly identifier: boolean;
  readonly verifiable: 'email' | 'phone' | undefined;
  readonly options: readonly { value: string; label: string }[];
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
};

/** Labels of the traits Foyer knows, when the schema gives none. */
const KNOWN: Record<string, Record<string, string>> = {
  email: { en: 'Email', de: 'E-Mail' },
  name: { en: 'Full name', de: 'Vollständiger Name' },
  given_name: { en: 'Given name', de: 'Vorname' },
  family_name: { en: 'Family name', de: 'Nachname' },
  locale: { en: 'Language', de: 'Sprache' },
  phone_number: { en: 'Phone number', de: 'Telefonnummer' },
};

function typeOf(property: TraitProperty): string | undefined {
  return Array.isArray(property.type) ? property.type.find((type) => type !== 'null') : (property.type as string | undefined);
}

function kindOf(name: string, property: TraitProperty): FieldKind {
  if (property.enum) return 'enum';
  const type = typeOf(property);
  if (type === 'boolean') return 'boolean';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'string') {
    if (property.format === 'date') return 'date';
    if (property['x-foyer']?.verifiable === 'email' || name === 'email') return 'email';
    if (property['x-foyer']?.verifiable === 'phone') return 'tel';
    return 'text';
  }
  return 'json';
}

/** The label rule of the hosted pages: titles in the language, the schema's title, English, Foyer's own, the name. */
function labelOf(name: string, property: TraitProperty, language: string): string {
  const titles = property['x-foyer']?.titles ?? {};
  return titles[language] ?? titles[language.split('-')[0] ?? ''] ?? property.title ?? titles['en'] ?? KNOWN[name]?.[language] ?? KNOWN[name]?.['en'] ?? name;
}

/** One field per trait, required ones first in the order of `required`, then the others in schema order. */
export function fieldsOf(schema: TraitSchema | undefined, language: string): TraitField[] {
  const properties = (schema ?? DEFAULT_TRAIT_SCHEMA).properties ?? {};
  const required = ((schema ?? DEFAULT_TRAIT_SCHEMA).required ?? []).filter((name) => name in properties);
  const names = [...required, ...Object.keys(properties).filter((name) => !required.includes(name))];
  return names.map((name) => {
    const property = properties[name]!;
    const enumTitles = property['x-foyer']?.enumTitles ?? {};
    return {
      name,
      kind: kindOf(name, property),
      label: labelOf(name, property, language),
      required: required.includes(name),
      identifier: property['x-foyer']?.identifier === true,
      verifiable: property['x-foyer']?.verifiable,
      options: (property.enum ?? []).map((value) => ({ value: String(value), label: enumTitles[String(value)]?.[language] ?? enumTitles[String(value)]?.['en'] ?? String(value) })),
      minLength: property.minLength,
      maxLength: property.maxLength,
      minimum: property.minimum,
      maximum: property.maximum,
    };
  });
}

export type FormValues = Record<string, string | boolean>;

/** What each input shows for these traits: text for text boxes, a boolean for boxes to tick. */
export function formValuesOf(fields: readonly TraitField[], traits: Record<string, unknown>): FormValues {
  return Object.fromEntries(fields.map((field) => {
    const value = traits[field.name];
    if (field.kind === 'boolean') return [field.name, value === true];
    if (value === undefined || value === null) return [field.name, ''];
    return [field.name, field.kind === 'json' ? JSON.stringify(value) : String(value)];
  }));
}

export type FieldProblem = { readonly field: string; readonly code: 'required' | 'not_a_number' | 'not_an_integer' | 'too_short' | 'too_long' | 'too_small' | 'too_large' | 'not_an_option' | 'not_json' };

function parsed(field: TraitField, text: string): { value?: unknown; problem?: FieldProblem['code'] } {
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const number = Number(text);
      if (text.trim() === '' || !Number.isFinite(number)) return { problem: 'not_a_number' };
      if (field.kind === 'integer' && !Number.isInteger(number)) return { problem: 'not_an_integer' };
      if (field.minimum !== undefined && number < field.minimum) return { problem: 'too_small' };
      if (field.maximum !== undefined && number > field.maximum) return { problem: 'too_large' };
      return { value: number };
    }
    case 'enum':
      return field.options.some((option) => option.value === text) ? { value: text } : { problem: 'not_an_option' };
    case 'json':
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        return { problem: 'not_json' };
      }
    default:
      if (field.minLength !== undefined && [...text].length < field.minLength) return { problem: 'too_short' };
      if (field.maxLength !== undefined && [...text].length > field.maxLength) return { problem: 'too_long' };
      return { value: text };
  }
}

/**
 * The merge patch of what changed: a changed value is set, an emptied optional trait is removed
 * (null), an untouched one is left out. Problems name the field; with any, there is no patch.
 */
export function patchOf(fields: readonly TraitField[], original: Record<string, unknown>, values: FormValues): { patch: Record<string, unknown>; problems: FieldProblem[] } {
  const patch: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const field of fields) {
    const input = values[field.name];
    const before = original[field.name];
    if (field.kind === 'boolean') {
      const now = input === true;
      if (now !== (before === true)) patch[field.name] = now;
      continue;
    }
    const text = typeof input === 'string' ? input.trim() : '';
    if (text === '') {
      if (field.required) problems.push({ field: field.name, code: 'required' });
      else if (before !== undefined && before !== null) patch[field.name] = null;
      continue;
    }
    const result = parsed(field, text);
    if (result.problem) problems.push({ field: field.name, code: result.problem });
    else if (JSON.stringify(result.value) !== JSON.stringify(before)) patch[field.name] = result.value;
  }
  return problems.length > 0 ? { patch: {}, problems } : { patch, problems };
}

/** A new customer's traits: every filled-in field (required ones must be). */
export function traitsOf(fields: readonly TraitField[], values: FormValues): { traits: Record<string, unknown>; problems: FieldProblem[] } {
  const { patch, problems } = patchOf(fields, {}, values);
  return { traits: Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null && value !== false)), problems };
}
