// JSON columns travel as text on both engines (see tables.ts); these are the only two conversions.
import type { JsonText } from './tables.ts';

export function toJson(value: unknown): JsonText {
  return JSON.stringify(value ?? {});
}

export function fromJson<T = Record<string, unknown>>(text: JsonText): T {
  return JSON.parse(text) as T;
}
