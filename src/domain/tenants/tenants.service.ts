// Use cases of the tenants module. Each change writes its audit entry and its domain event in the
// same transaction as the change itself.
import type { AuditStore } from '../audit/audit.port.ts';
import type { RequestContext, ActorType } from '../audit/audit.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import { recordEvent } from '../events/record-event.ts';
import type { TenantStore } from './tenant.port.ts';
import type { NewTenant, Tenant } from './tenant.ts';
import { ADMIN_TENANT_SLUG, DEFAULT_TENANT_SLUG, validateNewTenant } from './tenant.ts';
import { validateTenantSettings } from './tenant-settings.ts';
import { DomainError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

type TenantWriteStores = { tenants: TenantStore; audit: AuditStore; outbox: OutboxStore };

type TenantDeps = {
  readonly transaction: UnitOfWork<TenantWriteStores>;
  readonly now?: () => number;
};

export type Actor = { readonly type: ActorType; readonly id?: string; readonly context?: RequestContext };

export async function createTenant(deps: TenantDeps, input: NewTenant, actor: Actor): Promise<Tenant> {
  return insertTenant(deps, validateNewTenant(input), actor);
}

async function insertTenant(deps: TenantDeps, fields: NewTenant, actor: Actor): Promise<Tenant> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async ({ tenants, audit, outbox }) => {
    const tenant = await tenants.create({ ...fields, id: uuidv7(now), now });
    await audit.append({
      id: uuidv7(now),
      occurredAt: now,
      tenantId: tenant.id,
      action: 'tenant.created',
      outcome: 'success',
      actor: { type: actor.type, id: actor.id },
      target: { type: 'tenant', id: tenant.id },
      context: actor.context,
      details: { slug: tenant.slug },
    });
    await recordEvent(outbox, { tenantId: tenant.id, aggregateId: tenant.id, occurredAt: now }, { type: 'tenant.created', payload: { slug: tenant.slug, name: tenant.name } });
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
    await audit.append({
      id: uuidv7(now),
      occurredAt: now,
      tenantId,
      action: 'tenant.configured',
      outcome: 'success',
      actor: { type: actor.type, id: actor.id },
      target: { type: 'tenant', id: tenantId },
      context: actor.context,
      details: { sections },
    });
    await recordEvent(outbox, { tenantId, aggregateId: tenantId, occurredAt: now }, { type: 'tenant.configured', payload: { sections } });
    return tenant;
  });
}
