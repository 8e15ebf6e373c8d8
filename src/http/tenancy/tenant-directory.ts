// The tenants as the HTTP surfaces see them, found by slug on every request: a tenant found is
// remembered for TENANT_CACHE_MS, so a request reads the database for its tenant at most once in
// that time per node, and a change to a tenant's settings reaches every node within it (the node
// that made the change, through the admin API, forgets its copy at once). A slug
// nobody has is asked again each time: a tenant created a moment after a miss answers at once, and
// slugs an attacker invents are never remembered.
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { TenantStore } from '../../domain/tenants/tenant.port.ts';

export const TENANT_CACHE_MS = 30_000;

type TenantDirectoryDeps = {
  readonly tenants: Pick<TenantStore, 'findBySlug'>;
  readonly now?: () => number;
};

export type TenantDirectory = {
  /** The tenant with this slug (from the cache when found in the last TENANT_CACHE_MS), or undefined. */
  bySlug(slug: string): Promise<Tenant | undefined>;
  /** The remembered tenant of this slug while it is fresh, without reading the database. */
  cached(slug: string): Tenant | undefined;
  /** Drops what is remembered of the slug: a change or deletion made on this node is seen here at once. */
  forget(slug: string): void;
};

export function createTenantDirectory(deps: TenantDirectoryDeps): TenantDirectory {
  const now = deps.now ?? Date.now;
  const remembered = new Map<string, { readonly tenant: Tenant; readonly loadedAt: number }>();

  function cached(slug: string): Tenant | undefined {
    const entry = remembered.get(slug);
    return entry && now() - entry.loadedAt < TENANT_CACHE_MS ? entry.tenant : undefined;
  }

  return {
    cached,
    forget(slug) {
      remembered.delete(slug);
    },
    async bySlug(slug) {
      const hit = cached(slug);
      if (hit) return hit;
      const tenant = await deps.tenants.findBySlug(slug);
      if (tenant) remembered.set(slug, { tenant, loadedAt: now() });
      return tenant;
    },
  };
}
