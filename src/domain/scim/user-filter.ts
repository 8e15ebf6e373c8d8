// SCIM filters (RFC 7644 3.4.2.2) on Users, parsed by `scim2-parse-filter` and turned into an
// IdentityCondition that the identity store evaluates in SQL: attributes become the traits or
// columns that hold them (user-mapping.ts), so a filter never loads the tenant's customers. What
// the representation fixes rather than stores (an email entry's `type`, which entry is primary)
// is decided here, per entry, so `emails[type eq "work" and value co "@x"]` means exactly what it
// means on the representation. The same resolution serves `sortBy`.
import type { Filter } from 'scim2-parse-filter';
import { parseScimFilter } from './filter-parser.ts';
import type { ConditionOperator, IdentityCondition, IdentityOrder } from '../identity/identity.port.ts';
import { foldForSearch, TRAIT_INDEX_MAX_LENGTH } from '../identity/trait-index.ts';
import { ScimError } from './scim-error.ts';
import type { AddressAttribute, UserMapping } from './user-mapping.ts';
import { ENTERPRISE_SCHEMA, TRAITS_SCHEMA, USER_SCHEMA } from './user-mapping.ts';

type Value = boolean | null | number | string;

/** Attributes of the User schemas that Foyer knows but may not hold (no trait for them): they match nothing. */
const UNHELD = new Set(
  [
    'name', 'name.formatted', 'name.familyName', 'name.givenName', 'name.middleName', 'name.honorificPrefix', 'name.honorificSuffix', 'displayName', 'nickName', 'profileUrl', 'title', 'userType',
    'preferredLanguage', 'locale', 'timezone', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'entitlements', 'roles', 'x509Certificates',
    'meta.version', 'meta.location',
  ].map((name) => name.toLowerCase()),
);
const ENTERPRISE_ATTRIBUTES = new Set(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager', 'manager.value', 'manager.$ref', 'manager.displayName'].map((name) => name.toLowerCase()));

function invalidFilter(detail: string): ScimError {
  return new ScimError(400, 'invalidFilter', detail);
}

/** The condition of a filter string; ScimError `invalidFilter` when it does not parse or names an unknown attribute. */
export function userConditionOf(filter: string, mapping: UserMapping): IdentityCondition {
  return conditionOf(parseScimFilter(filter), mapping, undefined);
}

/** An attribute path as (schema, path below it), the schema URN prefix removed. */
function split(attrPath: string): { schema: string; path: string } {
  const lower = attrPath.toLowerCase();
  for (const schema of [ENTERPRISE_SCHEMA, TRAITS_SCHEMA, USER_SCHEMA]) {
    if (lower.startsWith(`${schema.toLowerCase()}:`)) return { schema, path: attrPath.slice(schema.length + 1) };
  }
  return { schema: USER_SCHEMA, path: attrPath };
}

function conditionOf(filter: Filter, mapping: UserMapping, within: AddressEntry | undefined): IdentityCondition {
  switch (filter.op) {
    case 'and':
      return { all: filter.filters.map((each) => conditionOf(each, mapping, within)) };
    case 'or':
      return { any: filter.filters.map((each) => conditionOf(each, mapping, within)) };
    case 'not':
      return { not: conditionOf(filter.filter, mapping, within) };
    case '[]': {
      if (within) throw invalidFilter('A value filter cannot hold another.');
      if (filter.attrPath.toLowerCase() === 'groups') return groupCondition(filter.valFilter);
      const addresses = addressAttribute(mapping, filter.attrPath);
      if (addresses) return { any: entriesOf(addresses).map((entry) => conditionOf(filter.valFilter, mapping, entry)) };
      // A complex single-valued attribute (`name[givenName sw "A"]`): its sub-attributes in place.
      return conditionOf(prefixed(filter.valFilter, filter.attrPath), mapping, undefined);
    }
    default: {
      const value = filter.op === 'pr' ? undefined : (filter as { compValue: Value }).compValue;
      return within ? entryCondition(within, filter.attrPath, filter.op, value) : attributeCondition(mapping, filter.attrPath, filter.op, value);
    }
  }
}

/** `groups[value eq "<id>"]`, `groups[value pr]`. */
function groupCondition(filter: Filter): IdentityCondition {
  if (filter.op === 'eq' && filter.attrPath.toLowerCase() === 'value' && typeof filter.compValue === 'string') return { group: filter.compValue };
  if (filter.op === 'pr' && filter.attrPath.toLowerCase() === 'value') return { group: null };
  throw invalidFilter('Groups are filtered by `groups[value eq "<group id>"]`.');
}

function prefixed(filter: Filter, parent: string): Filter {
  if (filter.op === 'and' || filter.op === 'or') return { ...filter, filters: filter.filters.map((each) => prefixed(each, parent)) };
  if (filter.op === 'not') return { ...filter, filter: prefixed(filter.filter, parent) };
  if (filter.op === '[]') throw invalidFilter('A value filter cannot hold another.');
  const attribute = filter as Exclude<Filter, { op: 'and' | 'or' | 'not' | '[]' }>;
  return { ...attribute, attrPath: `${parent}.${attribute.attrPath}` };
}

/** One entry of `emails` or `phoneNumbers`: the trait that holds its value, its fixed type and primacy. */
type AddressEntry = { readonly trait: string; readonly type: string; readonly primary: boolean };

function entriesOf(addresses: AddressAttribute): AddressEntry[] {
  return addresses.traits.map((trait, index) => ({ trait, type: addresses.type, primary: index === 0 }));
}

function addressAttribute(mapping: UserMapping, attrPath: string): AddressAttribute | undefined {
  const { schema, path } = split(attrPath);
  if (schema !== USER_SCHEMA) return undefined;
  const lower = path.toLowerCase();
  if (lower === 'emails') return mapping.emails;
  if (lower === 'phonenumbers') return mapping.phoneNumbers;
  return undefined;
}

/** A sub-attribute of one address entry: `value` reads its trait, `type` and `primary` are known here. */
function entryCondition(entry: AddressEntry, subAttribute: string, op: ConditionOperator, value: Value | undefined): IdentityCondition {
  const held: IdentityCondition = { traits: [entry.trait], op: 'pr' };
  switch (subAttribute.toLowerCase()) {
    case 'value':
    case 'display':
      return traitCondition([entry.trait], op, value);
    case 'type':
      return { all: [held, { constant: compareKnown(entry.type, op, value) }] };
    case 'primary':
      return { all: [held, { constant: compareKnown(entry.primary, op, value) }] };
    default:
      return { constant: op === 'ne' };
  }
}

function attributeCondition(mapping: UserMapping, attrPath: string, op: ConditionOperator, value: Value | undefined): IdentityCondition {
  const { schema, path } = split(attrPath);
  const lower = path.toLowerCase();
  if (schema === USER_SCHEMA) {
    if (lower === 'id') return columnCondition('id', op, value);
    // caseExact: compared as given (RFC 7643 3.1).
    if (lower === 'externalid') return op === 'pr' ? { column: 'externalId', op } : columnCondition('externalId', op, value);
    if (lower === 'username') return mapping.userName ? traitCondition([mapping.userName], op, value) : { constant: op === 'ne' };
    if (lower === 'active') {
      if (op === 'pr') return { constant: true };
      if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne')) throw invalidFilter('"active" compares with eq or ne to true or false.');
      return { column: 'status', op: (op === 'eq') === value ? 'eq' : 'ne', value: 'active' };
    }
    if (lower === 'groups' || lower === 'groups.value') {
      if (op === 'pr') return { group: null };
      if (op === 'eq' && typeof value === 'string') return { group: value };
      throw invalidFilter('Groups are filtered by `groups.value eq "<group id>"` or `groups pr`.');
    }
    if (lower === 'meta.created') return timeCondition('createdAt', op, value);
    if (lower === 'meta.lastmodified') return timeCondition('updatedAt', op, value);
    if (lower === 'meta.resourcetype') return { constant: compareKnown('User', op, value) };
    for (const addresses of [mapping.emails, mapping.phoneNumbers]) {
      const name = addresses.attribute.toLowerCase();
      // `emails co "@x"` compares the entries' values (RFC 7644 3.4.2.2), like `emails.value`.
      if (lower === name) return { any: entriesOf(addresses).map((entry) => entryCondition(entry, 'value', op, value)) };
      if (lower.startsWith(`${name}.`)) return { any: entriesOf(addresses).map((entry) => entryCondition(entry, lower.slice(name.length + 1), op, value)) };
    }
  }
  const simple = mapping.simple.find((attribute) => attribute.schema === schema && attribute.path.toLowerCase() === lower);
  if (simple) return traitCondition([simple.trait], op, value);
  if (schema === TRAITS_SCHEMA || schema === USER_SCHEMA) {
    const trait = mapping.extension.find((candidate) => candidate.name.toLowerCase() === lower);
    if (trait) return traitCondition([trait.name], op, value);
  }
  const known = schema === USER_SCHEMA ? UNHELD.has(lower) : schema === ENTERPRISE_SCHEMA && ENTERPRISE_ATTRIBUTES.has(lower);
  // An attribute of the schemas this tenant keeps no trait for: no customer has a value.
  if (known) return { constant: op === 'ne' };
  throw invalidFilter(`Users have no attribute "${attrPath}" in this tenant.`);
}

/** A trait's searchable text (trait-index.ts): compared folded, so text filters ignore case, as SCIM's caseExact=false attributes do. */
function traitCondition(traits: readonly string[], op: ConditionOperator, value: Value | undefined): IdentityCondition {
  if (op === 'pr') return { traits, op };
  if (value === null) return op === 'eq' ? { not: { traits, op: 'pr' } } : op === 'ne' ? { traits, op: 'pr' } : { constant: false };
  if (value === undefined) return { constant: false };
  const text = foldForSearch(String(value));
  if (text.length > TRAIT_INDEX_MAX_LENGTH) throw invalidFilter(`Values in filters are at most ${TRAIT_INDEX_MAX_LENGTH} characters.`);
  return { traits, op, value: text };
}

function columnCondition(column: 'id' | 'externalId', op: ConditionOperator, value: Value | undefined): IdentityCondition {
  if (op === 'pr') return { constant: true };
  if (typeof value !== 'string') return { constant: op === 'ne' };
  return { column, op, value };
}

function timeCondition(time: 'createdAt' | 'updatedAt', op: ConditionOperator, value: Value | undefined): IdentityCondition {
  if (op === 'pr') return { constant: true };
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw invalidFilter('Times compare with an RFC 3339 date-time, e.g. "2026-01-01T00:00:00Z".');
  if (op === 'co' || op === 'sw' || op === 'ew') throw invalidFilter(`"${op}" does not compare times.`);
  return { time, op, value: at };
}

/** A comparison whose left side Foyer knows without reading anything (an entry's type, the resource type). */
function compareKnown(known: string | boolean, op: ConditionOperator, value: Value | undefined): boolean {
  if (op === 'pr') return true;
  if (typeof known === 'boolean') {
    if (op === 'eq') return value === known;
    if (op === 'ne') return value !== known;
    throw invalidFilter(`"${op}" does not compare booleans.`);
  }
  if (typeof value !== 'string') return op === 'ne';
  const left = known.toLowerCase();
  const right = value.toLowerCase();
  switch (op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'co':
      return left.includes(right);
    case 'sw':
      return left.startsWith(right);
    case 'ew':
      return left.endsWith(right);
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}

/** `sortBy` as an order; ScimError `invalidValue` for an attribute Users cannot be sorted by. */
export function userOrderOf(sortBy: string | undefined, sortOrder: string | undefined, mapping: UserMapping): IdentityOrder {
  if (sortOrder !== undefined && !['ascending', 'descending'].includes(sortOrder.toLowerCase())) throw new ScimError(400, 'invalidValue', '"sortOrder" is "ascending" or "descending".');
  const descending = sortOrder?.toLowerCase() === 'descending';
  if (sortBy === undefined) return { by: { column: 'createdAt' }, descending };
  const { schema, path } = split(sortBy);
  const lower = path.toLowerCase();
  if (schema === USER_SCHEMA) {
    if (lower === 'id') return { by: { column: 'id' }, descending };
    if (lower === 'externalid') return { by: { column: 'externalId' }, descending };
    if (lower === 'meta.created') return { by: { column: 'createdAt' }, descending };
    if (lower === 'meta.lastmodified') return { by: { column: 'updatedAt' }, descending };
    if (lower === 'username' && mapping.userName) return { by: { trait: mapping.userName }, descending };
    if ((lower === 'emails' || lower === 'emails.value') && mapping.emails.traits[0]) return { by: { trait: mapping.emails.traits[0] }, descending };
  }
  const simple = mapping.simple.find((attribute) => attribute.schema === schema && attribute.path.toLowerCase() === lower);
  if (simple) return { by: { trait: simple.trait }, descending };
  const trait = schema === USER_SCHEMA || schema === TRAITS_SCHEMA ? mapping.extension.find((candidate) => candidate.name.toLowerCase() === lower) : undefined;
  if (trait) return { by: { trait: trait.name }, descending };
  throw new ScimError(400, 'invalidValue', `Users cannot be sorted by "${sortBy}" in this tenant.`);
}
