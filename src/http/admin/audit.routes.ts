// /tenants/{tenant}/audit: the tenant's audit log (audit:read), queried by actor, subject, action
// (or `prefix.*`), application and time range a page at a time, and exported whole as JSON lines
// (`application/x-ndjson`). The export is a Node stream over the use case's iterator, which reads
// the store a page at a time only when the stream asks for more: a slow client holds up the reads
// (backpressure) rather than the server piling up rows, so exporting millions of entries takes the
// memory of a page or two. The same use cases serve `foyer audit list`.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { exportAuditLog, queryAuditLog, toAuditRecord, validateAuditFilter } from '../../domain/audit/audit-log.ts';
import type { AuditFilter } from '../../domain/audit/audit-log.ts';
import type { AuditEvent } from '../../domain/audit/audit.ts';
import { ValidationError } from '../../domain/errors.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { tenantOf } from './principal.ts';
import { PAGE_QUERY, TENANT_PARAM, decodeCursor, encodeCursor, listOf } from './conventions.ts';

const AUDIT_ENTRY = {
  $id: 'AuditEntry',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'occurred_at', 'action', 'outcome', 'actor', 'subject', 'context', 'details'],
  properties: {
    id: { type: 'string' },
    occurred_at: { type: 'string', format: 'date-time' },
    action: { type: 'string', description: 'Dotted verb: signin.failed, tenant.updated, keys.rotated, …' },
    outcome: { type: 'string', enum: ['success', 'failure'] },
    actor: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'id'],
      description: 'Who did it: customer, operator (CLI), client (an application), staff, machine (admin API), system.',
      properties: { type: { type: 'string' }, id: { type: ['string', 'null'] } },
    },
    subject: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['type', 'id'],
      description: 'What it was done to (identity, application, tenant, mail, …).',
      properties: { type: { type: 'string' }, id: { type: 'string' } },
    },
    context: {
      type: 'object',
      additionalProperties: false,
      required: ['ip', 'user_agent', 'request_id', 'application_id'],
      properties: {
        ip: { type: ['string', 'null'] },
        user_agent: { type: ['string', 'null'] },
        request_id: { type: ['string', 'null'] },
        application_id: { type: ['string', 'null'], description: 'The application (client id) whose sign-in, sign-up or recovery this was part of.' },
      },
    },
    details: { type: 'object', additionalProperties: true, description: 'What changed (field names, never secret values).' },
  },
} as const;

const FILTERS = {
  actor_id: { type: 'string', minLength: 1, maxLength: 200, description: 'Entries done by this actor (a customer, staff member, client id, …).' },
  subject_id: { type: 'string', minLength: 1, maxLength: 200, description: 'Entries about this subject.' },
  action: { type: 'string', minLength: 1, maxLength: 100, description: 'An action (`signin.failed`) or a prefix of whole segments (`signin.*`).' },
  application_id: { type: 'string', minLength: 1, maxLength: 200, description: 'Entries about this application, done by it, or in it (its customers\' sign-ins, sign-ups and recoveries), by client id.' },
  since: { type: 'string', format: 'date-time', description: 'From this time on (inclusive).' },
  until: { type: 'string', format: 'date-time', description: 'Before this time (exclusive).' },
} as const;

type FilterQuery = { actor_id?: string; subject_id?: string; action?: string; application_id?: string; since?: string; until?: string };

/** The domain's field names as the query names them, so a refusal names what the caller sent. */
const FIELD_OF: Readonly<Record<string, string>> = { actorId: 'actor_id', subjectId: 'subject_id', applicationId: 'application_id' };

const params = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
const item = { $ref: 'AuditEntry#' } as const;

/** JSON lines are written in chunks of about this many characters: few writes, little memory. */
const CHUNK_CHARACTERS = 64 * 1024;

export async function auditRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(AUDIT_ENTRY);
  const readDeps = { audit: deps.stores.audit };

  app.get('/tenants/:tenant/audit', {
    schema: {
      operationId: 'queryAuditLog',
      tags: ['audit'],
      summary: 'Query the audit log, newest first',
      params,
      querystring: { type: 'object', additionalProperties: false, properties: { ...PAGE_QUERY, ...FILTERS } },
      response: { 200: listOf(item, 'A page of audit entries.') },
    },
    config: { adminScope: 'audit:read' },
  }, async (request) => {
    const { limit, cursor, ...query } = request.query as FilterQuery & { limit: number; cursor?: string };
    const key = decodeCursor(cursor, ['number', 'string']);
    const page = await queryAuditLog(readDeps, tenantOf(request).id, filterOf(query), { limit, after: key && { occurredAt: key[0] as number, id: key[1] as string } });
    return { items: page.events.map(toAuditRecord), next_cursor: page.next && encodeCursor([page.next.occurredAt, page.next.id]) };
  });

  app.get('/tenants/:tenant/audit/export', {
    schema: {
      operationId: 'exportAuditLog',
      tags: ['audit'],
      summary: 'Export every matching entry, newest first, as JSON lines (streamed)',
      params,
      querystring: { type: 'object', additionalProperties: false, properties: FILTERS },
      response: {
        200: {
          description: 'One AuditEntry as JSON per line (JSON Lines), streamed.',
          content: { 'application/x-ndjson': { schema: item } },
        },
      },
    },
    config: { adminScope: 'audit:read' },
  }, async (request: FastifyRequest, reply) => {
    const tenant = tenantOf(request);
    // Checked before the answer starts: once streaming, a refusal can no longer be a 400.
    const filter = filterOf(request.query as FilterQuery);
    reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-${tenant.slug}.jsonl"`);
    return reply.send(Readable.from(jsonLines(exportAuditLog(readDeps, tenant.id, filter)), { objectMode: false }));
  });
}

/** The query's filters as the domain takes them, checked; problems name the query's fields. */
function filterOf(query: FilterQuery): AuditFilter {
  const filter = {
    actorId: query.actor_id,
    subjectId: query.subject_id,
    action: query.action,
    applicationId: query.application_id,
    since: query.since === undefined ? undefined : Date.parse(query.since),
    until: query.until === undefined ? undefined : Date.parse(query.until),
  };
  try {
    return validateAuditFilter(filter);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.problems.map((problem) => ({ ...problem, field: FIELD_OF[problem.field] ?? problem.field })), error.message);
  }
}

/** One JSON line per entry, gathered into chunks; pulled, so it reads only as fast as it is sent. */
async function* jsonLines(events: AsyncIterable<AuditEvent>): AsyncGenerator<string> {
  let chunk = '';
  for await (const event of events) {
    chunk += `${JSON.stringify(toAuditRecord(event))}\n`;
    if (chunk.length >= CHUNK_CHARACTERS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
