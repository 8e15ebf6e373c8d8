// Parses an HTML form post. The first value of a repeated field wins, so a field cannot be
// smuggled in twice to confuse a later reader.
import type { FastifyRequest } from 'fastify';

export function parseForm(_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, form?: Record<string, string>) => void): void {
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body.toString())) {
    if (!(key in form)) form[key] = value;
  }
  done(null, form);
}
