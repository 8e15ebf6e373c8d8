// Refuses, at the HTTP edge, text that no part of Foyer can store or compare: the NUL character
// (PostgreSQL's text cannot hold it) and lone UTF-16 surrogates (a string with one has no UTF-8
// form; JSON's "\ud800" escape makes one). One root hook covers every surface: a request with such
// a value anywhere in its path parameters, query or parsed body is refused with a 400 before any
// handler reads it, answered by the route's surface in its own format (a problem document, a
// page, an OAuth error). The protocol surface parses its bodies itself and checks them with
// hasMalformedText before the provider reads them (oidc.plugin.ts).
//
// Numbers too: `1e309` is Infinity to JSON.parse and to the schema's coercion of a query string,
// and Ajv lets Infinity through `type: integer` with a `maximum`; no handler or SQL statement
// should ever see one, so a non-finite number in the query (after coercion) or the body is a 400
// naming the field, on every surface.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { DomainError, ValidationError } from '../domain/errors.ts';
import type { FieldProblem } from '../domain/errors.ts';

/** Nesting deeper than this is not walked further (and no route accepts it). */
const MAX_DEPTH = 32;

/** Whether `value` (a string, or any JSON-like structure of them, keys included) holds NUL or a lone surrogate. */
export function hasMalformedText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed();
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) return value.some((item) => hasMalformedText(item, depth + 1));
  for (const key of Object.keys(value)) {
    if (hasMalformedText(key) || hasMalformedText((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

export function malformedTextError(): DomainError {
  return new DomainError('request.invalid', 'invalid', 'The request holds text that is not valid: a NUL character or an unpaired UTF-16 surrogate.');
}

/** The fields of `value` (a parsed query or body) that hold Infinity or NaN, named by their path (`(body)` for the whole). */
function nonFiniteNumbers(value: unknown, field: string, depth: number, problems: FieldProblem[]): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push({ field: field || '(body)', code: 'request.type', message: 'must be a finite number' });
  } else if (typeof value === 'object' && value !== null && depth <= MAX_DEPTH && !Buffer.isBuffer(value)) {
    for (const [key, inner] of Object.entries(value)) nonFiniteNumbers(inner, field ? `${field}.${key}` : key, depth + 1, problems);
  }
}

function refuseNonFiniteNumbers(value: unknown): void {
  const problems: FieldProblem[] = [];
  nonFiniteNumbers(value, '', 0, problems);
  if (problems.length > 0) throw new ValidationError(problems, 'The request is not valid; see `errors` for each field.');
}

/** Registered before any surface, so that its checks run before theirs (a surface's onRequest hook may read the path). */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (hasMalformedText(request.params) || hasMalformedText(request.query)) throw malformedTextError();
  });
  app.addHook('preValidation', async (request) => {
    if (hasMalformedText(request.body)) throw malformedTextError();
    refuseNonFiniteNumbers(request.body);
  });
  // A query's numbers exist only once its schema coerced them, after validation. Synchronous: this
  // runs on every request.
  app.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    try {
      refuseNonFiniteNumbers(request.query);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
}
