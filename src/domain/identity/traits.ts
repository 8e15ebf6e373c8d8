// Traits are validated by the tenant's JSON Schema (tenant.settings.identitySchema, or the default
// below). The extension keyword `x-foyer` marks which traits identify a customer (`identifier`) and
// which are addresses Foyer can verify (`verifiable: 'email' | 'phone'`), and gives titles per
// language (`titles`, `enumTitles`: trait-fields.ts). Of the string formats, `date` is checked.
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FieldProblem } from '../errors.ts';
import type { AddressKind, Traits } from './identity.ts';

export type TraitSchema = Readonly<Record<string, unknown>>;
type TraitProperty = { type?: string; 'x-foyer'?: { identifier?: boolean; verifiable?: AddressKind } };

export const DEFAULT_TRAIT_SCHEMA: TraitSchema = {
  type: 'object',
  properties: {
    email: { type: 'string', maxLength: 254, 'x-foyer': { identifier: true, verifiable: 'email' } },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    given_name: { type: 'string', maxLength: 100 },
    family_name: { type: 'string', maxLength: 100 },
    locale: { type: 'string', pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' },
  },
  required: ['email'],
  additionalProperties: false,
};

const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]{2,}$/;

// Formats other than `date` (`uri`, `email`…) are not checked, as before formats were: silently.
const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
addFormats.default(ajv, ['date']);
const localizedTitles = {
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' },
  additionalProperties: { type: 'string', minLength: 1, maxLength: 200 },
} as const;
ajv.addKeyword({
  keyword: 'x-foyer',
  schemaType: 'object',
  // Checked when a schema is compiled, so `tenants configure` refuses a misshapen extension.
  metaSchema: {
    type: 'object',
    properties: {
      identifier: { type: 'boolean' },
      verifiable: { enum: ['email', 'phone'] },
      titles: localizedTitles,
      enumTitles: { type: 'object', additionalProperties: localizedTitles },
    },
  },
});
const compiled = new WeakMap<TraitSchema, ValidateFunction>();

/** The tenant's trait schema (its settings' `identitySchema`), or the default one. */
export function traitSchemaOf(settings: { readonly identitySchema?: TraitSchema | undefined }): TraitSchema {
  return settings.identitySchema ?? DEFAULT_TRAIT_SCHEMA;
}

/** Every problem with `traits`, as field problems named by trait (`name`, `address.city`). */
export function validateTraits(schema: TraitSchema, traits: Traits): FieldProblem[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const problems = validate(traits) ? [] : (validate.errors ?? []).map(toProblem);
  for (const [name, kind] of verifiableTraits(schema)) {
    const value = traits[name];
    if (kind === 'email' && typeof value === 'string' && !EMAIL.test(value.trim())) {
      problems.push({ field: name, code: 'email.invalid', message: 'Enter an email address like name@example.com.' });
    }
  }
  return problems;
}

/** The traits that are verifiable addresses, with their kind. */
export function verifiableTraits(schema: TraitSchema): [string, AddressKind][] {
  return Object.entries(propertiesOf(schema)).flatMap(([name, property]) => {
    const kind = property['x-foyer']?.verifiable;
    return kind ? [[name, kind] as [string, AddressKind]] : [];
  });
}

/** The traits a customer can sign in with. */
export function identifierTraits(schema: TraitSchema): string[] {
  return Object.entries(propertiesOf(schema)).filter(([, property]) => property['x-foyer']?.identifier).map(([name]) => name);
}

/** Whether the schema has a trait of this name at all. */
export function hasTrait(schema: TraitSchema, name: string): boolean {
  return name in propertiesOf(schema);
}

function propertiesOf(schema: TraitSchema): Record<string, TraitProperty> {
  return (schema['properties'] ?? {}) as Record<string, TraitProperty>;
}

function toProblem(error: ErrorObject): FieldProblem {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'required') {
    const field = [path, String(error.params['missingProperty'])].filter(Boolean).join('.');
    return { field, code: 'field.required', message: 'This field is required.' };
  }
  if (error.keyword === 'additionalProperties') {
    const field = [path, String(error.params['additionalProperty'])].filter(Boolean).join('.');
    return { field, code: 'field.unknown', message: 'This field is not part of the profile.' };
  }
  const field = path || '(traits)';
  const message = error.message ?? 'is not valid';
  // A box that must be ticked (`const: true`, or `enum: [true]`), such as accepting terms.
  const allowed = error.keyword === 'const' ? [error.params['allowedValue']] : error.keyword === 'enum' ? (error.params['allowedValues'] as unknown[]) : undefined;
  if (allowed?.length === 1 && allowed[0] === true) return { field, code: 'field.must_accept', message: 'Tick this box to continue.' };
  const params = Object.fromEntries(
    Object.entries({ limit: error.params['limit'], type: error.params['type'], format: error.params['format'] }).filter(([, value]) => typeof value === 'string' || typeof value === 'number'),
  ) as Record<string, string | number>;
  return { field, code: `field.${error.keyword}`, message, ...(Object.keys(params).length > 0 ? { params } : {}) };
}
