// The `foyer users` commands: operators create, find, block, unblock and delete a tenant's
// customers. Blocking and deleting end every session and token of the customer at once; the
// applications signed in through their browser sessions hear of it from a server node (the
// command records the event, a node's outbox dispatcher sends the back-channel logout). Nothing
// here ever prints a password or its hash.
import type { Command, CliIo, OptionValues } from './io.ts';
import { printJson, printRows, printTable, readStdin, requireString, UsageError } from './io.ts';
import { operatorActor } from './actor.ts';
import { withTenant } from './tenant-option.ts';
import type { Identity } from '../domain/identity/identity.ts';
import { blockIdentity, createIdentityByOperator, deleteIdentity, getIdentity, unblockIdentity } from '../domain/identity/identities.service.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Tenant } from '../domain/tenants/tenant.ts';
import { traitSchemaOf } from '../domain/identity/traits.ts';
import type { TraitSchema } from '../domain/identity/traits.ts';
import { traitFieldOf, traitValueOf } from '../domain/identity/trait-fields.ts';
import { searchCustomers } from '../domain/customers/customer-search.ts';

const tenantOption: Command['options'] = { tenant: { type: 'string' } };
const identityOptions: Command['options'] = { ...tenantOption, id: { type: 'string' } };

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** The password and the option it came from, so a refusal names what the operator typed. */
async function passwordOf(values: OptionValues, io: CliIo): Promise<{ password?: string; option: string }> {
  const fromStdin = values['password-stdin'] === true;
  if (fromStdin && values['password'] !== undefined) throw new UsageError('give either --password or --password-stdin, not both');
  if (fromStdin) return { password: await readStdin(io), option: 'password-stdin' };
  const given = values['password'];
  return typeof given === 'string' ? { password: given, option: 'password' } : { option: 'password' };
}

function pageSizeOf(values: OptionValues): number {
  const given = values['limit'];
  if (given === undefined) return DEFAULT_PAGE_SIZE;
  const size = typeof given === 'string' && /^\d+$/.test(given.trim()) ? Number(given.trim()) : Number.NaN;
  if (!(size >= 1 && size <= MAX_PAGE_SIZE)) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return size;
}

function isoTime(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

function emailOf(identity: Identity): string {
  return typeof identity.traits['email'] === 'string' ? identity.traits['email'] : '-';
}

function identityJson(identity: Identity, tenant: Tenant) {
  return {
    id: identity.id,
    tenant: tenant.slug,
    external_id: identity.externalId,
    status: identity.status,
    traits: identity.traits,
    addresses: identity.addresses.map((address) => ({
      kind: address.kind,
      value: address.value,
      verified: address.verifiedAt !== null,
      verified_at: isoTime(address.verifiedAt),
    })),
    metadata_public: identity.metadataPublic,
    metadata_admin: identity.metadataAdmin,
    created_at: isoTime(identity.createdAt),
    updated_at: isoTime(identity.updatedAt),
  };
}

function printIdentity(io: CliIo, identity: Identity, tenant: Tenant): void {
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const rows: [string, string][] = [
    ['id', identity.id],
    ['tenant', tenant.slug],
    ['status', identity.status],
    ...(identity.externalId === null ? [] : [['external_id', identity.externalId] as [string, string]]),
    ...Object.entries(identity.traits).map(([name, value]): [string, string] => [`traits.${name}`, text(value)]),
    ...identity.addresses.map((address): [string, string] => [
      `address.${address.kind}`,
      `${address.value} (${address.verifiedAt === null ? 'not verified' : `verified ${isoTime(address.verifiedAt)}`})`,
    ]),
    ['metadata_public', JSON.stringify(identity.metadataPublic)],
    ['metadata_admin', JSON.stringify(identity.metadataAdmin)],
    ['created_at', new Date(identity.createdAt).toISOString()],
    ['updated_at', new Date(identity.updatedAt).toISOString()],
  ];
  printRows(io, rows);
}

/** --traits-json, then each --trait name=value on top (its text read as the schema's type: plan=pro, age=42, newsletter=true). */
function traitsOf(values: OptionValues, schema: TraitSchema): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  const json = values['traits-json'];
  if (typeof json === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new UsageError('--traits-json must be a JSON object, such as \'{"plan":"pro"}\'');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--traits-json must be a JSON object, such as \'{"plan":"pro"}\'');
    Object.assign(traits, parsed);
  }
  const given = values['trait'];
  for (const pair of Array.isArray(given) ? given : given === undefined ? [] : [given]) {
    const separator = typeof pair === 'string' ? pair.indexOf('=') : -1;
    if (typeof pair !== 'string' || separator < 1) throw new UsageError(`--trait takes name=value, such as --trait plan=pro (got "${String(pair)}")`);
    const name = pair.slice(0, separator).trim();
    const text = pair.slice(separator + 1);
    const field = traitFieldOf(schema, name);
    traits[name] = field ? traitValueOf(field, text) : text;
  }
  return traits;
}

/** A problem named by the option that gave the value: --email, --name, the password's, or --trait <name>. */
function withTraitOptions<T>(work: Promise<T>, options: { password: string; named: readonly string[] }): Promise<T> {
  return work.catch((error: unknown) => {
    if (!(error instanceof ValidationError)) throw error;
    const optionOf = (field: string) => (field === 'password' ? options.password : options.named.includes(field) ? field : `trait ${field}`);
    throw new ValidationError(error.problems.map((problem) => ({ ...problem, field: optionOf(problem.field) })));
  });
}

const usersCreateCommand: Command = {
  name: 'users create',
  summary:
    "Create a customer. Give a password on standard input with --password-stdin (--password leaves it in your shell history), or none. --verified marks the email as verified. Other traits (those the tenant's schema requires, say) with --trait name=value, repeated, or --traits-json '{…}'.",
  usage: "[--tenant <slug>] --email <email> [--name <name>] [--trait <name>=<value>]… [--traits-json '{…}'] [--password-stdin | --password <password>] [--verified] [--json]",
  options: {
    ...tenantOption,
    email: { type: 'string' },
    name: { type: 'string' },
    trait: { type: 'string', multiple: true },
    'traits-json': { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    verified: { type: 'boolean' },
  },
  async run(values, io) {
    const email = requireString(values, 'email');
    const name = typeof values['name'] === 'string' ? values['name'] : undefined;
    const { password, option } = await passwordOf(values, io);
    await withTenant(io, values, async (context, tenant) => {
      const traits = { ...traitsOf(values, traitSchemaOf(tenant.settings)), email, ...(name === undefined ? {} : { name }) };
      const input = { traits, password, verified: values['verified'] === true };
      const deps = { transaction: context.transaction, tenants: context.stores.tenants };
      const named = ['email', ...(name === undefined ? [] : ['name'])];
      const identity = await withTraitOptions(createIdentityByOperator(deps, tenant.id, input, operatorActor(io)), { password: option, named });
      if (values['json']) return printJson(io, identityJson(identity, tenant));
      io.stdout.write(`Created customer ${identity.id} in tenant ${tenant.slug}${password === undefined ? ', without a password' : ''}.\n`);
      printIdentity(io, identity, tenant);
    });
  },
};

const usersListCommand: Command = {
  name: 'users list',
  summary: `List a tenant's customers, newest first, ${DEFAULT_PAGE_SIZE} at a time (--limit); --after <id of the last one listed> gives the next page.`,
  usage: '[--tenant <slug>] [--limit <n>] [--after <id>] [--json]',
  options: { ...tenantOption, limit: { type: 'string' }, after: { type: 'string' } },
  async run(values, io) {
    const limit = pageSizeOf(values);
    const after = typeof values['after'] === 'string' && values['after'].trim() !== '' ? values['after'].trim() : undefined;
    await withTenant(io, values, async (context, tenant) => {
      const identities = await context.stores.identities.list(tenant.id, { limit, after });
      if (values['json']) return printJson(io, identities.map((identity) => identityJson(identity, tenant)));
      const rows = identities.map((identity) => [identity.id, emailOf(identity), identity.status, new Date(identity.createdAt).toISOString()]);
      printTable(io, ['ID', 'EMAIL', 'STATUS', 'CREATED'], rows);
      const last = identities.at(-1);
      // On stderr, so that stdout stays the table alone for whoever pipes it.
      if (last && identities.length === limit) io.stderr.write(`More may follow: foyer users list --tenant ${tenant.slug} --limit ${limit} --after ${last.id}\n`);
    });
  },
};

/** An ISO 8601 time option as epoch milliseconds. */
function timeOf(values: OptionValues, name: string): number | undefined {
  const given = values[name];
  if (given === undefined) return undefined;
  const time = typeof given === 'string' ? Date.parse(given) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError(`--${name} takes a date or time such as 2026-01-31 or 2026-01-31T12:00:00Z`);
  return time;
}

const SEARCH_TEXT_OPTIONS = ['email', 'email-prefix', 'identifier', 'identifier-prefix', 'name'] as const;

const usersSearchCommand: Command = {
  name: 'users search',
  summary:
    "Find a tenant's customers, newest first, as the admin API does: by --email or --email-prefix, --identifier or --identifier-prefix (the traits the schema marks as identifiers), --name (first letters of a name), --status, --trait name=value (exact, any case), --created-after/--created-before and --last-sign-in-after/--last-sign-in-before (dates or times). --cursor <the one printed after a page> gives the next page.",
  usage: '[--tenant <slug>] [--email <e> | --email-prefix <p>] [--identifier <i> | --identifier-prefix <p>] [--name <n>] [--status active|blocked] [--trait <name>=<value>] [--created-after <time>] [--created-before <time>] [--last-sign-in-after <time>] [--last-sign-in-before <time>] [--limit <n>] [--cursor <cursor>] [--json]',
  options: {
    ...tenantOption,
    ...Object.fromEntries(SEARCH_TEXT_OPTIONS.map((name) => [name, { type: 'string' as const }])),
    status: { type: 'string' },
    trait: { type: 'string' },
    'created-after': { type: 'string' },
    'created-before': { type: 'string' },
    'last-sign-in-after': { type: 'string' },
    'last-sign-in-before': { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
  },
  async run(values, io) {
    const limit = Math.min(pageSizeOf(values), 200);
    const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
    const status = text('status');
    if (status !== undefined && status !== 'active' && status !== 'blocked') throw new UsageError('--status is active or blocked');
    const trait = text('trait');
    const separator = trait?.indexOf('=') ?? -1;
    if (trait !== undefined && separator < 1) throw new UsageError(`--trait takes name=value, such as --trait plan=pro (got "${trait}")`);
    const criteria = {
      email: text('email'),
      email_prefix: text('email-prefix'),
      identifier: text('identifier'),
      identifier_prefix: text('identifier-prefix'),
      name: text('name'),
      status,
      created_after: timeOf(values, 'created-after'),
      created_before: timeOf(values, 'created-before'),
      last_sign_in_after: timeOf(values, 'last-sign-in-after'),
      last_sign_in_before: timeOf(values, 'last-sign-in-before'),
      trait_name: trait === undefined ? undefined : trait.slice(0, separator).trim(),
      trait_value: trait === undefined ? undefined : trait.slice(separator + 1),
    } as const;
    await withTenant(io, values, async (context, tenant) => {
      const found = await searchCustomers(context, { id: tenant.id, schema: traitSchemaOf(tenant.settings) }, criteria, { limit, cursor: text('cursor') }).catch((error: unknown) => {
        // The criteria are named as the admin API's query; here, as this command's options.
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(error.problems.map((problem) => ({ ...problem, field: problem.field.startsWith('trait_') ? 'trait' : problem.field.replaceAll('_', '-') })));
      });
      if (values['json']) {
        return printJson(io, { items: found.items.map((item) => ({ ...identityJson(item.identity, tenant), last_signed_in_at: item.lastSignedInAt === null ? null : isoTime(item.lastSignedInAt) })), next_cursor: found.nextCursor });
      }
      const rows = found.items.map(({ identity, lastSignedInAt }) => [identity.id, emailOf(identity), identity.status, new Date(identity.createdAt).toISOString(), lastSignedInAt === null ? '-' : new Date(lastSignedInAt).toISOString()]);
      printTable(io, ['ID', 'EMAIL', 'STATUS', 'CREATED', 'LAST SIGN-IN'], rows);
      if (found.nextCursor) io.stderr.write(`More follow: add --cursor ${found.nextCursor}\n`);
    });
  },
};

const usersShowCommand: Command = {
  name: 'users show',
  summary: 'Show one customer: traits, addresses (verified or not), status and times (never a password or its hash).',
  usage: '[--tenant <slug>] --id <id> [--json]',
  options: identityOptions,
  async run(values, io) {
    const id = requireString(values, 'id');
    await withTenant(io, values, async (context, tenant) => {
      const identity = await getIdentity(context.stores, tenant.id, id);
      if (values['json']) return printJson(io, identityJson(identity, tenant));
      printIdentity(io, identity, tenant);
    });
  },
};

const usersBlockCommand: Command = {
  name: 'users block',
  summary: 'Block a customer: sign-in is refused, and every session, code and token they hold is revoked at once.',
  usage: '[--tenant <slug>] --id <id> [--json]',
  options: identityOptions,
  async run(values, io) {
    const id = requireString(values, 'id');
    await withTenant(io, values, async (context, tenant) => {
      const { identity, revokedArtifacts } = await blockIdentity(context, tenant.id, id, operatorActor(io));
      if (values['json']) return printJson(io, { id: identity.id, status: identity.status, revoked_artifacts: revokedArtifacts });
      io.stdout.write(`Blocked customer ${identity.id} in tenant ${tenant.slug}; revoked ${revokedArtifacts} session(s), code(s), grant(s) and token(s).\n`);
    });
  },
};

const usersUnblockCommand: Command = {
  name: 'users unblock',
  summary: 'Let a blocked customer sign in again (what blocking revoked stays revoked).',
  usage: '[--tenant <slug>] --id <id> [--json]',
  options: identityOptions,
  async run(values, io) {
    const id = requireString(values, 'id');
    await withTenant(io, values, async (context, tenant) => {
      const identity = await unblockIdentity(context, tenant.id, id, operatorActor(io));
      if (values['json']) return printJson(io, { id: identity.id, status: identity.status });
      io.stdout.write(`Unblocked customer ${identity.id} in tenant ${tenant.slug}.\n`);
    });
  },
};

const usersDeleteCommand: Command = {
  name: 'users delete',
  summary: 'Delete a customer for good: their profile, addresses and credentials, and every session and token they hold.',
  usage: '[--tenant <slug>] --id <id> [--json]',
  options: identityOptions,
  async run(values, io) {
    const id = requireString(values, 'id');
    await withTenant(io, values, async (context, tenant) => {
      const { revokedArtifacts } = await deleteIdentity(context, tenant.id, id, operatorActor(io));
      if (values['json']) return printJson(io, { id, deleted: true, revoked_artifacts: revokedArtifacts });
      io.stdout.write(`Deleted customer ${id} from tenant ${tenant.slug}; revoked ${revokedArtifacts} session(s), code(s), grant(s) and token(s).\n`);
    });
  },
};

export const usersCommands: readonly Command[] = [
  usersCreateCommand,
  usersListCommand,
  usersSearchCommand,
  usersShowCommand,
  usersBlockCommand,
  usersUnblockCommand,
  usersDeleteCommand,
];
