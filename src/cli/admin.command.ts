// `foyer admin setup`: prints a new one-time link that creates the first owner, for when the one
// the server logged at start has expired or was lost; earlier unused links stop working. Once an
// owner exists it refuses: from then on
// only owners add staff, through the admin API.
import type { Command } from './io.ts';
import { printJson } from './io.ts';
import { withContext } from './context.ts';
import { ensureAdminTenant } from '../domain/tenants/tenants.service.ts';
import { SETUP_LINK_TTL_MS, issueSetupLink, setupLinkOf } from '../domain/admin/setup.ts';
import { DomainError } from '../domain/errors.ts';

export const adminSetupCommand: Command = {
  name: 'admin setup',
  summary: 'Print a one-time link (valid for an hour) that creates the first owner of the admin API; earlier links stop working.',
  usage: '[--json]',
  options: {},
  async run(values, io) {
    await withContext(io, async (context) => {
      const { tenant } = await ensureAdminTenant({ transaction: context.transaction, tenants: context.stores.tenants });
      const token = await issueSetupLink(context.stores, tenant.id, { replaceEarlier: true });
      if (!token) throw new DomainError('setup.link_invalid', 'conflict', 'An owner exists already: owners add staff through the admin API (docs/admin-api.md).');
      const link = setupLinkOf(context.config.http.publicUrl, token);
      const expiresAt = new Date(Date.now() + SETUP_LINK_TTL_MS).toISOString();
      if (values['json']) return printJson(io, { link, expires_at: expiresAt });
      io.stdout.write(`Open this link within the hour (until ${expiresAt}) to create the first owner; it works once, and earlier links no longer work:\n${link}\n`);
    });
  },
};
