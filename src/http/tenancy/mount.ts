// Where a tenant's surfaces answer on this server: the default tenant at the root, every other
// tenant under /t/{slug}. The issuer (domain/tenants/tenant.ts issuerOf) is the public URL followed
// by this mount path; links, redirects and cookie paths of a tenant start with it.
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { DEFAULT_TENANT_SLUG } from '../../domain/tenants/tenant.ts';

/** The route prefix of a tenant other than the default one (its parameter is the tenant's slug). */
export const TENANT_PATH = '/t/:slug';

/** The path prefix of a tenant's endpoints on this server ('' for the default tenant). */
export function mountPathOf(tenant: Pick<Tenant, 'slug'>): string {
  return tenant.slug === DEFAULT_TENANT_SLUG ? '' : `/t/${tenant.slug}`;
}
