// What the tenants module needs from storage.
import type { NewTenant, Tenant, TenantSettings } from './tenant.ts';

/** Where a page of tenants (oldest first) ended. */
export type TenantPosition = { readonly createdAt: number; readonly id: string };

export interface TenantStore {
  /**
   * Throws DomainError `tenant.slug_taken` (conflict) when the slug is in use. The store keeps the
   * settings as given, as JSON: what they may hold is the domain's to check (validateTenantSettings).
   */
  create(tenant: Omit<NewTenant, 'settings'> & { id: string; settings?: Readonly<Record<string, unknown>>; now: number }): Promise<Tenant>;
  findById(id: string): Promise<Tenant | undefined>;
  /**
   * Holds the tenant's row until the transaction ends, so that changes which must see each
   * other's outcome (demoting or removing owners: one must remain) take turns instead of each
   * reading the state before the other's write. Outside a transaction it holds nothing.
   */
  lock(id: string): Promise<void>;
  findBySlug(slug: string): Promise<Tenant | undefined>;
  /** All tenants, oldest first (tenants number in the tens or hundreds, never millions). */
  list(): Promise<Tenant[]>;
  /** A page of tenants, oldest first (by createdAt, then id), strictly after `after` when given, without those of `exceptSlugs`. */
  listPage(page: { readonly limit: number; readonly after?: TenantPosition | undefined; readonly exceptSlugs?: readonly string[] }): Promise<Tenant[]>;
  /**
   * Replaces the name and settings of the tenant if it is still at version `ifUpdatedAt` (its
   * updatedAt), and sets its updatedAt to `updatedAt`; false when it is gone or changed meanwhile.
   */
  update(id: string, fields: { readonly name: string; readonly settings: TenantSettings }, version: { readonly ifUpdatedAt: number; readonly updatedAt: number }): Promise<boolean>;
  /**
   * Deletes the tenant if it is still at version `ifUpdatedAt`, with what only works inside it:
   * its signing keys, protocol artifacts, flows, sessions, consents, one-time codes and mail
   * queue. Its audit entries and outbox events stay (the record outlives the tenant; the retention
   * prunes events). Call it for a tenant without customers or applications. False when it is gone
   * or changed meanwhile.
   */
  delete(id: string, ifUpdatedAt: number): Promise<boolean>;
  /** Replaces the tenant's settings; undefined when there is no such tenant. */
  updateSettings(id: string, settings: TenantSettings, now: number): Promise<Tenant | undefined>;
}
