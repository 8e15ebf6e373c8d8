import type { Command } from './io.ts';
import { printJson, printTable, requireString } from './io.ts';
import { withContext } from './context.ts';
import { configureTenant, createTenant, deleteTenant, listTenants, updateTenant } from '../domain/tenants/tenants.service.ts';
import type { Tenant } from '../domain/tenants/tenant.ts';
import { issuerOf } from '../domain/tenants/tenant.ts';
import { readFileSync } from 'node:fs';
import { UsageError } from './io.ts';
import { withTenant } from './tenant-option.ts';
import { ValidationError } from '../domain/errors.ts';
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
      io.stdout.write(`Created tenant "${tenant.name}" (${tenant.slug}), issuer ${issuerOf(config.http.publicUrl, tenant)}\n`);
    });
  },
};

export const tenantsListCommand: Command = {
  name: 'tenants list',
  summary: 'List the tenants (not the internal admin tenant).',
  usage: '[--json]',
  options: {},
  async run(values, io) {
    await withContext(io, async ({ config, stores }) => {
      // Through the same use case as the admin API: the admin tenant is Foyer's own, not listed.
      const tenants: Tenant[] = [];
      for (let after: Parameters<typeof listTenants>[1]['after']; ; ) {
        const page = await listTenants(stores, { limit: 100, after });
        tenants.push(...page.tenants);
        if (!page.next) break;
        after = page.next;
      }
      if (values['json']) return printJson(io, tenants.map((tenant) => tenantJson(tenant, config.http.publicUrl)));
      const rows = tenants.map((t) => [t.slug, t.name, issuerOf(config.http.publicUrl, t), new Date(t.createdAt).toISOString()]);
      printTable(io, ['SLUG', 'NAME', 'ISSUER', 'CREATED'], rows);
    });
  },
};

function tenantJson(tenant: Tenant, publicUrl: string) {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    issuer: issuerOf(publicUrl, tenant),
    createdAt: new Date(tenant.createdAt).toISOString(),
  };
}


export const tenantsShowCommand: Command = {
  name: 'tenants show',
  summary: "Show a tenant and its settings (branding, APIs, trait schema).",
  usage: '--slug <slug> [--json]',
  options: { slug: { type: 'string' } },
  async run(values, io) {
    requireString(values, 'slug');
    await withTenant(io, values, async ({ config }, tenant) => {
      const shown = { ...tenantJson(tenant, config.http.publicUrl), settings: tenant.settings };
      if (values['json']) return printJson(io, shown);
      io.stdout.write(`${tenant.name} (${tenant.slug}), issuer ${shown.issuer}\nSettings:\n${JSON.stringify(tenant.settings, null, 2)}\n`);
    }, 'slug');
  },
};

export const tenantsConfigureCommand: Command = {
  name: 'tenants configure',
  summary: 'Replace a tenant\'s settings with those in a JSON file: branding, apis (resource indicators), identitySchema.',
  usage: '--slug <slug> --file <settings.json> [--json]   (see docs/tenants.md)',
  options: { slug: { type: 'string' }, file: { type: 'string' } },
  async run(values, io) {
    requireString(values, 'slug');
    const file = requireString(values, 'file');
    let settings: unknown;
    try {
      settings = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`--file: ${file} ${error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read'}`);
    }
    await withTenant(io, values, async ({ config, transaction }, tenant) => {
      const configured = await configureTenant({ transaction }, tenant.id, settings, operatorActor(io)).catch((error: unknown) => {
        // The problems are in the file, not in an option: say where in the file.
        if (error instanceof ValidationError) throw new UsageError(`--file: ${error.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
        throw error;
      });
      if (values['json']) return printJson(io, { ...tenantJson(configured, config.http.publicUrl), settings: configured.settings });
      io.stdout.write(`Configured tenant "${configured.name}" (${configured.slug}): ${Object.keys(configured.settings).join(', ') || 'no settings'}.\n`);
    }, 'slug');
  },
};

export const tenantsUpdateCommand: Command = {
  name: 'tenants update',
  summary: "Change a tenant's name and/or merge a JSON Merge Patch (RFC 7396) into its settings, as PATCH /admin/api/v1/tenants/{slug} does.",
  usage: '--slug <slug> [--name <name>] [--settings <merge-patch.json>] [--json]   (see docs/tenants.md)',
  options: { slug: { type: 'string' }, name: { type: 'string' }, settings: { type: 'string' } },
  async run(values, io) {
    const slug = requireString(values, 'slug');
    const name = typeof values['name'] === 'string' ? values['name'] : undefined;
    const file = typeof values['settings'] === 'string' ? values['settings'] : undefined;
    if (name === undefined && file === undefined) throw new UsageError('give --name, --settings or both');
    let settings: unknown;
    if (file !== undefined) {
      try {
        settings = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`--settings: ${file} ${error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read'}`);
      }
    }
    await withContext(io, async ({ config, transaction }) => {
      const updated = await updateTenant({ transaction }, slug, { name, settings }, {}, operatorActor(io)).catch((error: unknown) => {
        if (error instanceof ValidationError) {
          throw new UsageError(error.problems.map((p) => `${p.field.startsWith('settings.') ? `--settings: ${p.field.slice('settings.'.length)}` : `--${p.field}`}: ${p.message}`).join('; '));
        }
        throw error;
      });
      if (values['json']) return printJson(io, { ...tenantJson(updated, config.http.publicUrl), settings: updated.settings });
      io.stdout.write(`Updated tenant "${updated.name}" (${updated.slug}).\n`);
    });
  },
};

export const tenantsDeleteCommand: Command = {
  name: 'tenants delete',
  summary: 'Delete an empty tenant (no customers, no applications); the default and admin tenants are never deleted.',
  usage: '--slug <slug> [--json]',
  options: { slug: { type: 'string' } },
  async run(values, io) {
    const slug = requireString(values, 'slug');
    await withContext(io, async ({ transaction }) => {
      await deleteTenant({ transaction }, slug, {}, operatorActor(io));
      if (values['json']) return printJson(io, { deleted: slug });
      io.stdout.write(`Deleted tenant ${slug}.\n`);
    });
  },
};
