// SCIM's Groups (RFC 7643 4.2, RFC 7644 3.3–3.6) as use cases over a tenant's customer groups
// (domain/groups). Members are Users of the same tenant; a filter becomes a GroupCondition that the
// group store evaluates in SQL; PATCH is applied by `scim-patch` to the Group as it is and saved
// like a PUT (the members that joined and left are worked out by the group use case, which audits
// and records `group.*` events).
import { parseScimFilter } from './filter-parser.ts';
import type { Filter } from 'scim2-parse-filter';
import { scimPatch, ScimError as PatchError } from 'scim-patch';
import type { ScimPatchOperation } from 'scim-patch';
import type { ConditionOperator } from '../identity/identity.port.ts';
import type { CustomerGroup, GroupCondition, GroupOrder, GroupStore } from '../groups/group.port.ts';
import type { GroupInput } from '../groups/groups.service.ts';
import { createGroup, deleteGroup, getGroup, replaceGroup } from '../groups/groups.service.ts';
import { foldForSearch } from '../identity/trait-index.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { Transaction } from '../unit-of-work.ts';
import { ScimError, invalidValue } from './scim-error.ts';
import { GROUP_SCHEMA, MAX_RESULTS } from './scim-schemas.ts';
import { operationsOf, scimTypeOfPatchError } from './scim-users.ts';
import { asObject } from './user-mapping.ts';

export type ScimGroupDeps = { readonly stores: { readonly groups: GroupStore }; readonly transaction: Transaction };

type Json = Record<string, unknown>;
type Value = boolean | null | number | string;
type Precondition = ((group: Json) => void) | undefined;

/** The SCIM Group (members' `$ref` from `userLocation`). */
export function groupOf(group: CustomerGroup, userLocation: (id: string) => string): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId === null ? {} : { externalId: group.externalId }),
    displayName: group.displayName,
    members: group.members.map((id) => ({ value: id, $ref: userLocation(id), type: 'User' })),
    meta: { resourceType: 'Group', created: new Date(group.createdAt).toISOString(), lastModified: new Date(group.updatedAt).toISOString() },
  };
}

function groupInputOf(resource: Json): GroupInput {
  const get = (name: string) => resource[Object.keys(resource).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name];
  const displayName = get('displayName');
  if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 200) throw invalidValue('"displayName" is required: a string of 1 to 200 characters.');
  const externalId = get('externalId');
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId === '' || externalId.length > 200)) throw invalidValue('"externalId" must be a string of 1 to 200 characters.');
  const members = get('members') ?? [];
  if (!Array.isArray(members)) throw invalidValue('"members" must be an array.');
  const ids = members.map((member) => {
    const object = asObject(member);
    if (!object || typeof object['value'] !== 'string') throw invalidValue('Each member is an object with the User’s id as "value".');
    if (object['type'] !== undefined && object['type'] !== 'User') throw invalidValue('Members are Users: groups do not nest.');
    return object['value'];
  });
  return { displayName: displayName.trim(), externalId: (externalId as string | null | undefined) ?? null, members: ids };
}

export async function listGroups(deps: ScimGroupDeps, tenant: Tenant, query: { filter?: string | undefined; sortBy?: string | undefined; sortOrder?: string | undefined; startIndex?: number | undefined; count?: number | undefined }): Promise<{ total: number; startIndex: number; groups: CustomerGroup[] }> {
  const condition = query.filter === undefined || query.filter.trim() === '' ? undefined : groupConditionOf(query.filter);
  const order = groupOrderOf(query.sortBy, query.sortOrder);
  const startIndex = Math.max(1, Math.trunc(query.startIndex ?? 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, Math.trunc(query.count ?? MAX_RESULTS)));
  const page = await deps.stores.groups.filter(tenant.id, condition, { order, offset: startIndex - 1, limit: count });
  return { total: page.total, startIndex, groups: page.groups };
}

export function readGroup(deps: ScimGroupDeps, tenant: Tenant, id: string): Promise<CustomerGroup> {
  return getGroup(deps.stores, tenant.id, id);
}

export function createScimGroup(deps: ScimGroupDeps, tenant: Tenant, resource: Json, actor: Actor): Promise<CustomerGroup> {
  return createGroup(deps, tenant.id, groupInputOf(resource), actor);
}

export function replaceScimGroup(deps: ScimGroupDeps, tenant: Tenant, id: string, resource: Json, actor: Actor, userLocation: (id: string) => string, precondition: Precondition): Promise<CustomerGroup> {
  return replaceGroup(deps, tenant.id, id, groupInputOf(resource), actor, precondition && ((current) => precondition(groupOf(current, userLocation))));
}

export async function patchScimGroup(deps: ScimGroupDeps, tenant: Tenant, id: string, body: Json, actor: Actor, userLocation: (id: string) => string, precondition: Precondition): Promise<CustomerGroup> {
  const operations: ScimPatchOperation[] = operationsOf(body);
  const group = await getGroup(deps.stores, tenant.id, id);
  const current = groupOf(group, userLocation);
  precondition?.(current);
  let patched: Json;
  try {
    patched = scimPatch(current as unknown as Parameters<typeof scimPatch>[0], operations, { mutateDocument: false, treatMissingAsAdd: true }) as unknown as Json;
  } catch (error) {
    if (error instanceof PatchError) throw new ScimError(400, scimTypeOfPatchError(error), error.message);
    throw error;
  }
  return replaceGroup(deps, tenant.id, id, groupInputOf(patched), actor, (now) => {
    if (now.updatedAt !== group.updatedAt) throw new ScimError(412, undefined, 'The Group changed while the operations were applied; send them again.');
  });
}

export async function deleteScimGroup(deps: ScimGroupDeps, tenant: Tenant, id: string, actor: Actor, userLocation: (id: string) => string, precondition: Precondition): Promise<void> {
  await deleteGroup(deps, tenant.id, id, actor, precondition && ((current) => precondition(groupOf(current, userLocation))));
}

function invalidFilter(detail: string): ScimError {
  return new ScimError(400, 'invalidFilter', detail);
}

function groupConditionOf(filter: string): GroupCondition {
  return conditionOf(parseScimFilter(filter));
}

const PREFIX = `${GROUP_SCHEMA.toLowerCase()}:`;

function conditionOf(filter: Filter): GroupCondition {
  switch (filter.op) {
    case 'and':
      return { all: filter.filters.map(conditionOf) };
    case 'or':
      return { any: filter.filters.map(conditionOf) };
    case 'not':
      return { not: conditionOf(filter.filter) };
    case '[]': {
      if (filter.attrPath.toLowerCase() !== 'members') throw invalidFilter(`Groups have no multi-valued attribute "${filter.attrPath}".`);
      const inner = filter.valFilter;
      if (inner.op === 'eq' && inner.attrPath.toLowerCase() === 'value' && typeof inner.compValue === 'string') return { member: inner.compValue };
      if (inner.op === 'pr' && inner.attrPath.toLowerCase() === 'value') return { member: null };
      throw invalidFilter('Members are filtered by `value eq "<user id>"` or `value pr`.');
    }
    default: {
      const value = filter.op === 'pr' ? undefined : (filter as { compValue: Value }).compValue;
      return attributeCondition(filter.attrPath, filter.op, value);
    }
  }
}

function attributeCondition(attrPath: string, op: ConditionOperator, value: Value | undefined): GroupCondition {
  const lower = attrPath.toLowerCase().startsWith(PREFIX) ? attrPath.slice(PREFIX.length).toLowerCase() : attrPath.toLowerCase();
  if (lower === 'members' || lower === 'members.value') {
    if (op === 'pr') return { member: null };
    if (op === 'eq' && typeof value === 'string') return { member: value };
    throw invalidFilter('Members are filtered by `members.value eq "<user id>"` or `members pr`.');
  }
  if (lower === 'meta.created' || lower === 'meta.lastmodified') {
    const time = lower === 'meta.created' ? 'createdAt' : 'updatedAt';
    if (op === 'pr') return { constant: true };
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at) || op === 'co' || op === 'sw' || op === 'ew') throw invalidFilter('Times compare with eq, ne, gt, ge, lt or le and an RFC 3339 date-time.');
    return { time, op, value: at };
  }
  const column = lower === 'id' ? 'id' : lower === 'externalid' ? 'externalId' : lower === 'displayname' ? 'displayName' : undefined;
  if (!column) throw invalidFilter(`Groups have no attribute "${attrPath}".`);
  if (op === 'pr') return column === 'id' || column === 'displayName' ? { constant: true } : { column, op };
  if (typeof value !== 'string') return { constant: op === 'ne' };
  return { column, op, value: column === 'displayName' ? foldForSearch(value) : value };
}

function groupOrderOf(sortBy: string | undefined, sortOrder: string | undefined): GroupOrder {
  if (sortOrder !== undefined && !['ascending', 'descending'].includes(sortOrder.toLowerCase())) throw invalidValue('"sortOrder" is "ascending" or "descending".');
  const descending = sortOrder?.toLowerCase() === 'descending';
  const lower = sortBy?.toLowerCase();
  const by = lower === undefined || lower === 'meta.created' ? 'createdAt' : lower === 'meta.lastmodified' ? 'updatedAt' : lower === 'id' ? 'id' : lower === 'displayname' ? 'displayName' : lower === 'externalid' ? 'externalId' : undefined;
  if (!by) throw invalidValue(`Groups cannot be sorted by "${sortBy}".`);
  return { by, descending };
}
