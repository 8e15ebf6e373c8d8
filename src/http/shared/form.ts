// Parses an HTML form post. The first value of a repeated field wins, so a field cannot be
// smuggled in twice to confuse a later reader.
import type { FastifyRequest } from 'fastify';

export function parseForm(_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, form?: Record<string, string>) => void): void {
  // Own fields only: a field named `constructor` or `toString` is a field like any other.
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body.toString())) {
    if (key !== '__proto__' && !Object.hasOwn(form, key)) form[key] = value;
  }
  done(null, form);
}

/**
 * The submitted form as string fields only, whatever arrived: no body, a JSON body, or a field
 * that is an object or array in JSON all yield a form the handlers can read without surprises.
 */
export function formOf(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  const form: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') form[key] = value;
  return form;
}
