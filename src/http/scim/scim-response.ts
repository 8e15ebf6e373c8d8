// What every SCIM answer shares: the media type, a resource's location and version (its ETag,
// RFC 7644 3.14), and `If-Match` checked against the resource as it is now.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminScope } from '../../domain/admin/scopes.ts';
import { ScimError } from '../../domain/scim/scim-error.ts';

export const SCIM_PATH = '/scim/v2';
export const SCIM_SCOPE: AdminScope = 'scim';
const MEDIA_TYPE = 'application/scim+json; charset=utf-8';

type Json = Record<string, unknown>;

export function sendScim(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(MEDIA_TYPE).send(JSON.stringify(body));
}

/** A weak ETag of the resource as stored (its location and version left out). */
function versionOf(resource: Json): string {
  return `W/"${createHash('sha256').update(JSON.stringify(resource)).digest('base64url').slice(0, 27)}"`;
}

/** The resource with `meta.location` and `meta.version`. */
export function withMeta(resource: Json, location: string): Json {
  return { ...resource, meta: { ...(resource['meta'] as Json), location, version: versionOf(resource) } };
}

/** withMeta, with the ETag and (on creation) Location headers. */
export function located(reply: FastifyReply, resource: Json, location: string, created = false): Json {
  const described = withMeta(resource, location);
  reply.header('etag', (described['meta'] as Json)['version']);
  if (created) reply.header('location', location);
  return described;
}

/** `If-Match` (a version, `*`, or a list), checked against the resource as it is now: 412 when none matches. */
export function ifMatchOf(request: FastifyRequest): ((current: Json) => void) | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = header.split(',').map(strip);
  return (current) => {
    if (wanted.includes('*') || wanted.includes(strip(versionOf(current)))) return;
    throw new ScimError(412, undefined, 'The resource has changed since the version named in If-Match; read it again and reapply the change.');
  };
}
