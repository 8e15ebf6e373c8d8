// The `--tenant <slug>` option every per-tenant command takes, and how it resolves.
import type { CliIo, OptionValues } from './io.ts';
import type { CliContext } from './context.ts';
import { withContext } from './context.ts';
import type { Tenant } from '../domain/tenants/tenant.ts';
import { DEFAULT_TENANT_SLUG } from '../domain/tenants/tenant.ts';
import { ensureDefaultTenant } from '../domain/tenants/tenants.service.ts';
import { DomainError } from '../domain/errors.ts';

/** The tenant named by `--tenant` (default: the default tenant, made on first use as the server does). */
export async function tenantOf(context: CliContext, values: OptionValues, option = 'tenant'): Promise<Tenant> {
  const given = values[option];
  const slug = typeof given === 'string' && given.trim() !== '' ? given.trim() : DEFAULT_TENANT_SLUG;
  if (slug === DEFAULT_TENANT_SLUG) return (await ensureDefaultTenant({ transaction: context.transaction, tenants: context.stores.tenants })).tenant;
  const tenant = await context.stores.tenants.findBySlug(slug);
  if (!tenant) throw new DomainError('tenant.not_found', 'not_found', `No tenant has the slug "${slug}".`, { slug });
  return tenant;
}

/** Runs a per-tenant command: the context opened, the `--tenant` resolved, both closed afterwards. */
export function withTenant<T>(io: CliIo, values: OptionValues, work: (context: CliContext, tenant: Tenant) => Promise<T>, option = 'tenant'): Promise<T> {
  return withContext(io, async (context) => work(context, await tenantOf(context, values, option)));
}
