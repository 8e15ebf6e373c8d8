// /staff: Foyer's staff, managed by owners (`staff:write`): add someone with an email, a password
// and a role, list, read, change the role, remove. The use cases are domain/admin/staff.ts; a change
// of role or a removal takes effect on this node at once and on the others within seconds
// (http/admin/credentials.ts), since staff act with the role they have now, not the one their token
// was issued under.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { STAFF_ROLES } from '../../domain/admin/scopes.ts';
import type { StaffRole } from '../../domain/admin/scopes.ts';
import type { StaffMember } from '../../domain/admin/staff.ts';
import { changeStaffRole, createStaff, getStaff, listStaff, removeStaff } from '../../domain/admin/staff.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf } from './principal.ts';
import { CONFLICT, IDEMPOTENCY_HEADERS, IDEMPOTENCY_PROBLEMS, IF_MATCH_HEADERS, NO_CONTENT, PAGE_QUERY, PRECONDITION_FAILED, checkIfMatch, decodeCursor, etagOf, iso, listOf, pageOf, withEtag } from './conventions.ts';

const TAGS = ['staff'];

const STAFF = {
  $id: 'StaffMember',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'email', 'role', 'status', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', enum: STAFF_ROLES },
    status: { type: 'string', enum: ['active', 'blocked', 'deleted'] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

function staffView(member: StaffMember) {
  return { id: member.id, email: member.email, role: member.role, status: member.status, created_at: iso(member.createdAt), updated_at: iso(member.updatedAt) };
}

export async function staffRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(STAFF);
  const member = { $ref: 'StaffMember#' } as const;
  const adminTenantId = deps.adminTenant.id;
  const staffDeps = { transaction: deps.transaction, breachedCheck: deps.breachedCheck };
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const current = async (request: FastifyRequest) => staffView(await getStaff(deps.stores, adminTenantId, idOf(request)));

  app.get('/staff', {
    schema: {
      operationId: 'listStaff',
      tags: TAGS,
      summary: 'List the staff, newest first',
      querystring: { type: 'object', additionalProperties: false, properties: PAGE_QUERY },
      response: { 200: listOf(member, 'A page of staff members.') },
    },
    config: { adminScope: 'staff:write' },
  }, async (request) => {
    const { limit, cursor } = request.query as { limit: number; cursor?: string };
    const after = decodeCursor(cursor, ['string'])?.[0] as string | undefined;
    // Newest first (created_at, then id); the last id seen is the cursor, which places the next page
    // even if that staff member was removed meanwhile (identities.list).
    const rows = await listStaff(deps.stores, adminTenantId, { limit: limit + 1, after });
    return pageOf(rows, limit, (row) => [row.id], staffView);
  });

  app.post('/staff', {
    schema: {
      operationId: 'createStaff',
      tags: TAGS,
      summary: 'Add a staff member who signs in with this email and password',
      headers: IDEMPOTENCY_HEADERS,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password', 'role'],
        properties: { email: { type: 'string', minLength: 3, maxLength: 254 }, password: { type: 'string', maxLength: 4096 }, role: { type: 'string', enum: STAFF_ROLES } },
      },
      response: { 201: member, ...CONFLICT, ...IDEMPOTENCY_PROBLEMS },
    },
    config: { adminScope: 'staff:write', idempotent: true },
  }, async (request, reply) => {
    const body = request.body as { email: string; password: string; role: StaffRole };
    const created = staffView(await createStaff(staffDeps, adminTenantId, body, actorOf(request)));
    reply.code(201).header('location', `${deps.baseUrl}/staff/${created.id}`).header('etag', etagOf(created));
    return created;
  });

  app.get('/staff/:id', {
    schema: { operationId: 'getStaff', tags: TAGS, summary: 'Read a staff member', params: ID_PARAMS, response: { 200: member } },
    config: { adminScope: 'staff:write' },
  }, async (request, reply) => withEtag(reply, await current(request)));

  app.patch('/staff/:id', {
    schema: {
      operationId: 'updateStaff',
      tags: TAGS,
      summary: 'Change a staff member’s role (the last owner stays an owner)',
      params: ID_PARAMS,
      headers: IF_MATCH_HEADERS,
      body: { type: 'object', additionalProperties: false, required: ['role'], properties: { role: { type: 'string', enum: STAFF_ROLES } } },
      response: { 200: member, ...CONFLICT, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'staff:write' },
  }, async (request, reply) => {
    const expected = (member: StaffMember) => checkIfMatch(request, staffView(member));
    const changed = await changeStaffRole(staffDeps, adminTenantId, idOf(request), (request.body as { role: StaffRole }).role, actorOf(request), expected);
    deps.authenticator.forget(changed.id);
    return withEtag(reply, staffView(changed));
  });

  app.delete('/staff/:id', {
    schema: {
      operationId: 'deleteStaff',
      tags: TAGS,
      summary: 'Remove a staff member, their sessions and tokens (the last owner stays)',
      params: ID_PARAMS,
      headers: IF_MATCH_HEADERS,
      response: { ...NO_CONTENT, ...CONFLICT, ...PRECONDITION_FAILED },
    },
    config: { adminScope: 'staff:write' },
  }, async (request, reply) => {
    await removeStaff(staffDeps, adminTenantId, idOf(request), actorOf(request), (member) => checkIfMatch(request, staffView(member)));
    deps.authenticator.forget(idOf(request));
    return reply.code(204).send();
  });
}
