// /tenants/{tenant}/customers/import and /export: the customer import and export of
// docs/import-export.md over HTTP, both streamed. The import reads its body (JSON Lines or CSV) as
// it arrives, through the same use case as `foyer import customers`, and answers JSON lines as it
// goes: the rejected lines (every line in a dry run) and, after each committed batch, how far the
// body is done, so a client that loses the connection sends the rest again; then the summary. The
// export answers the customers as JSON lines, read a page at a time as the client reads; password
// hashes leave only through the CLI (`--with-password-hashes`).
import { PassThrough, Readable } from 'node:stream';
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors.ts';
import type { LineOutcome } from '../../domain/customers/import/import-customers.ts';
import { importCustomers, outcomeRecord } from '../../domain/customers/import/import-customers.ts';
import { csvLines, jsonLines } from '../../domain/customers/import/import-sources.ts';
import { exportCustomers } from '../../domain/customers/customer-export.ts';
import { traitSchemaOf } from '../../domain/identity/traits.ts';
import { maskEmail } from '../../domain/customers/masking.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, principalOf, tenantOf } from './principal.ts';
import { TENANT_PARAM } from './conventions.ts';

const TAGS = ['customers'];
const PARAMS = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;
const STREAM_TYPES = ['application/x-ndjson', 'application/jsonl', 'text/csv'];
const CHUNK_CHARACTERS = 64 * 1024;

const PROBLEM_ITEM = { type: 'object', additionalProperties: false, required: ['field', 'code', 'message'], properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } as const;
const COUNTS = {
  lines: { type: 'integer' },
  created: { type: 'integer' },
  updated: { type: 'integer' },
  skipped: { type: 'integer' },
  rejected: { type: 'integer' },
  weakHashes: { type: 'integer', description: 'Customers whose password hash is a weak salted digest (replaced at their first sign-in).' },
} as const;
const IMPORT_ANSWER_LINE = {
  description: 'One of: a line’s outcome (`line`, `status`: `created`, `updated`, `skipped` or `rejected`, prefixed `would_be_` in a dry run; `errors` when rejected); `committed`: the body is done up to and including that line; `summary`, last.',
  type: 'object',
  properties: {
    line: { type: 'integer' },
    status: { type: 'string' },
    id: { type: 'string' },
    weak_hash: { type: 'boolean' },
    errors: { type: 'array', items: PROBLEM_ITEM },
    committed: { type: 'object', properties: { line: { type: 'integer' }, ...COUNTS } },
    summary: { type: 'object', properties: { ...COUNTS, dry_run: { type: 'boolean' } } },
  },
} as const;
const EXPORT_LINE = {
  type: 'object',
  required: ['id', 'external_id', 'status', 'traits', 'verified', 'created_at', 'last_signed_in_at'],
  properties: {
    id: { type: 'string' },
    external_id: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'blocked'] },
    traits: { type: 'object', additionalProperties: true },
    verified: { type: 'array', items: { type: 'string' }, description: 'The address traits whose address is verified.' },
    created_at: { type: 'string', format: 'date-time' },
    last_signed_in_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const MASKED_EXPORT_LINE = {
  type: 'object',
  description: 'What an analyst’s export holds: no traits, the email masked (a•••@example.com).',
  required: ['id', 'status', 'masked_email', 'email_verified', 'created_at', 'last_signed_in_at'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['active', 'blocked'] },
    masked_email: { type: ['string', 'null'] },
    email_verified: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    last_signed_in_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export async function customerTransferRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  // The body stays a stream: read as the import goes, never held whole (no body limit applies).
  app.addContentTypeParser(STREAM_TYPES, (_request, payload, done) => done(null, payload));

  app.post('/tenants/:tenant/customers/import', {
    schema: {
      operationId: 'importCustomers',
      tags: TAGS,
      summary: 'Import customers from JSON Lines (application/x-ndjson) or CSV (text/csv) sent as the body, streamed; the answer streams each rejected line, each committed batch and the summary',
      description: 'Lines as docs/import-export.md describes them (password hashes of other systems included). Read the answer while sending: it is written as the body is read.',
      params: PARAMS,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          dry_run: { type: 'boolean', default: false, description: 'Check and report every line; write nothing.' },
          on_existing: { type: 'string', enum: ['skip', 'update'], default: 'skip', description: 'A line naming a customer who exists (by external id, else email): leave them, or update them.' },
        },
      },
      response: { 200: { description: 'JSON Lines, streamed.', content: { 'application/x-ndjson': { schema: IMPORT_ANSWER_LINE } } } },
    },
    config: { adminScope: 'customers:write' },
  }, async (request, reply) => {
    const body = request.body as unknown;
    if (!(body instanceof Readable)) throw new DomainError('request.invalid', 'invalid', 'Send the customers as the body: application/x-ndjson (JSON Lines) or text/csv.');
    const tenant = tenantOf(request);
    const { dry_run: dryRun, on_existing: onExisting } = request.query as { dry_run: boolean; on_existing: 'skip' | 'update' };
    const csv = String(request.headers['content-type']).startsWith('text/csv');
    const source = csv ? csvLines(body, traitSchemaOf(tenant.settings)) : jsonLines(body);
    const out = new PassThrough();
    const write = async (value: unknown) => {
      if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
    };
    const held: LineOutcome[] = [];
    importCustomers({ transaction: deps.transaction, stores: deps.stores }, tenant, source, { dryRun, onExisting }, actorOf(request), {
      onLine: (outcome) => held.push(outcome),
      onCheckpoint: async ({ line, summary }) => {
        for (const outcome of held) if (dryRun || outcome.status === 'rejected') await write(outcomeRecord(outcome, dryRun));
        held.length = 0;
        await write({ committed: { line, ...summary } });
      },
    }).then(
      async (summary) => {
        await write({ summary: { ...summary, dry_run: dryRun } });
        out.end();
      },
      // Cut off without a final chunk: a client never takes a broken import's answer for a whole one.
      (error: unknown) => {
        request.log.error({ err: error }, 'customer import failed');
        out.destroy(error as Error);
      },
    );
    reply.type('application/x-ndjson; charset=utf-8');
    return reply.send(out);
  });

  app.get('/tenants/:tenant/customers/export', {
    schema: {
      operationId: 'exportCustomers',
      tags: TAGS,
      summary: 'Export the customers, newest first, as JSON Lines in the shape the import reads (streamed; without password hashes; audited; masked for analysts)',
      params: PARAMS,
      response: { 200: { description: 'One customer as JSON per line, streamed.', content: { 'application/x-ndjson': { schema: { anyOf: [EXPORT_LINE, MASKED_EXPORT_LINE] } } } } },
    },
    config: { adminScope: 'customers:read' },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const exported = exportCustomers({ stores: deps.stores, transaction: deps.transaction }, tenant, { passwordHashes: false }, actorOf(request));
    // An analyst's export names nobody: the same masking as their customer list.
    const customers = principalOf(request).masked ? maskedLines(exported) : exported;
    reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', `attachment; filename="customers-${tenant.slug}.jsonl"`);
    return reply.send(Readable.from(chunksOf(customers), { objectMode: false }));
  });
}

async function* maskedLines(customers: AsyncIterable<{ id: string; status: string; traits: Readonly<Record<string, unknown>>; verified: readonly string[]; created_at: string; last_signed_in_at: string | null }>) {
  for await (const customer of customers) {
    const email = customer.traits['email'];
    yield { id: customer.id, status: customer.status, masked_email: typeof email === 'string' ? maskEmail(email.toLowerCase()) : null, email_verified: customer.verified.includes('email'), created_at: customer.created_at, last_signed_in_at: customer.last_signed_in_at };
  }
}

/** JSON lines gathered into chunks; pulled, so customers are read only as fast as they are sent. */
async function* chunksOf(items: AsyncIterable<unknown>): AsyncGenerator<string> {
  let chunk = '';
  for await (const item of items) {
    chunk += `${JSON.stringify(item)}\n`;
    if (chunk.length >= CHUNK_CHARACTERS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
