// `attributes` and `excludedAttributes` (RFC 7644 3.4.2.5, 3.9): which attributes of a resource an
// answer holds. Paths are case-insensitive, may name a sub-attribute (`name.givenName`), and may be
// qualified by a schema URN (`urn:…:enterprise:2.0:User:department`, or the URN alone for the
// whole extension). `id` and `schemas` are always returned.
import { ScimError } from './scim-error.ts';

type Json = Record<string, unknown>;
const ALWAYS = new Set(['id', 'schemas']);

/** A path as the keys to follow from the top of the resource. */
function keysOf(path: string, extensions: readonly string[], resource: Json): string[] {
  const lower = path.toLowerCase();
  for (const urn of extensions) {
    const prefix = urn.toLowerCase();
    if (lower === prefix) return [urn];
    if (lower.startsWith(`${prefix}:`)) return [urn, ...path.slice(urn.length + 1).split('.')];
  }
  // A core attribute may be qualified by the resource's core schema URN.
  const core = (resource['schemas'] as string[] | undefined)?.[0];
  const plain = core && lower.startsWith(`${core.toLowerCase()}:`) ? path.slice(core.length + 1) : path;
  return plain.split('.');
}

function find(object: Json, key: string): string | undefined {
  const lower = key.toLowerCase();
  return Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
}

export type Selection = { readonly attributes?: string | undefined; readonly excludedAttributes?: string | undefined };

function listOf(value: string): string[] {
  return value.split(',').map((path) => path.trim()).filter((path) => path !== '');
}

/** The resource as the selection asks. */
export function selectAttributes(resource: Json, selection: Selection, extensions: readonly string[]): Json {
  if (selection.attributes !== undefined && selection.excludedAttributes !== undefined) throw new ScimError(400, 'invalidSyntax', 'Give attributes or excludedAttributes, not both.');
  if (selection.attributes !== undefined) {
    const out: Json = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
    for (const path of listOf(selection.attributes)) copy(resource, out, keysOf(path, extensions, resource));
    return out;
  }
  if (selection.excludedAttributes !== undefined) {
    const out = structuredClone(resource);
    for (const path of listOf(selection.excludedAttributes)) remove(out, keysOf(path, extensions, resource));
    return out;
  }
  return resource;
}

function copy(from: Json, to: Json, keys: string[]): void {
  const [first, ...rest] = keys;
  const key = first === undefined ? undefined : find(from, first);
  if (key === undefined) return;
  const value = from[key];
  if (rest.length === 0) {
    to[key] = value;
    return;
  }
  if (Array.isArray(value)) {
    // A sub-attribute of a multi-valued attribute: that sub-attribute of each entry.
    const existing = (Array.isArray(to[key]) ? to[key] : value.map(() => ({}))) as Json[];
    value.forEach((entry, index) => typeof entry === 'object' && entry !== null && copy(entry as Json, existing[index]!, rest));
    to[key] = existing;
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const inner = (typeof to[key] === 'object' && to[key] !== null ? to[key] : {}) as Json;
  copy(value as Json, inner, rest);
  to[key] = inner;
}

function remove(from: Json, keys: string[]): void {
  const [first, ...rest] = keys;
  const key = first === undefined ? undefined : find(from, first);
  if (key === undefined || (rest.length === 0 && ALWAYS.has(key))) return;
  if (rest.length === 0) {
    delete from[key];
    return;
  }
  const value = from[key];
  if (Array.isArray(value)) for (const entry of value) if (typeof entry === 'object' && entry !== null) remove(entry as Json, rest);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) remove(value as Json, rest);
}
