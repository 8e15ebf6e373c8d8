// Use cases of the tenants module: create, list, read, change (a JSON Merge Patch of the name and
// settings, validated as a whole), delete. Each change writes its audit entry and its domain event
// in the same transaction as the change itself. The CLI and the admin API call these same functions.
//
// Deletion (docs/tenants.md): refused while the tenant has customers or applications, which an
// operator erases or deletes first, each with its own audit trail and events, so that deleting a
// tenant can never silently erase customers. The default tenant and the admin tenant are never
// deleted. What only works inside the tenant (keys, tokens, flows, sessions, queued mail) goes with
// it; its audit entries stay.
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext, ActorType } from '../audit/audit.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { TenantPosition, TenantStore } from './tenant.port.ts';
import type { NewTenant, Tenant } from './tenant.ts';
import { ADMIN_TENANT_SLUG, DEFAULT_TENANT_SLUG, checkTenantName, validateNewTenant } from './tenant.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { ApplicationStore } from '../applications/application.port.ts';
import { applyMergePatch, isJsonObject } from '../../lib/merge-patch.ts';
import type { FieldProblem } from '../errors.ts';
import { ValidationError } from '../errors.ts';
import { validateTenantSettings } from './tenant-settings.ts';
import { DomainError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { UnitOfWork } from '../unit-of-work.ts';
import { recordOperatorChange } from '../audit/record-change.ts';

type TenantWriteStores = { tenants: TenantStore; audit: AuditStore; outbox: OutboxStore };
type TenantDeleteStores = TenantWriteStores & { identities: Pick<IdentityStore, 'list'>; applications: Pick<ApplicationStore, 'list'> };

type TenantDeps = {
  readonly transaction: UnitOfWork<TenantWriteStores>;
  readonly now?: () => number;
};

export type Actor = { readonly type: ActorType; readonly id?: string; readonly context?: RequestContext };

export async function createTenant(deps: TenantDeps, input: NewTenant, actor: Actor): Promise<Tenant> {
  return insertTenant(deps, validateNewTenant(input), actor);
}

async function insertTenant(deps: TenantDeps, fields: ReturnType<typeof validateNewTenant>, actor: Actor): Promise<Tenant> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async ({ tenants, audit, outbox }) => {
    const tenant = await tenants.create({ ...fields, id: uuidv7(now), now });
    await recordOperatorChange({ audit, outbox }, now, actor, { tenantId: tenant.id, target: { type: 'tenant', id: tenant.id }, action: 'tenant.created', details: { slug: tenant.slug }, event: { type: 'tenant.created', payload: { slug: tenant.slug, name: tenant.name } } });
    return tenant;
  });
}

/**
 * Makes sure the default tenant exists (first start). Safe when several nodes start at once:
 * the loser of the race finds the winner's tenant.
 */
export async function ensureDefaultTenant(deps: TenantDeps & { tenants: TenantStore }): Promise<{ tenant: Tenant; created: boolean }> {
  return ensureTenant(deps, { slug: DEFAULT_TENANT_SLUG, name: 'Default' });
}

/**
 * Makes sure the admin tenant, where Foyer's staff sign in, exists (first start). Its slug is
 * reserved, so no customer tenant can take it first; concurrent starts settle as above.
 */
export async function ensureAdminTenant(deps: TenantDeps & { tenants: TenantStore }): Promise<{ tenant: Tenant; created: boolean }> {
  return ensureTenant(deps, { slug: ADMIN_TENANT_SLUG, name: 'Administration' });
}

async function ensureTenant(deps: TenantDeps & { tenants: TenantStore }, fields: NewTenant): Promise<{ tenant: Tenant; created: boolean }> {
  const existing = await deps.tenants.findBySlug(fields.slug);
  if (existing) return { tenant: existing, created: false };
  try {
    const tenant = await insertTenant(deps, { ...fields, settings: {} }, { type: 'system' });
    return { tenant, created: true };
  } catch (error) {
    const raced = await deps.tenants.findBySlug(fields.slug);
    if (raced) return { tenant: raced, created: false };
    throw error;
  }
}

/** Replaces a tenant's settings (branding, APIs, trait schema) after validating all of them. */
export async function configureTenant(deps: TenantDeps, tenantId: string, rawSettings: unknown, actor: Actor): Promise<Tenant> {
  const settings = validateTenantSettings(rawSettings);
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async ({ tenants, audit, outbox }) => {
    const tenant = await tenants.updateSettings(tenantId, settings, now);
    if (!tenant) throw new DomainError('tenant.not_found', 'not_found', 'There is no such tenant.');
    const sections = Object.keys(settings);
    await recordOperatorChange({ audit, outbox }, now, actor, { tenantId, target: { type: 'tenant', id: tenantId }, action: 'tenant.configured', details: { sections }, event: { type: 'tenant.configured', payload: { sections } } });
    return tenant;
  });
}

const MAX_TENANT_PAGE = 200;

/**
 * A page of the tenants operators manage, oldest first, and where the next page starts (null after
 * the last). The admin tenant is Foyer's own and not among them.
 */
export async function listTenants(
  deps: { readonly tenants: Pick<TenantStore, 'listPage'> },
  page: { readonly limit: number; readonly after?: TenantPosition | undefined },
): Promise<{ tenants: Tenant[]; next: TenantPosition | null }> {
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), MAX_TENANT_PAGE);
  const rows = await deps.tenants.listPage({ limit: limit + 1, after: page.after, exceptSlugs: [ADMIN_TENANT_SLUG] });
  const tenants = rows.slice(0, limit);
  const last = tenants.at(-1);
  return { tenants, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** The tenant with this slug; DomainError `tenant.not_found` otherwise. */
export async function getTenant(deps: { readonly tenants: Pick<TenantStore, 'findBySlug'> }, slug: string): Promise<Tenant> {
  const tenant = await deps.tenants.findBySlug(slug);
  if (!tenant) throw tenantNotFound(slug);
  return tenant;
}

/**
 * What a change may say: a JSON Merge Patch (RFC 7396) of `{ name, settings }`. The slug never
 * changes: it is in the tenant's issuer, which every token and application configuration names.
 */
export type TenantPatch = { readonly name?: unknown; readonly settings?: unknown };

/** The version a change expects (the tenant's updatedAt, as its ETag carries it): if it moved, the change is refused. */
type Expectation = { readonly expectedUpdatedAt?: number | undefined };

/**
 * Applies the patch to the tenant's name and settings and stores the result if all of it is
 * valid; throws ValidationError naming each bad field (settings fields as `settings.<path>`),
 * `request.precondition_failed` when the tenant is no longer at the expected version.
 */
export async function updateTenant(deps: TenantDeps, slug: string, patch: TenantPatch, expectation: Expectation, actor: Actor): Promise<Tenant> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async ({ tenants, audit, outbox }) => {
    const tenant = await getTenant({ tenants }, slug);
    checkExpectation(tenant, expectation);
    const problems: FieldProblem[] = [];
    let name = tenant.name;
    if (patch.name !== undefined) {
      if (typeof patch.name === 'string') name = checkTenantName(patch.name, problems);
      else problems.push({ field: 'name', code: 'tenant.name_invalid', message: 'Give the name as a string.' });
    }
    let settings = tenant.settings;
    if (patch.settings !== undefined) {
      // `settings: null` removes the member (RFC 7396): the tenant is back to every default.
      const patched = patch.settings === null ? {} : applyMergePatch(tenant.settings, patch.settings);
      try {
        if (!isJsonObject(patched)) problems.push({ field: 'settings', code: 'tenant.settings_invalid', message: 'Give the settings as an object.' });
        else settings = validateTenantSettings(patched);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        problems.push(...error.problems.map((problem) => ({ ...problem, field: `settings.${problem.field}` })));
      }
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const changed = [
      ...(name !== tenant.name ? ['name'] : []),
      ...sectionsChanged(tenant.settings, settings).map((section) => `settings.${section}`),
    ];
    if (changed.length === 0) return tenant;
    // Strictly later than the version it replaces, so two changes in one millisecond differ.
    const updatedAt = Math.max(now, tenant.updatedAt + 1);
    if (!(await tenants.update(tenant.id, { name, settings }, { ifUpdatedAt: tenant.updatedAt, updatedAt }))) throw preconditionFailed(slug);
    await recordOperatorChange({ audit, outbox }, now, actor, { tenantId: tenant.id, target: { type: 'tenant', id: tenant.id }, action: 'tenant.updated', details: { changed }, event: { type: 'tenant.updated', payload: { changed } } });
    return { ...tenant, name, settings, updatedAt };
  });
}

/** Tenants that hold Foyer itself together: never deleted. */
const PROTECTED_TENANT_SLUGS: readonly string[] = [DEFAULT_TENANT_SLUG, ADMIN_TENANT_SLUG];

/**
 * Deletes an empty tenant (see the module comment). DomainError `tenant.protected` for the default
 * and admin tenants, `tenant.not_empty` while it has customers or applications.
 */
export async function deleteTenant(deps: { readonly transaction: UnitOfWork<TenantDeleteStores>; readonly now?: () => number }, slug: string, expectation: Expectation, actor: Actor): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async ({ tenants, identities, applications, audit, outbox }) => {
    const tenant = await getTenant({ tenants }, slug);
    checkExpectation(tenant, expectation);
    if (PROTECTED_TENANT_SLUGS.includes(tenant.slug)) {
      throw new DomainError('tenant.protected', 'conflict', `The tenant "${slug}" is part of Foyer itself and cannot be deleted.`, { slug });
    }
    const [customers, apps] = await Promise.all([identities.list(tenant.id, { limit: 1 }), applications.list(tenant.id)]);
    if (customers.length > 0 || apps.length > 0) {
      throw new DomainError('tenant.not_empty', 'conflict', `The tenant "${slug}" still has customers or applications: erase and delete them first.`, { slug });
    }
    if (!(await tenants.delete(tenant.id, tenant.updatedAt))) throw preconditionFailed(slug);
    await recordOperatorChange({ audit, outbox }, now, actor, { tenantId: tenant.id, target: { type: 'tenant', id: tenant.id }, action: 'tenant.deleted', details: { slug: tenant.slug }, event: { type: 'tenant.deleted', payload: { slug: tenant.slug } } });
  });
}

function checkExpectation(tenant: Tenant, { expectedUpdatedAt }: Expectation): void {
  if (expectedUpdatedAt !== undefined && expectedUpdatedAt !== tenant.updatedAt) throw preconditionFailed(tenant.slug);
}

function preconditionFailed(slug: string): DomainError {
  return new DomainError('request.precondition_failed', 'precondition_failed', `The tenant "${slug}" has changed since you read it: read it again, then repeat the change.`);
}

function tenantNotFound(slug: string): DomainError {
  return new DomainError('tenant.not_found', 'not_found', `No tenant has the slug "${slug}".`, { slug });
}

/** The top-level settings sections whose value differs (names only: values may be long schemas). */
function sectionsChanged(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name])).sort();
}
