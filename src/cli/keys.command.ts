// `foyer keys rotate` and `foyer keys list`: a tenant's token signing keys, for operators.
import type { Command } from './io.ts';
import { printJson, printTable } from './io.ts';
import { withTenant } from './tenant-option.ts';
import { operatorActor } from './actor.ts';
import { DEFAULT_MAX_SIGNED_TOKEN_LIFETIME_SECONDS, listSigningKeys, rotateSigningKeys } from '../domain/keys/keys.service.ts';
import type { SigningKeySummary } from '../domain/keys/signing-key.ts';
import { createSecretBox } from '../infra/crypto/secret-box.ts';

const tenantOption = { tenant: { type: 'string' } } as const;

export const keysRotateCommand: Command = {
  name: 'keys rotate',
  summary: 'Add new active signing keys for a tenant; the old ones stay published until the tokens they signed expire.',
  usage: '[--tenant <slug>] [--json]',
  options: tenantOption,
  async run(values, io) {
    await withTenant(io, values, async (context, tenant) => {
      const now = Date.now();
      const deps = { transaction: context.transaction, keys: context.stores.signingKeys, secretBox: createSecretBox(context.config.masterSecret) };
      const options = { now, maxTokenLifetimeSeconds: DEFAULT_MAX_SIGNED_TOKEN_LIFETIME_SECONDS, actor: operatorActor(io) };
      const { added, retired } = await rotateSigningKeys(deps, tenant.id, options);
      if (values['json']) return printJson(io, { tenant: tenant.slug, added: added.map(keyJson), retired: retired.map(keyJson) });
      const lines = [
        `Rotated the signing keys of tenant "${tenant.slug}".`,
        ...added.map((key) => `  new ${key.algorithm} key ${key.kid}`),
        ...retired.map((key) => `  retired ${key.algorithm} key ${key.kid}, published until ${isoOrDash(key.unpublishAt)}`),
      ];
      if (retired.length === 0) lines.push('  no previous keys to retire');
      io.stdout.write(`${lines.join('\n')}\n`);
    });
  },
};

export const keysListCommand: Command = {
  name: 'keys list',
  summary: "List a tenant's published signing keys, active ones first.",
  usage: '[--tenant <slug>] [--json]',
  options: tenantOption,
  async run(values, io) {
    await withTenant(io, values, async (context, tenant) => {
      const keys = await listSigningKeys({ keys: context.stores.signingKeys }, tenant.id, Date.now());
      if (values['json']) return printJson(io, keys.map(keyJson));
      if (keys.length === 0) {
        io.stdout.write(`Tenant "${tenant.slug}" has no signing keys yet: they are generated on first use, or now by "foyer keys rotate --tenant ${tenant.slug}".\n`);
        return;
      }
      const rows = keys.map((key) => [key.kid, key.algorithm, key.status, isoOrDash(key.createdAt), isoOrDash(key.unpublishAt)]);
      printTable(io, ['KID', 'ALG', 'STATUS', 'CREATED', 'UNPUBLISH AT'], rows);
    });
  },
};


function keyJson(key: SigningKeySummary) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    status: key.status,
    createdAt: new Date(key.createdAt).toISOString(),
    retiredAt: key.retiredAt === null ? null : new Date(key.retiredAt).toISOString(),
    unpublishAt: key.unpublishAt === null ? null : new Date(key.unpublishAt).toISOString(),
  };
}

function isoOrDash(time: number | null): string {
  return time === null ? '-' : new Date(time).toISOString();
}
