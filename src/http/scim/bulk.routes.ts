// POST /scim/v2/Bulk (RFC 7644 3.7): operations run one after the other, each as the request it
// describes, through this server's own routes (Fastify's inject) with the caller's credential and
// address, so an operation is authorised, validated, audited and answered exactly as the same
// request sent alone. `bulkId:…` in a later operation's path or data names what an earlier POST
// created. `failOnErrors` stops after that many failures; what ran before stays done (SCIM
// bulk is not a transaction).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BULK_REQUEST, BULK_RESPONSE, MAX_BULK_OPERATIONS } from '../../domain/scim/scim-schemas.ts';
import { ScimError } from '../../domain/scim/scim-error.ts';
import { asObject } from '../../domain/scim/user-mapping.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import type { ScimRouteDeps } from './users.routes.ts';
import { SCIM_PATH, sendScim } from './scim-response.ts';

type Json = Record<string, unknown>;
type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** The resources Bulk reaches: a path is `/Users`, `/Users/{id}`, `/Groups` or `/Groups/{id}`. */
const BULK_PATH = /^\/(Users|Groups)(\/[^/?#]+)?$/;

export async function bulkRoute(app: FastifyInstance, deps: Pick<ScimRouteDeps, 'tenantOf'>): Promise<void> {
  app.post(`${SCIM_PATH}/Bulk`, { schema: { body: { type: 'object' } } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const body = request.body as Json;
    if (!Array.isArray(body['schemas']) || !body['schemas'].includes(BULK_REQUEST)) throw new ScimError(400, 'invalidSyntax', `A Bulk request names the schema "${BULK_REQUEST}".`);
    const operations = body['Operations'];
    if (!Array.isArray(operations)) throw new ScimError(400, 'invalidSyntax', 'A Bulk request holds "Operations", an array.');
    if (operations.length > MAX_BULK_OPERATIONS) throw new ScimError(413, undefined, `At most ${MAX_BULK_OPERATIONS} operations in one Bulk request.`);
    const failOnErrors = body['failOnErrors'];
    if (failOnErrors !== undefined && !(Number.isInteger(failOnErrors) && (failOnErrors as number) >= 1)) throw new ScimError(400, 'invalidValue', '"failOnErrors" is a whole number of at least 1.');

    const created = new Map<string, string>();
    const results: Json[] = [];
    let errors = 0;
    for (const [index, given] of operations.entries()) {
      if (failOnErrors !== undefined && errors >= (failOnErrors as number)) break;
      const result = await runOperation(app, request, mountPathOf(tenant), asObject(given), index, created);
      if (Number(result['status']) >= 400) errors += 1;
      results.push(result);
    }
    return sendScim(reply, 200, { schemas: [BULK_RESPONSE], Operations: results });
  });
}

async function runOperation(app: FastifyInstance, request: FastifyRequest, mount: string, operation: Json | undefined, index: number, created: Map<string, string>): Promise<Json> {
  const method = typeof operation?.['method'] === 'string' ? operation['method'].toUpperCase() : '';
  const bulkId = typeof operation?.['bulkId'] === 'string' ? operation['bulkId'] : undefined;
  const refuse = (status: number, scimType: string | undefined, detail: string) => ({
    method,
    ...(bulkId === undefined ? {} : { bulkId }),
    status: String(status),
    response: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}), detail },
  });
  if (!operation || !METHODS.includes(method)) return refuse(400, 'invalidSyntax', `Operation ${index + 1}: "method" is POST, PUT, PATCH or DELETE.`);
  if (method === 'POST' && bulkId === undefined) return refuse(400, 'invalidSyntax', `Operation ${index + 1}: a POST needs a "bulkId".`);
  let unresolved: string | undefined;
  const resolve = (text: string) =>
    text.replace(/bulkId:([A-Za-z0-9._~-]+)/g, (whole, id: string) => {
      const found = created.get(id);
      if (found === undefined) unresolved = id;
      return found ?? whole;
    });
  const path = resolve(String(operation['path'] ?? ''));
  const data = operation['data'] === undefined ? undefined : JSON.parse(resolve(JSON.stringify(operation['data']))) as unknown;
  if (unresolved !== undefined) return refuse(409, 'invalidValue', `Operation ${index + 1}: bulkId "${unresolved}" names no resource created earlier in this request.`);
  const target = BULK_PATH.exec(path);
  if (!target || (method === 'POST') === (target[2] !== undefined)) return refuse(400, 'invalidPath', `Operation ${index + 1}: "${path}" is not a path this operation applies to.`);
  const version = typeof operation['version'] === 'string' ? operation['version'] : undefined;
  const response = await app.inject({
    method: method as Method,
    url: `${mount}${SCIM_PATH}${path}`,
    remoteAddress: request.ip,
    headers: {
      authorization: request.headers.authorization ?? '',
      'content-type': 'application/scim+json',
      ...(request.headers['user-agent'] ? { 'user-agent': request.headers['user-agent'] } : {}),
      ...(version ? { 'if-match': version } : {}),
    },
    ...(data === undefined ? {} : { payload: JSON.stringify(data) }),
  });
  const answer = response.body === '' ? undefined : (JSON.parse(response.body) as Json);
  const location = response.headers['location'] ?? (asObject(answer?.['meta'])?.['location'] as string | undefined);
  if (method === 'POST' && bulkId !== undefined && response.statusCode === 201 && typeof answer?.['id'] === 'string') created.set(bulkId, answer['id']);
  return {
    method,
    ...(bulkId === undefined ? {} : { bulkId }),
    ...(typeof response.headers['etag'] === 'string' ? { version: response.headers['etag'] } : {}),
    ...(typeof location === 'string' ? { location } : {}),
    status: String(response.statusCode),
    ...(response.statusCode >= 400 ? { response: answer } : {}),
  };
}
