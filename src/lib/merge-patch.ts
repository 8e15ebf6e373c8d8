// JSON Merge Patch (RFC 7396): how a client changes part of a JSON document by sending only what
// changes. An object patch merges member by member, `null` removes a member, anything else (an
// array, a string, a number) replaces the target whole.

type JsonObject = { readonly [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The document `target` with `patch` applied (RFC 7396 section 2); neither argument is changed. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result: Record<string, unknown> = isJsonObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    // Defined, not assigned: a member called "__proto__" is data, never the object's prototype.
    else Object.defineProperty(result, name, { value: applyMergePatch(Object.hasOwn(result, name) ? result[name] : undefined, value), enumerable: true, writable: true, configurable: true });
  }
  return result;
}
