// The traits a customer is asked for when signing up, read from the tenant's trait schema: the email
// and every required trait (but `locale`, which Foyer fills from the language of sign-up), its kind (text,
// email, enum, boolean, number, integer, date), its choices, and its title in the customer's
// language. A schema gives titles with `title` (any language) and, per language,
// `"x-foyer": { "titles": { "de": "Tarif" }, "enumTitles": { "pro": { "de": "Profi" } } }`
// (docs/tenants.md). Hosted forms and the CLI give values as text; traitValueOf turns that text
// into the JSON value the schema validates.
import type { TraitSchema } from './traits.ts';

export type TraitFieldKind = 'text' | 'email' | 'enum' | 'boolean' | 'number' | 'integer' | 'date' | 'object';
export type EnumValue = string | number | boolean;
type Localized = Readonly<Record<string, string>>;

export type TraitField = {
  readonly name: string;
  readonly kind: TraitFieldKind;
  readonly required: boolean;
  /** The allowed values of an enum, in the schema's order. */
  readonly options: readonly EnumValue[];
  readonly minLength?: number | undefined;
  readonly maxLength?: number | undefined;
  readonly minimum?: number | undefined;
  readonly maximum?: number | undefined;
  readonly title?: string | undefined;
  readonly titles: Localized;
  readonly enumTitles: Readonly<Record<string, Localized>>;
};

type Property = {
  type?: unknown;
  format?: unknown;
  enum?: unknown;
  const?: unknown;
  title?: unknown;
  minLength?: unknown;
  maxLength?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  'x-foyer'?: { verifiable?: unknown; titles?: Localized; enumTitles?: Record<string, Localized> };
};

/** Traits Foyer fills itself at sign-up, never asked for. */
const FILLED_BY_FOYER = new Set(['locale']);

/**
 * The traits a sign-up asks for: the email (sign-up is verified by email, ADR 0010), then the
 * schema's other required traits in the order of `required` (an array keeps its order where it is
 * stored; the keys of `properties` do not, PostgreSQL's jsonb sorts them).
 */
export function signUpTraitFields(schema: TraitSchema): TraitField[] {
  const properties = (schema['properties'] ?? {}) as Record<string, Property>;
  const required = Array.isArray(schema['required']) ? [...new Set((schema['required'] as unknown[]).map(String))] : [];
  const others = required
    .filter((name) => name !== 'email' && !FILLED_BY_FOYER.has(name) && Object.hasOwn(properties, name))
    .map((name) => fieldOf(name, properties[name]!, true));
  return [{ ...fieldOf('email', properties['email'] ?? {}, true), kind: 'email' }, ...others];
}

/** Any trait of the schema as a field (required or not), to read its value from text; undefined when the schema has no such trait. */
export function traitFieldOf(schema: TraitSchema, name: string): TraitField | undefined {
  const properties = (schema['properties'] ?? {}) as Record<string, Property>;
  const required = Array.isArray(schema['required']) && (schema['required'] as unknown[]).includes(name);
  return Object.hasOwn(properties, name) ? fieldOf(name, properties[name]!, required) : undefined;
}

function fieldOf(name: string, property: Property, required: boolean): TraitField {
  const options = enumOf(property);
  const extension = property['x-foyer'] ?? {};
  return {
    name,
    kind: kindOf(property, options),
    required,
    options,
    minLength: numberOrUndefined(property.minLength),
    maxLength: numberOrUndefined(property.maxLength),
    minimum: numberOrUndefined(property.minimum),
    maximum: numberOrUndefined(property.maximum),
    title: typeof property.title === 'string' ? property.title : undefined,
    titles: extension.titles ?? {},
    enumTitles: extension.enumTitles ?? {},
  };
}

function enumOf(property: Property): EnumValue[] {
  const values = Array.isArray(property.enum) ? property.enum : property.const !== undefined ? [property.const] : [];
  return values.filter((value): value is EnumValue => ['string', 'number', 'boolean'].includes(typeof value));
}

function kindOf(property: Property, options: readonly EnumValue[]): TraitFieldKind {
  const types = Array.isArray(property.type) ? property.type.filter((type) => type !== 'null') : [property.type];
  const type = types[0];
  if (type === 'boolean') return 'boolean';
  if (options.length > 0) return 'enum';
  if (type === 'number' || type === 'integer' || type === 'object') return type;
  if (type === 'array') return 'object';
  if (property.format === 'date') return 'date';
  if (property['x-foyer']?.verifiable === 'email' || property.format === 'email') return 'email';
  return 'text';
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The field's title in `locale` (or its language, `pt` for `pt-BR`), else its plain `title`; undefined when the schema gives none. */
export function traitTitleOf(field: TraitField, locale: string): string | undefined {
  return localized(field.titles, locale) ?? field.title ?? field.titles['en'];
}

/** An enum value's title in `locale`, else in English, else the value itself. */
export function optionTitleOf(field: TraitField, value: EnumValue, locale: string): string {
  const titles = field.enumTitles[String(value)] ?? {};
  return localized(titles, locale) ?? titles['en'] ?? String(value);
}

function localized(titles: Localized, locale: string): string | undefined {
  return titles[locale] ?? titles[locale.split('-')[0]!];
}

/**
 * The value of a trait typed as text (a form field, a CLI argument), as the JSON the schema checks:
 * numbers and booleans parsed, an enum's text matched to its value. Text that does not parse is
 * given back as it is, for the schema to refuse with a message; '' means absent.
 */
export function traitValueOf(field: TraitField, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return field.kind === 'boolean' ? false : undefined;
  switch (field.kind) {
    case 'boolean':
      return ['true', 'on', 'yes', '1'].includes(trimmed.toLowerCase()) ? true : ['false', 'off', 'no', '0'].includes(trimmed.toLowerCase()) ? false : trimmed;
    case 'number':
    case 'integer':
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
    case 'enum':
      return field.options.find((option) => String(option) === trimmed) ?? trimmed;
    default:
      return trimmed;
  }
}

/** Traits from text (a form, the command line): each given field's value (traitValueOf); absent and blank ones left out. */
export function traitsFromText(fields: readonly TraitField[], text: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  for (const field of fields) {
    const given = text[field.name];
    if (given === undefined) continue;
    const value = traitValueOf(field, given);
    if (value !== undefined) traits[field.name] = value;
  }
  return traits;
}
