// What the tenants module needs from storage.
import type { NewTenant, Tenant, TenantSettings } from './tenant.ts';

export interface TenantStore {
  /**
   * Throws DomainError `tenant.slug_taken` (conflict) when the slug is in use. The store keeps the
   * settings as given, as JSON: what they may hold is the domain's to check (validateTenantSettings).
   */
  create(tenant: Omit<NewTenant, 'settings'> & { id: string; settings?: Readonly<Record<string, unknown>>; now: number }): Promise<Tenant>;
  findById(id: string): Promise<Tenant | undefined>;
  findBySlug(slug: string): Promise<Tenant | undefined>;
  /** All tenants, oldest first (tenants number in the tens or hundreds, never millions). */
  list(): Promise<Tenant[]>;
  /** Replaces the tenant's settings; undefined when there is no such tenant. */
  updateSettings(id: string, settings: TenantSettings, now: number): Promise<Tenant | undefined>;
}
