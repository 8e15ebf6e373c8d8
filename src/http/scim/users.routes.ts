// /scim/v2/Users (RFC 7644 3.3–3.6): list with filter, sorting and pages (GET, or POST /.search),
// read, create, replace (PUT), change (PATCH), erase (DELETE). Each handler parses, calls one use
// case of domain/scim/scim-users.ts, and renders the User with its location and version; the
// version is the ETag that `If-Match` names.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from '../../domain/scim/scim-users.ts';
import type { ScimUserDeps, UserQuery } from '../../domain/scim/scim-users.ts';
import { selectAttributes } from '../../domain/scim/attribute-selection.ts';
import type { Selection } from '../../domain/scim/attribute-selection.ts';
import { ENTERPRISE_SCHEMA, TRAITS_SCHEMA } from '../../domain/scim/user-mapping.ts';
import { LIST_RESPONSE, SEARCH_REQUEST } from '../../domain/scim/scim-schemas.ts';
import { ScimError } from '../../domain/scim/scim-error.ts';
import { actorOf } from '../admin/principal.ts';
import { SCIM_PATH, ifMatchOf, located, sendScim, withMeta } from './scim-response.ts';

/** The parameters of a list as a SearchRequest body gives them (RFC 7644 3.4.3). */
export function searchQueryOf(body: Json): UserQuery & Selection {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : Array.isArray(body[name]) ? (body[name] as unknown[]).join(',') : undefined);
  const number = (name: string) => (typeof body[name] === 'number' ? (body[name] as number) : undefined);
  return { filter: text('filter'), sortBy: text('sortBy'), sortOrder: text('sortOrder'), startIndex: number('startIndex'), count: number('count'), attributes: text('attributes'), excludedAttributes: text('excludedAttributes') };
}

export type ScimRouteDeps = ScimUserDeps & {
  readonly tenantOf: (request: FastifyRequest) => Tenant;
  readonly baseUrlOf: (tenant: Tenant) => string;
};

type Json = Record<string, unknown>;
const EXTENSIONS = [ENTERPRISE_SCHEMA, TRAITS_SCHEMA];
const PATH = `${SCIM_PATH}/Users`;
const ITEM = `${PATH}/:id`;
export const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
export const SELECTION = { attributes: { type: 'string', maxLength: 2000 }, excludedAttributes: { type: 'string', maxLength: 2000 } } as const;
export const LIST_QUERY = {
  type: 'object',
  properties: {
    ...SELECTION,
    filter: { type: 'string', maxLength: 4000 },
    sortBy: { type: 'string', maxLength: 300 },
    sortOrder: { type: 'string', maxLength: 20 },
    startIndex: { type: 'integer' },
    count: { type: 'integer' },
  },
} as const;
const BODY = { type: 'object' } as const;

export async function userRoutes(app: FastifyInstance, deps: ScimRouteDeps): Promise<void> {
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const locationOf = (tenant: Tenant, id: string) => `${deps.baseUrlOf(tenant)}/Users/${encodeURIComponent(id)}`;
  /**
   * The Users with their read-only `groups`, added after the version is computed: a User's ETag
   * covers what a PUT or PATCH of the User can change, not the groups it is in.
   */
  const groupsOf = async (tenant: Tenant, users: Json[]): Promise<Json[]> => {
    const memberships = await deps.stores.groups.groupsOf(tenant.id, users.map((user) => String(user['id'])));
    return users.map((user) => {
      const groups = memberships.get(String(user['id']));
      if (!groups) return user;
      const { meta, ...rest } = user;
      return { ...rest, groups: groups.map((group) => ({ value: group.id, $ref: `${deps.baseUrlOf(tenant)}/Groups/${encodeURIComponent(group.id)}`, display: group.displayName, type: 'direct' })), meta };
    });
  };

  const list = async (request: FastifyRequest, query: UserQuery & Selection) => {
    const tenant = deps.tenantOf(request);
    const page = await listUsers(deps, tenant, query);
    const withGroups = await groupsOf(tenant, page.users.map((user) => withMeta(user, locationOf(tenant, String(user['id'])))));
    const resources = withGroups.map((user) => selectAttributes(user, query, EXTENSIONS));
    return { schemas: [LIST_RESPONSE], totalResults: page.total, startIndex: page.startIndex, itemsPerPage: resources.length, Resources: resources };
  };

  app.get(PATH, { schema: { querystring: LIST_QUERY } }, async (request, reply) => sendScim(reply, 200, await list(request, request.query as UserQuery & Selection)));

  app.post(`${PATH}/.search`, { schema: { body: BODY } }, async (request, reply) => {
    const body = request.body as Json;
    if (!Array.isArray(body['schemas']) || !body['schemas'].includes(SEARCH_REQUEST)) throw new ScimError(400, 'invalidSyntax', `A search names the schema "${SEARCH_REQUEST}".`);
    return sendScim(reply, 200, await list(request, searchQueryOf(body)));
  });

  app.get(ITEM, { schema: { params: ID_PARAMS, querystring: { type: 'object', properties: SELECTION } } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const [user] = await groupsOf(tenant, [located(reply, await getUser(deps, tenant, idOf(request)), locationOf(tenant, idOf(request)))]);
    return sendScim(reply, 200, selectAttributes(user!, request.query as Selection, EXTENSIONS));
  });

  app.post(PATH, { schema: { body: BODY } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const user = await createUser(deps, tenant, request.body as Json, actorOf(request));
    return sendScim(reply, 201, located(reply, user, locationOf(tenant, String(user['id'])), true));
  });

  app.put(ITEM, { schema: { params: ID_PARAMS, body: BODY } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const user = await replaceUser(deps, tenant, idOf(request), request.body as Json, actorOf(request), ifMatchOf(request));
    return sendScim(reply, 200, located(reply, user, locationOf(tenant, idOf(request))));
  });

  app.patch(ITEM, { schema: { params: ID_PARAMS, body: BODY } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const user = await patchUser(deps, tenant, idOf(request), request.body as Json, actorOf(request), ifMatchOf(request));
    return sendScim(reply, 200, located(reply, user, locationOf(tenant, idOf(request))));
  });

  app.delete(ITEM, { schema: { params: ID_PARAMS } }, async (request, reply) => {
    await deleteUser(deps, deps.tenantOf(request), idOf(request), actorOf(request), ifMatchOf(request));
    return reply.code(204).send();
  });
}
