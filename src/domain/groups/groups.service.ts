// Operators' use cases on a tenant's customer groups: create, replace (name, external id and
// members at once, as SCIM's PUT and PATCH do), delete, read. Members must be customers of the
// tenant. Each change writes its audit entry (the group as target, with counts, never names) and
// its `group.*` event in the transaction of the change; a customer's erasure removes them from
// every group (the member rows go with the identity).
import { DomainError } from '../errors.ts';
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { recordOperatorChange } from '../audit/record-change.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { CustomerGroup, GroupStore } from './group.port.ts';

type GroupStores = { groups: GroupStore; audit: AuditStore; outbox: OutboxStore };
type GroupDeps = { readonly transaction: UnitOfWork<GroupStores>; readonly now?: () => number };

/** What a group is made of, as a client gives it. */
export type GroupInput = { readonly displayName: string; readonly externalId: string | null; readonly members: readonly string[] };

function groupNotFound(id: string): DomainError {
  return new DomainError('group.not_found', 'not_found', `No group with the id "${id}" in this tenant.`, { id });
}

/** The group, or DomainError `group.not_found`. */
export async function getGroup(stores: { groups: GroupStore }, tenantId: string, id: string): Promise<CustomerGroup> {
  const group = await stores.groups.findById(tenantId, id);
  if (!group) throw groupNotFound(id);
  return group;
}

async function checkMembers(groups: GroupStore, tenantId: string, members: readonly string[]): Promise<void> {
  const known = await groups.existingCustomers(tenantId, members);
  const unknown = members.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new DomainError('group.member_unknown', 'invalid', `Not customers of this tenant: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? '…' : ''}.`, { count: unknown.length });
}

export async function createGroup(deps: GroupDeps, tenantId: string, input: GroupInput, actor: Actor): Promise<CustomerGroup> {
  const now = (deps.now ?? Date.now)();
  const members = [...new Set(input.members)];
  return deps.transaction(async (stores) => {
    await checkMembers(stores.groups, tenantId, members);
    const group = await stores.groups.create({ id: uuidv7(now), tenantId, displayName: input.displayName, externalId: input.externalId, members, now });
    await recordOperatorChange(stores, now, actor, {
      tenantId,
      target: { type: 'group', id: group.id },
      action: 'group.created',
      details: { members: members.length },
      event: { type: 'group.created', payload: { displayName: group.displayName, externalId: group.externalId, members } },
    });
    return group;
  });
}

/**
 * The group becomes the one given: its name, external id and exactly these members. `precondition`
 * sees the group as the transaction reads it (If-Match) and throws to refuse. Nothing is written
 * (nor audited) when nothing changes.
 */
export async function replaceGroup(deps: GroupDeps, tenantId: string, id: string, input: GroupInput, actor: Actor, precondition?: (current: CustomerGroup) => void): Promise<CustomerGroup> {
  const now = (deps.now ?? Date.now)();
  const members = [...new Set(input.members)];
  return deps.transaction(async (stores) => {
    await stores.groups.lock(tenantId, id);
    const current = await getGroup(stores, tenantId, id);
    precondition?.(current);
    const before = new Set(current.members);
    const after = new Set(members);
    const added = members.filter((member) => !before.has(member));
    const removed = current.members.filter((member) => !after.has(member));
    const changed = [...(input.displayName !== current.displayName ? ['displayName'] : []), ...(input.externalId !== current.externalId ? ['externalId'] : []), ...(added.length + removed.length > 0 ? ['members'] : [])];
    if (changed.length === 0) return current;
    await checkMembers(stores.groups, tenantId, added);
    if (!(await stores.groups.update(tenantId, id, { displayName: input.displayName, externalId: input.externalId }, now))) throw groupNotFound(id);
    if (added.length > 0) await stores.groups.addMembers(tenantId, id, added, now);
    if (removed.length > 0) await stores.groups.removeMembers(tenantId, id, removed, now);
    await recordOperatorChange(stores, now, actor, {
      tenantId,
      target: { type: 'group', id },
      action: 'group.updated',
      details: { changed, added: added.length, removed: removed.length },
      event: { type: 'group.updated', payload: { changed, displayName: input.displayName, externalId: input.externalId, added, removed } },
    });
    return (await stores.groups.findById(tenantId, id))!;
  });
}

export async function deleteGroup(deps: GroupDeps, tenantId: string, id: string, actor: Actor, precondition?: (current: CustomerGroup) => void): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    await stores.groups.lock(tenantId, id);
    precondition?.(await getGroup(stores, tenantId, id));
    if (!(await stores.groups.delete(tenantId, id))) throw groupNotFound(id);
    await recordOperatorChange(stores, now, actor, { tenantId, target: { type: 'group', id }, action: 'group.deleted', details: {}, event: { type: 'group.deleted', payload: {} } });
  });
}
