import type { Command } from './io.ts';
import { printJson, printTable, requireString } from './io.ts';
import { withContext } from './context.ts';
import { createTenant } from '../domain/tenants/tenants.service.ts';
import type { Tenant } from '../domain/tenants/tenant.ts';
import { operatorActor } from './actor.ts';

export const tenantsCreateCommand: Command = {
  name: 'tenants create',
  summary: 'Create a tenant: its own customers, applications and keys, with the issuer PUBLIC_URL/t/<slug>.',
  usage: '--slug <slug> --name <name> [--json]',
  options: { slug: { type: 'string' }, name: { type: 'string' } },
  async run(values, io) {
    const slug = requireString(values, 'slug');
    const name = requireString(values, 'name');
    await withContext(io, async ({ config, transaction }) => {
      const tenant = await createTenant({ transaction }, { slug, name }, operatorActor(io));
      if (values['json']) return printJson(io, tenantJson(tenant, config.http.publicUrl));
      io.stdout.write(`Created tenant "${tenant.name}" (${tenant.slug}), issuer ${issuerOf(tenant, config.http.publicUrl)}\n`);
    });
  },
};

export const tenantsListCommand: Command = {
  name: 'tenants list',
  summary: 'List the tenants.',
  usage: '[--json]',
  options: {},
  async run(values, io) {
    await withContext(io, async ({ config, stores }) => {
      const tenants = await stores.tenants.list();
      if (values['json']) return printJson(io, tenants.map((tenant) => tenantJson(tenant, config.http.publicUrl)));
      const rows = tenants.map((t) => [t.slug, t.name, issuerOf(t, config.http.publicUrl), new Date(t.createdAt).toISOString()]);
      printTable(io, ['SLUG', 'NAME', 'ISSUER', 'CREATED'], rows);
    });
  },
};

function tenantJson(tenant: Tenant, publicUrl: string) {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    issuer: issuerOf(tenant, publicUrl),
    createdAt: new Date(tenant.createdAt).toISOString(),
  };
}

function issuerOf(tenant: Tenant, publicUrl: string): string {
  return tenant.slug === 'default' ? publicUrl : `${publicUrl}/t/${tenant.slug}`;
}
