// SCIM's Users (RFC 7644 3.3–3.6) as use cases over a tenant's customers. Every change goes
// through the operators' use cases the admin API and the CLI call (create, traits by merge
// patch, block and unblock for `active`, erasure), so it is validated by the tenant's trait
// schema, audited with the SCIM client as the actor, and records the same events. A PATCH is
// applied by `scim-patch` to the User as it is now, and the result saved as a PUT would be.
import { scimPatch, ScimError as PatchError } from 'scim-patch';
import type { ScimPatchOperation } from 'scim-patch';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { GroupStore } from '../groups/group.port.ts';
import type { Identity } from '../identity/identity.ts';
import { blockIdentity, createIdentityByOperator, deleteIdentity, getIdentity, unblockIdentity } from '../identity/identities.service.ts';
import { patchCustomerTraits } from '../customers/customer-traits.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { TenantStore } from '../tenants/tenant.port.ts';
import type { BreachedPasswordCheck } from '../credentials/password/breached.ts';
import type { Transaction } from '../unit-of-work.ts';
import { traitSchemaOf } from '../identity/traits.ts';
import { ScimError, invalidValue } from './scim-error.ts';
import { MAX_RESULTS, PATCH_OP } from './scim-schemas.ts';
import { userConditionOf, userOrderOf } from './user-filter.ts';
import { asObject, userInputOf, userMappingOf, userOf } from './user-mapping.ts';
import type { UserInput } from './user-mapping.ts';

export type ScimUserDeps = {
  readonly stores: { readonly identities: IdentityStore; readonly tenants: TenantStore; readonly groups: GroupStore };
  readonly transaction: Transaction;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
};

type Json = Record<string, unknown>;

/** A list request: the query parameters of GET /Users or the body of POST /Users/.search. */
export type UserQuery = { readonly filter?: string | undefined; readonly sortBy?: string | undefined; readonly sortOrder?: string | undefined; readonly startIndex?: number | undefined; readonly count?: number | undefined };

/** Checked against the customer as the change reads them (If-Match): throws to refuse. */
type Precondition = ((user: Json) => void) | undefined;

function mappingOf(tenant: Tenant) {
  return userMappingOf(traitSchemaOf(tenant.settings));
}

/** A page of Users: 1-based `startIndex` (RFC 7644 3.4.2.4), at most MAX_RESULTS, and how many match in all. */
export async function listUsers(deps: ScimUserDeps, tenant: Tenant, query: UserQuery): Promise<{ total: number; startIndex: number; users: Json[] }> {
  const mapping = mappingOf(tenant);
  const condition = query.filter === undefined || query.filter.trim() === '' ? undefined : userConditionOf(query.filter, mapping);
  const order = userOrderOf(query.sortBy, query.sortOrder, mapping);
  // Less than 1 is 1, a negative count is 0 (RFC 7644 3.4.2.4); more than the maximum is the maximum.
  const startIndex = Math.max(1, Math.trunc(query.startIndex ?? 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, Math.trunc(query.count ?? MAX_RESULTS)));
  const page = await deps.stores.identities.filter(tenant.id, condition, { order, offset: startIndex - 1, limit: count });
  return { total: page.total, startIndex, users: page.identities.map((identity) => userOf(identity, mapping)) };
}

export async function getUser(deps: ScimUserDeps, tenant: Tenant, id: string): Promise<Json> {
  return userOf(await getIdentity(deps.stores, tenant.id, id), mappingOf(tenant));
}

/** POST /Users. A password is refused: customers choose theirs (a recovery email sets it). */
export async function createUser(deps: ScimUserDeps, tenant: Tenant, resource: Json, actor: Actor): Promise<Json> {
  const mapping = mappingOf(tenant);
  refusePassword(resource);
  const input = userInputOf(resource, mapping);
  if (mapping.userName && input.traits[mapping.userName] === undefined) throw invalidValue('"userName" is required.');
  const identity = await createIdentityByOperator({ transaction: deps.transaction, tenants: deps.stores.tenants, breachedCheck: deps.breachedCheck }, tenant.id, { traits: input.traits, externalId: input.externalId }, actor);
  if (input.active === false) await blockIdentity({ transaction: deps.transaction }, tenant.id, identity.id, actor);
  return getUser(deps, tenant, identity.id);
}

/** PUT /Users/{id}: the User becomes the one given; attributes left out are removed. */
export async function replaceUser(deps: ScimUserDeps, tenant: Tenant, id: string, resource: Json, actor: Actor, precondition?: Precondition): Promise<Json> {
  const mapping = mappingOf(tenant);
  refusePassword(resource);
  const input = userInputOf(resource, mapping);
  return saveUser(deps, tenant, id, input, actor, precondition);
}

/** PATCH /Users/{id} (RFC 7644 3.5.2): the operations applied to the User as it is now, then saved. */
export async function patchUser(deps: ScimUserDeps, tenant: Tenant, id: string, body: Json, actor: Actor, precondition?: Precondition): Promise<Json> {
  const operations = operationsOf(body);
  const mapping = mappingOf(tenant);
  const identity = await getIdentity(deps.stores, tenant.id, id);
  const current = userOf(identity, mapping);
  precondition?.(current);
  let patched: Json;
  try {
    patched = scimPatch(current as unknown as Parameters<typeof scimPatch>[0], operations, { mutateDocument: false, treatMissingAsAdd: true }) as unknown as Json;
  } catch (error) {
    if (error instanceof PatchError) throw new ScimError(400, scimTypeOfPatchError(error), error.message);
    throw error;
  }
  refusePassword(patched);
  const input = userInputOf(patched, mapping, identity.traits);
  // The User the operations were applied to must still be the one saved (no change slipped in between).
  const unchanged = (user: Json) => {
    if (JSON.stringify(user) !== JSON.stringify(current)) throw new ScimError(412, undefined, 'The User changed while the operations were applied; send them again.');
  };
  return saveUser(deps, tenant, id, input, actor, unchanged);
}

export async function deleteUser(deps: ScimUserDeps, tenant: Tenant, id: string, actor: Actor, precondition?: Precondition): Promise<void> {
  if (precondition) precondition(await getUser(deps, tenant, id));
  await deleteIdentity({ transaction: deps.transaction }, tenant.id, id, actor);
}

/** The User saved as given: traits it does not hold go, and so does an external id it does not name. */
async function saveUser(deps: ScimUserDeps, tenant: Tenant, id: string, input: UserInput, actor: Actor, precondition: Precondition): Promise<Json> {
  const { traits, active } = input;
  const mapping = mappingOf(tenant);
  // Every trait the User does not hold any more goes (JSON Merge Patch: null removes).
  const identity = await getIdentity(deps.stores, tenant.id, id);
  const patch: Record<string, unknown> = Object.fromEntries(Object.keys(identity.traits).map((name) => [name, null]));
  Object.assign(patch, traits);
  const saved = await patchCustomerTraits({ transaction: deps.transaction }, tenant, id, { traits: patch, externalId: input.externalId ?? null, precondition: precondition && ((now: Identity) => precondition(userOf(now, mapping))) }, actor);
  if (active === false && saved.status === 'active') await blockIdentity({ transaction: deps.transaction }, tenant.id, id, actor);
  if (active === true && saved.status === 'blocked') await unblockIdentity({ transaction: deps.transaction }, tenant.id, id, actor);
  return getUser(deps, tenant, id);
}

function refusePassword(resource: Json): void {
  if (Object.keys(resource).some((key) => key.toLowerCase() === 'password')) throw new ScimError(400, 'mutability', 'Passwords are not set through SCIM: a customer chooses their own (send them the recovery email).');
}

export function operationsOf(body: Json): ScimPatchOperation[] {
  const schemas = body['schemas'];
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_OP)) throw new ScimError(400, 'invalidSyntax', `A PATCH body names the schema "${PATCH_OP}".`);
  const operations = body['Operations'] ?? body['operations'];
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'invalidSyntax', 'A PATCH body holds "Operations", a non-empty array.');
  return operations.map((operation, index) => {
    const object = asObject(operation);
    const op = typeof object?.['op'] === 'string' ? object['op'].toLowerCase() : undefined;
    if (!object || (op !== 'add' && op !== 'replace' && op !== 'remove')) throw new ScimError(400, 'invalidSyntax', `Operation ${index + 1}: "op" is add, replace or remove.`);
    if (object['path'] !== undefined && typeof object['path'] !== 'string') throw new ScimError(400, 'invalidPath', `Operation ${index + 1}: "path" is a string.`);
    if (op === 'remove' && object['path'] === undefined) throw new ScimError(400, 'noTarget', `Operation ${index + 1}: remove needs a "path".`);
    return { ...object, op } as ScimPatchOperation;
  });
}

export function scimTypeOfPatchError(error: PatchError): 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidSyntax' {
  const code = (error.scimCode ?? '').toLowerCase();
  if (code === 'notarget' || error.name === 'NoTarget') return 'noTarget';
  if (code === 'invalidpath') return 'invalidPath';
  if (code === 'invalidvalue') return 'invalidValue';
  return 'invalidPath';
}
