// /scim/v2/Groups (RFC 7644 3.3–3.6): a tenant's customer groups. List with filter, sorting and
// pages (GET, or POST /.search), read, create, replace, change (PATCH: Entra ID and Okta add and
// remove members this way), delete; each handler calls one use case of domain/scim/scim-groups.ts
// and renders the Group with its location and version (the ETag `If-Match` names).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { createScimGroup, deleteScimGroup, groupOf, listGroups, patchScimGroup, readGroup, replaceScimGroup } from '../../domain/scim/scim-groups.ts';
import type { ScimGroupDeps } from '../../domain/scim/scim-groups.ts';
import { selectAttributes } from '../../domain/scim/attribute-selection.ts';
import type { Selection } from '../../domain/scim/attribute-selection.ts';
import { LIST_RESPONSE, SEARCH_REQUEST } from '../../domain/scim/scim-schemas.ts';
import { ScimError } from '../../domain/scim/scim-error.ts';
import { actorOf } from '../admin/principal.ts';
import { SCIM_PATH, ifMatchOf, located, sendScim, withMeta } from './scim-response.ts';
import { ID_PARAMS, LIST_QUERY, SELECTION, searchQueryOf } from './users.routes.ts';

type GroupRouteDeps = ScimGroupDeps & {
  readonly tenantOf: (request: FastifyRequest) => Tenant;
  readonly baseUrlOf: (tenant: Tenant) => string;
};

type Json = Record<string, unknown>;
type ListQuery = Parameters<typeof listGroups>[2] & Selection;
const PATH = `${SCIM_PATH}/Groups`;
const ITEM = `${PATH}/:id`;
const BODY = { type: 'object' } as const;

export async function groupRoutes(app: FastifyInstance, deps: GroupRouteDeps): Promise<void> {
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const locations = (tenant: Tenant) => ({
    group: (id: string) => `${deps.baseUrlOf(tenant)}/Groups/${encodeURIComponent(id)}`,
    user: (id: string) => `${deps.baseUrlOf(tenant)}/Users/${encodeURIComponent(id)}`,
  });

  const list = async (request: FastifyRequest, query: ListQuery) => {
    const tenant = deps.tenantOf(request);
    const where = locations(tenant);
    const page = await listGroups(deps, tenant, query);
    const resources = page.groups.map((group) => selectAttributes(withMeta(groupOf(group, where.user), where.group(group.id)), query, []));
    return { schemas: [LIST_RESPONSE], totalResults: page.total, startIndex: page.startIndex, itemsPerPage: resources.length, Resources: resources };
  };

  app.get(PATH, { schema: { querystring: LIST_QUERY } }, async (request, reply) => sendScim(reply, 200, await list(request, request.query as ListQuery)));

  app.post(`${PATH}/.search`, { schema: { body: BODY } }, async (request, reply) => {
    const body = request.body as Json;
    if (!Array.isArray(body['schemas']) || !body['schemas'].includes(SEARCH_REQUEST)) throw new ScimError(400, 'invalidSyntax', `A search names the schema "${SEARCH_REQUEST}".`);
    return sendScim(reply, 200, await list(request, searchQueryOf(body)));
  });

  app.get(ITEM, { schema: { params: ID_PARAMS, querystring: { type: 'object', properties: SELECTION } } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const where = locations(tenant);
    const group = located(reply, groupOf(await readGroup(deps, tenant, idOf(request)), where.user), where.group(idOf(request)));
    return sendScim(reply, 200, selectAttributes(group, request.query as Selection, []));
  });

  app.post(PATH, { schema: { body: BODY } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const where = locations(tenant);
    const group = await createScimGroup(deps, tenant, request.body as Json, actorOf(request));
    return sendScim(reply, 201, located(reply, groupOf(group, where.user), where.group(group.id), true));
  });

  app.put(ITEM, { schema: { params: ID_PARAMS, body: BODY } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const where = locations(tenant);
    const group = await replaceScimGroup(deps, tenant, idOf(request), request.body as Json, actorOf(request), where.user, ifMatchOf(request));
    return sendScim(reply, 200, located(reply, groupOf(group, where.user), where.group(group.id)));
  });

  app.patch(ITEM, { schema: { params: ID_PARAMS, body: BODY } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    const where = locations(tenant);
    const group = await patchScimGroup(deps, tenant, idOf(request), request.body as Json, actorOf(request), where.user, ifMatchOf(request));
    return sendScim(reply, 200, located(reply, groupOf(group, where.user), where.group(group.id)));
  });

  app.delete(ITEM, { schema: { params: ID_PARAMS } }, async (request, reply) => {
    const tenant = deps.tenantOf(request);
    await deleteScimGroup(deps, tenant, idOf(request), actorOf(request), locations(tenant).user, ifMatchOf(request));
    return reply.code(204).send();
  });
}
