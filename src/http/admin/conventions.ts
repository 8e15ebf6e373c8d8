// The admin API's conventions as helpers every resource's routes use (docs/admin-api.md): the
// problem schema and the answers every route may give, cursor pagination, ETags and If-Match, and
// the `{tenant}` path parameter. A route file imports these; the plugin enforces the rest.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ValidationError } from '../../domain/errors.ts';

/** RFC 9457 problem details with Foyer's stable `code`; `errors` names each invalid field. */
export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  type: 'object',
  description: 'An RFC 9457 problem document. `code` is stable (docs/admin-api.md lists them); `detail` is English for people.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  additionalProperties: false,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'code', 'message'],
        additionalProperties: false,
        properties: {
          field: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string' },
          params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
        },
      },
    },
  },
} as const;

const problemRef = (description: string) => ({ description, $ref: 'Problem#' }) as const;

/** The answers any admin route may give; the plugin adds them to every route's responses. */
export const STANDARD_PROBLEMS = {
  400: problemRef('The request is not valid; `errors` names each field.'),
  401: problemRef('No valid admin token (`WWW-Authenticate` says why).'),
  403: problemRef('The credential lacks the scope this route requires.'),
  404: problemRef('No such resource, or a tenant the credential may not reach.'),
  429: problemRef('Too many requests from this credential; retry after `Retry-After` seconds.'),
  '4xx': problemRef('Another refusal of the request as sent (a body too large, an unsupported media type).'),
  500: problemRef('Something went wrong on the server; the request id identifies it.'),
} as const;

/** Answers a route adds when it can give them. */
export const CONFLICT = { 409: problemRef('The change conflicts with the current state (a taken name, a key still in use).') } as const;
export const PRECONDITION_FAILED = { 412: problemRef('`If-Match` names another version: read the resource again.') } as const;
export const IDEMPOTENCY_PROBLEMS = {
  409: problemRef('A request with this `Idempotency-Key` is still in progress.'),
  422: problemRef('This `Idempotency-Key` was used with another request.'),
} as const;

export const NO_CONTENT = { 204: { description: 'Done.', type: 'null' } } as const;

/** `{tenant}`: the slug of the tenant the resource belongs to. */
export const TENANT_PARAM = { tenant: { type: 'string', minLength: 1, maxLength: 63, description: 'The tenant’s slug.' } } as const;

// -- Cursor pagination --------------------------------------------------------------------------

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/** The query of every list: `limit` (1 to 200, 50 by default) and the opaque `cursor` of the previous page. */
export const PAGE_QUERY = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: 'Items per page.' },
  cursor: { type: 'string', minLength: 1, maxLength: 1024, description: 'The `next_cursor` of the previous page.' },
} as const;

/** A page of `item`s: `next_cursor` is null on the last page. */
export function listOf<T extends object>(item: T, description: string) {
  return {
    description,
    type: 'object',
    required: ['items', 'next_cursor'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } },
  } as const;
}

type SortKey = readonly (string | number)[];

/**
 * An opaque cursor: the base64url JSON of the last item's sort key. Never an offset. For a use case
 * that pages itself and answers where the next page starts (`next`), the route encodes that key.
 */
export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key a cursor holds, shaped like `shape` (a string or number per position); 400 otherwise. */
export function decodeCursor(cursor: string | undefined, shape: readonly ('string' | 'number')[]): SortKey | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, index) => typeof part !== shape[index])) {
    throw new ValidationError([{ field: 'cursor', code: 'request.cursor_invalid', message: 'is not a cursor this list gave out' }]);
  }
  return key as SortKey;
}

/**
 * One page from rows read with `limit + 1` (the extra row only says whether a next page exists),
 * rendered by `view`.
 */
export function pageOf<T, V>(rows: readonly T[], limit: number, keyOf: (row: T) => SortKey, view: (row: T) => V): { items: V[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(view), next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** Compares sort keys position by position (strings by code unit, as the database's C order does). */
export function compareKeys(a: SortKey, b: SortKey): number {
  for (let index = 0; index < a.length; index += 1) {
    const [x, y] = [a[index]!, b[index]!];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// -- ETag and If-Match ------------------------------------------------------------------------

/** A strong ETag of a resource's representation: any change to what a client reads changes it. */
export function etagOf(representation: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(representation)).digest('base64url').slice(0, 27)}"`;
}

/** Sends a single resource with its ETag. */
export function withEtag<T>(reply: FastifyReply, representation: T): T {
  reply.header('etag', etagOf(representation));
  return representation;
}

/**
 * Honours `If-Match` (RFC 9110 13.1.1) against the resource as it is now: a request naming another
 * version is refused with 412 `request.precondition_failed` before anything changes. Without the
 * header the change goes through (last writer wins, as the caller chose).
 */
export function checkIfMatch(request: FastifyRequest, current: unknown): void {
  const header = request.headers['if-match'];
  if (header === undefined) return;
  const wanted = header.split(',').map((tag) => tag.trim());
  if (wanted.includes('*') || wanted.includes(etagOf(current))) return;
  throw new DomainError('request.precondition_failed', 'precondition_failed', 'The resource has changed since the version named in If-Match; read it again and reapply the change.');
}

/** The `If-Match` header as the OpenAPI document describes it, for updates and deletes. */
export const IF_MATCH_HEADERS = {
  type: 'object',
  properties: { 'if-match': { type: 'string', maxLength: 1024, description: 'The ETag of the version this change applies to; 412 if it changed since.' } },
} as const;

/** The `Idempotency-Key` header of creates. */
export const IDEMPOTENCY_HEADERS = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$', description: 'Repeats of this create with the same key and body get the first answer again.' } },
} as const;

/** Times in the API are RFC 3339 strings. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
