// How a SCIM User (RFC 7643 4.1, with the enterprise extension of 4.3) maps onto a Foyer customer:
// every attribute lives in a trait of the tenant's trait schema, so the customer has one profile
// whichever way it changes (account portal, admin API, SCIM). `userName` is the schema's first
// identifier (the email by default); `emails` and `phoneNumbers` are its verifiable traits; the
// other attributes map to the trait of the conventional (OpenID Connect) name when the schema has
// one (`name.givenName` → `given_name`, enterprise `department` → `department`); every other trait
// of the schema is an attribute of the Foyer traits extension (scim-schemas.ts). An attribute whose
// trait the schema lacks is not kept: a tenant that wants it adds the trait to its schema.
import type { AddressKind, Identity, Traits } from '../identity/identity.ts';
import type { TraitSchema } from '../identity/traits.ts';
import { identifierTraits, verifiableTraits } from '../identity/traits.ts';
import { invalidValue } from './scim-error.ts';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The tenant's other traits (generated from its trait schema). */
export const TRAITS_SCHEMA = 'urn:ietf:params:scim:schemas:extension:foyer:2.0:User';

/** The `type` a multi-valued address shows: what provisioning clients (Entra ID, Okta) read and write. */
const ADDRESS_TYPES: Readonly<Record<AddressKind, string>> = { email: 'work', phone: 'mobile' };

/** Single-valued attributes and the trait each maps to when the schema has it: [schema, attribute path, trait]. */
const SIMPLE_ATTRIBUTES: readonly (readonly [string, string, string])[] = [
  [USER_SCHEMA, 'name.formatted', 'name'],
  [USER_SCHEMA, 'displayName', 'name'],
  [USER_SCHEMA, 'name.givenName', 'given_name'],
  [USER_SCHEMA, 'name.familyName', 'family_name'],
  [USER_SCHEMA, 'name.middleName', 'middle_name'],
  [USER_SCHEMA, 'name.honorificPrefix', 'honorific_prefix'],
  [USER_SCHEMA, 'name.honorificSuffix', 'honorific_suffix'],
  [USER_SCHEMA, 'nickName', 'nickname'],
  [USER_SCHEMA, 'profileUrl', 'profile'],
  [USER_SCHEMA, 'title', 'title'],
  [USER_SCHEMA, 'userType', 'user_type'],
  [USER_SCHEMA, 'preferredLanguage', 'preferred_language'],
  [USER_SCHEMA, 'locale', 'locale'],
  [USER_SCHEMA, 'timezone', 'zoneinfo'],
  [ENTERPRISE_SCHEMA, 'employeeNumber', 'employee_number'],
  [ENTERPRISE_SCHEMA, 'costCenter', 'cost_center'],
  [ENTERPRISE_SCHEMA, 'organization', 'organization'],
  [ENTERPRISE_SCHEMA, 'division', 'division'],
  [ENTERPRISE_SCHEMA, 'department', 'department'],
  [ENTERPRISE_SCHEMA, 'manager.value', 'manager_id'],
];

type SimpleAttribute = { readonly schema: string; readonly path: string; readonly trait: string };
/** A multi-valued attribute backed by traits: each trait holding a value is one entry, the first primary. */
export type AddressAttribute = { readonly attribute: 'emails' | 'phoneNumbers'; readonly type: string; readonly traits: readonly string[] };
type ExtensionTrait = { readonly name: string; readonly property: Readonly<Record<string, unknown>> };

/** The User attributes of one trait schema. */
export type UserMapping = {
  readonly userName: string | undefined;
  readonly simple: readonly SimpleAttribute[];
  readonly emails: AddressAttribute;
  readonly phoneNumbers: AddressAttribute;
  /** The traits no core or enterprise attribute holds: the Foyer traits extension. */
  readonly extension: readonly ExtensionTrait[];
};

const mappings = new WeakMap<TraitSchema, UserMapping>();

export function userMappingOf(schema: TraitSchema): UserMapping {
  const known = mappings.get(schema);
  if (known) return known;
  const properties = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const verifiable = verifiableTraits(schema);
  const emailTraits = verifiable.filter(([, kind]) => kind === 'email').map(([name]) => name);
  const phoneTraits = verifiable.filter(([, kind]) => kind === 'phone').map(([name]) => name);
  const identifiers = identifierTraits(schema);
  const userName = identifiers.find((name) => !emailTraits.includes(name) && !phoneTraits.includes(name)) ?? identifiers[0];
  const phones = phoneTraits.length > 0 ? phoneTraits : 'phone_number' in properties && userName !== 'phone_number' ? ['phone_number'] : [];
  const taken = new Set([...(userName ? [userName] : []), ...emailTraits, ...phones]);
  const simple = SIMPLE_ATTRIBUTES.filter(([, , trait]) => trait in properties && !taken.has(trait)).map(([schemaUrn, path, trait]) => ({ schema: schemaUrn, path, trait }));
  for (const attribute of simple) taken.add(attribute.trait);
  const extension = Object.entries(properties).filter(([name]) => !taken.has(name)).map(([name, property]) => ({ name, property }));
  const mapping = { userName, simple, emails: { attribute: 'emails', type: ADDRESS_TYPES.email, traits: emailTraits }, phoneNumbers: { attribute: 'phoneNumbers', type: ADDRESS_TYPES.phone, traits: phones }, extension } as const;
  mappings.set(schema, mapping);
  return mapping;
}

type Json = Record<string, unknown>;

/** The SCIM User of a customer (without `meta.location` and `meta.version`, which the surface adds). */
export function userOf(identity: Identity, mapping: UserMapping): Json {
  const traits = identity.traits;
  const user: Json = { id: identity.id };
  const schemas = [USER_SCHEMA];
  if (identity.externalId !== null) user['externalId'] = identity.externalId;
  if (mapping.userName && traits[mapping.userName] !== undefined) user['userName'] = String(traits[mapping.userName]);
  const enterprise: Json = {};
  for (const attribute of mapping.simple) {
    const value = traits[attribute.trait];
    if (value === undefined || value === null) continue;
    setPath(attribute.schema === ENTERPRISE_SCHEMA ? enterprise : user, attribute.path, value);
  }
  user['active'] = identity.status === 'active';
  for (const addresses of [mapping.emails, mapping.phoneNumbers]) {
    const entries = addresses.traits.flatMap((trait, index) => {
      const value = traits[trait];
      return typeof value === 'string' && value !== '' ? [{ value, type: addresses.type, primary: index === 0 }] : [];
    });
    if (entries.length > 0) user[addresses.attribute] = entries;
  }
  if (Object.keys(enterprise).length > 0) {
    schemas.push(ENTERPRISE_SCHEMA);
    user[ENTERPRISE_SCHEMA] = enterprise;
  }
  const extension = Object.fromEntries(mapping.extension.flatMap(({ name }) => (traits[name] === undefined ? [] : [[name, traits[name]]])));
  if (Object.keys(extension).length > 0) {
    schemas.push(TRAITS_SCHEMA);
    user[TRAITS_SCHEMA] = extension;
  }
  user['meta'] = { resourceType: 'User', created: new Date(identity.createdAt).toISOString(), lastModified: new Date(identity.updatedAt).toISOString() };
  return { schemas, ...user };
}

/** What a SCIM User says about the customer: the traits it maps to, whether they may sign in, their external id. */
export type UserInput = { readonly traits: Traits; readonly active: boolean | undefined; readonly externalId: string | undefined };

/**
 * The traits of a User as a client sent it (POST, PUT, or the result of a PATCH). Attribute names
 * are case-insensitive (RFC 7643 2.1); attributes without a trait are ignored. A userName and a
 * primary email that name the same trait must agree, unless `previous` (the traits a PATCH started
 * from) shows which of them changed.
 */
export function userInputOf(resource: Json, mapping: UserMapping, previous?: Traits): UserInput {
  const traits: Record<string, unknown> = {};
  const enterprise = asObject(member(resource, ENTERPRISE_SCHEMA)) ?? {};
  for (const attribute of mapping.simple) {
    const value = pathValue(attribute.schema === ENTERPRISE_SCHEMA ? enterprise : resource, attribute.path);
    // displayName and name.formatted share the `name` trait: the formatted name wins when both are given.
    if (value !== undefined && value !== null && traits[attribute.trait] === undefined) traits[attribute.trait] = value;
  }
  for (const addresses of [mapping.emails, mapping.phoneNumbers]) {
    const given = member(resource, addresses.attribute);
    if (given === undefined || given === null) continue;
    if (!Array.isArray(given)) throw invalidValue(`"${addresses.attribute}" must be an array.`);
    // Primary first, then the entries of this tenant's type, then the others, each trait taking the next.
    const entries = given.map(asObject).filter((entry): entry is Json => entry !== undefined && typeof member(entry, 'value') === 'string');
    const ranked = [...entries].sort((a, b) => rank(b, addresses.type) - rank(a, addresses.type));
    addresses.traits.forEach((trait, index) => {
      const entry = ranked[index];
      if (entry) traits[trait] = member(entry, 'value');
    });
  }
  const userName = member(resource, 'userName');
  if (mapping.userName && userName !== undefined && userName !== null) {
    if (typeof userName !== 'string' || userName.trim() === '') throw invalidValue('"userName" must be a non-empty string.');
    const fromAddresses = traits[mapping.userName];
    const same = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();
    if (typeof fromAddresses === 'string' && !same(fromAddresses, userName)) {
      // After a PATCH, the one the operations changed wins; otherwise they must agree.
      const before = previous?.[mapping.userName];
      if (same(userName, before)) traits[mapping.userName] = fromAddresses;
      else if (!same(fromAddresses, before)) throw invalidValue(`"userName" and the primary entry of "emails" both hold this tenant's "${mapping.userName}" trait: they must be the same.`);
      else traits[mapping.userName] = userName;
    } else {
      traits[mapping.userName] = userName;
    }
  }
  const extension = asObject(member(resource, TRAITS_SCHEMA)) ?? {};
  for (const { name } of mapping.extension) {
    const value = member(extension, name);
    if (value !== undefined && value !== null) traits[name] = value;
  }
  const active = member(resource, 'active');
  if (active !== undefined && active !== null && typeof active !== 'boolean') throw invalidValue('"active" must be true or false.');
  const externalId = member(resource, 'externalId');
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId === '' || externalId.length > 200)) throw invalidValue('"externalId" must be a string of 1 to 200 characters.');
  return { traits, active: active ?? undefined, externalId: (externalId as string | null | undefined) ?? undefined };
}

function rank(entry: Json, type: string): number {
  return (member(entry, 'primary') === true ? 2 : 0) + (String(member(entry, 'type') ?? '').toLowerCase() === type ? 1 : 0);
}

/** A member of a SCIM object, by a case-insensitive name. */
function member(object: Json, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

function pathValue(object: Json, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    const here = asObject(current);
    if (!here) return undefined;
    current = member(here, part);
  }
  return current;
}

function setPath(object: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = object;
  for (const part of parts.slice(0, -1)) current = (current[part] ??= {}) as Json;
  current[parts.at(-1)!] = value;
}

export function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
