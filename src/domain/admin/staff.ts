// Foyer's staff: identities of the admin tenant with a role (owner, admin, support, analyst) kept in
// their admin-only metadata, which no staff member can edit about themselves (the account portal
// and API change traits only). Owners add, re-role and remove staff; the last owner can be neither
// demoted nor removed, so an installation always has someone who can manage staff.
import type { AuditStore } from '../audit/audit.port.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { Identity } from '../identity/identity.ts';
import type { OidcArtifactStore } from '../oauth/oidc-artifact.port.ts';
import type { SessionStore } from '../sessions/session.port.ts';
import type { BreachedPasswordCheck } from '../credentials/password/breached.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import { DEFAULT_TRAIT_SCHEMA } from '../identity/traits.ts';
import { checkNewIdentity, prepareNewIdentity, trimTraits } from '../identity/new-identity.ts';
import { normalizeAddress } from '../identity/identity.ts';
import { DomainError, ValidationError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import type { StaffRole } from './scopes.ts';
import { isStaffRole } from './scopes.ts';
import type { TenantStore } from '../tenants/tenant.port.ts';

export type StaffMember = {
  readonly id: string;
  readonly email: string;
  readonly role: StaffRole;
  readonly status: Identity['status'];
  readonly createdAt: number;
  readonly updatedAt: number;
};

export type StaffWriteStores = { identities: IdentityStore; oidcArtifacts: OidcArtifactStore; sessions: SessionStore; audit: AuditStore; tenants: Pick<TenantStore, 'lock'> };

export type StaffDeps<S extends StaffWriteStores = StaffWriteStores> = {
  readonly transaction: UnitOfWork<S>;
  readonly breachedCheck?: BreachedPasswordCheck | undefined;
  readonly now?: () => number;
};

/** The admin tenant's page size when counting owners: staff number in the tens. */
const STAFF_PAGE = 200;

/** The staff member an identity of the admin tenant is, or undefined when it has no role. */
export function staffOf(identity: Identity): StaffMember | undefined {
  const role = identity.metadataAdmin['role'];
  if (!isStaffRole(role)) return undefined;
  const email = identity.addresses.find((address) => address.kind === 'email')?.value ?? String(identity.traits['email'] ?? '');
  return { id: identity.id, email, role, status: identity.status, createdAt: identity.createdAt, updatedAt: identity.updatedAt };
}

function staffNotFound(id: string): DomainError {
  return new DomainError('staff.not_found', 'not_found', `No staff member with the id "${id}".`, { id });
}

/** Staff of the admin tenant, newest first, `limit` at a time after the id `after`. */
export async function listStaff(stores: { identities: IdentityStore }, adminTenantId: string, page: { limit: number; after?: string | undefined }): Promise<StaffMember[]> {
  const identities = await stores.identities.list(adminTenantId, page);
  return identities.flatMap((identity) => staffOf(identity) ?? []);
}

export async function getStaff(stores: { identities: IdentityStore }, adminTenantId: string, id: string): Promise<StaffMember> {
  const identity = await stores.identities.findById(adminTenantId, id);
  const member = identity && staffOf(identity);
  if (!member) throw staffNotFound(id);
  return member;
}

/** Whether an active owner other than `except` exists. */
export async function hasOwner(stores: { identities: IdentityStore }, adminTenantId: string, except?: string): Promise<boolean> {
  let after: { id: string; createdAt: number } | undefined;
  for (;;) {
    const page = await stores.identities.list(adminTenantId, { limit: STAFF_PAGE, after: after?.id, afterCreatedAt: after?.createdAt });
    if (page.some((identity) => identity.id !== except && identity.status === 'active' && staffOf(identity)?.role === 'owner')) return true;
    if (page.length < STAFF_PAGE) return false;
    const last = page.at(-1)!;
    after = { id: last.id, createdAt: last.createdAt };
  }
}

/**
 * Adds a staff member who signs in with this email and password (the password policy applies as
 * anywhere). The owner vouches for the address, so it is verified. Used by owners through the API,
 * and by the first-run setup for the first owner.
 */
export async function createStaff<S extends StaffWriteStores>(
  deps: StaffDeps<S>,
  adminTenantId: string,
  input: { email: string; password: string; role: StaffRole },
  actor: Actor,
  /** Runs first in the transaction (the setup link is consumed there). */
  inTransaction?: (stores: S) => Promise<void>,
): Promise<StaffMember> {
  const traits = trimTraits({ email: input.email });
  const problems = await checkNewIdentity(DEFAULT_TRAIT_SCHEMA, traits, input.password, deps.breachedCheck);
  if (problems.length > 0) throw new ValidationError(problems);
  const now = (deps.now ?? Date.now)();
  const prepared = await prepareNewIdentity({ tenantId: adminTenantId, schema: DEFAULT_TRAIT_SCHEMA, traits, password: input.password, verifiedAt: now, now });
  return deps.transaction(async (stores) => {
    await inTransaction?.(stores);
    const email = normalizeAddress('email', String(traits['email']));
    if (await stores.identities.findByAddress(adminTenantId, 'email', email)) {
      throw new DomainError('identity.address_taken', 'conflict', `A staff member already signs in with "${email}".`, { kind: 'email', value: email });
    }
    const identity = await stores.identities.create({ ...prepared, metadataAdmin: { role: input.role } });
    await audit(stores, adminTenantId, now, actor, 'staff.created', identity.id, { role: input.role });
    return staffOf(identity)!;
  });
}

/**
 * Gives a staff member another role; the last owner keeps theirs (`staff.last_owner`).
 * `precondition` (the admin API's If-Match) is checked on the member as they are inside the change.
 */
export async function changeStaffRole(deps: StaffDeps, adminTenantId: string, id: string, role: StaffRole, actor: Actor, precondition?: (current: StaffMember) => void): Promise<StaffMember> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    // Two owners demoting each other at once must not leave none: one change waits for the other.
    await stores.tenants.lock(adminTenantId);
    const identity = await stores.identities.findById(adminTenantId, id);
    const member = identity && staffOf(identity);
    if (!identity || !member) throw staffNotFound(id);
    precondition?.(member);
    if (member.role === role) return member;
    if (member.role === 'owner' && !(await hasOwner(stores, adminTenantId, id))) throw lastOwner();
    if (!(await stores.identities.updateMetadataAdmin(adminTenantId, id, { ...identity.metadataAdmin, role }, now))) throw staffNotFound(id);
    await audit(stores, adminTenantId, now, actor, 'staff.role_changed', id, { from: member.role, to: role });
    return { ...member, role, updatedAt: now };
  });
}

/** Removes a staff member, their sessions and tokens; the last owner stays (`staff.last_owner`). */
export async function removeStaff(deps: StaffDeps, adminTenantId: string, id: string, actor: Actor, precondition?: (current: StaffMember) => void): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    await stores.tenants.lock(adminTenantId);
    const identity = await stores.identities.findById(adminTenantId, id);
    const member = identity && staffOf(identity);
    if (!member) throw staffNotFound(id);
    precondition?.(member);
    if (member.role === 'owner' && !(await hasOwner(stores, adminTenantId, id))) throw lastOwner();
    const revokedArtifacts = await stores.oidcArtifacts.revokeByAccountId(adminTenantId, id);
    await stores.sessions.revokeAllOf(adminTenantId, id, now);
    if (!(await stores.identities.delete(adminTenantId, id))) throw staffNotFound(id);
    await audit(stores, adminTenantId, now, actor, 'staff.removed', id, { role: member.role, revokedArtifacts });
  });
}

function lastOwner(): DomainError {
  return new DomainError('staff.last_owner', 'conflict', 'This is the last owner: make someone else an owner first.');
}

async function audit(stores: { audit: AuditStore }, tenantId: string, now: number, actor: Actor, action: string, targetId: string, details: Record<string, unknown>): Promise<void> {
  await stores.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId,
    action,
    outcome: 'success',
    actor: { type: actor.type, id: actor.id },
    target: { type: 'staff', id: targetId },
    context: actor.context,
    details,
  });
}
