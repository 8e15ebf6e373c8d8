// The `foyer connections` commands: a tenant's social and enterprise connections, through the
// same use cases as the admin API. The client secret is read from standard input
// (`--client-secret-stdin`), never from an argument a shell history or process list would keep. A
// SAML connection reads its IdP's metadata from a URL or a file (`--saml-metadata-url`, `--saml-metadata-file`).
// A social preset needs only `--preset`, the client id and the secret (for Apple, the .p8 key on
// standard input with `--team-id` and `--key-id`).
import { readFile } from 'node:fs/promises';
import type { Command, CliIo, OptionValues } from './io.ts';
import { printJson, printRows, printTable, readStdin, requireString, UsageError } from './io.ts';
import { withTenant } from './tenant-option.ts';
import { operatorActor } from './actor.ts';
import type { Connection, ConnectionInput, ConnectionKind } from '../domain/federation/connection.ts';
import { createConnection, deleteConnection, getConnection, listConnections, updateConnection } from '../domain/federation/connections.service.ts';
import { createSecretBox } from '../infra/crypto/secret-box.ts';
import { outboundFetch } from '../infra/federation/guarded-fetch.ts';
import { createSamlSetup } from '../infra/federation/saml-service-provider.ts';
import { samlServiceProviderOf } from '../domain/federation/connection.ts';
import { issuerOf } from '../domain/tenants/tenant.ts';
import type { Tenant } from '../domain/tenants/tenant.ts';
import type { CliContext } from './context.ts';

const tenantOption: Command['options'] = { tenant: { type: 'string' } };
const idOptions: Command['options'] = { ...tenantOption, id: { type: 'string' } };
const settingOptions: Command['options'] = {
  kind: { type: 'string' },
  preset: { type: 'string' },
  'team-id': { type: 'string' },
  'key-id': { type: 'string' },
  'microsoft-tenant': { type: 'string' },
  'store-tokens': { type: 'boolean' },
  'no-store-tokens': { type: 'boolean' },
  name: { type: 'string' },
  'icon-url': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  'no-client-secret': { type: 'boolean' },
  issuer: { type: 'string' },
  'authorization-url': { type: 'string' },
  'token-url': { type: 'string' },
  'userinfo-url': { type: 'string' },
  scope: { type: 'string', multiple: true },
  map: { type: 'string', multiple: true },
  'allow-sign-up': { type: 'boolean' },
  'no-sign-up': { type: 'boolean' },
  'trust-email-verified': { type: 'boolean' },
  'no-trust-email-verified': { type: 'boolean' },
  'refresh-traits': { type: 'boolean' },
  app: { type: 'string', multiple: true },
  domain: { type: 'string', multiple: true },
  position: { type: 'string' },
  disable: { type: 'boolean' },
  enable: { type: 'boolean' },
  'saml-metadata-url': { type: 'string' },
  'saml-metadata-file': { type: 'string' },
  'require-encrypted-assertions': { type: 'boolean' },
  'allow-unencrypted-assertions': { type: 'boolean' },
};
const SETTINGS_USAGE =
  '[--preset google|apple|microsoft|github|facebook|linkedin|gitlab|discord|x|amazon|slack|twitch] [--team-id <id> --key-id <id>] [--microsoft-tenant common|organizations|consumers|<directory>] [--store-tokens | --no-store-tokens] [--kind oidc|oauth2|saml] [--saml-metadata-url <url> | --saml-metadata-file <path>] [--require-encrypted-assertions | --allow-unencrypted-assertions] [--name <button text>] [--client-id <id>] [--client-secret-stdin | --no-client-secret] [--issuer <url>] ' +
  '[--authorization-url <url> --token-url <url> --userinfo-url <url>] [--scope <scope>]… [--map <trait>=<claim>]… ' +
  '[--allow-sign-up | --no-sign-up] [--trust-email-verified | --no-trust-email-verified] [--refresh-traits] [--app <client id>]… [--domain <domain>]… [--position <n>] [--enable | --disable] [--icon-url <url>]';

const list = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : undefined);

async function inputOf(values: OptionValues, io: CliIo): Promise<ConnectionInput> {
  const mapping = list(values['map']);
  const pairs = mapping?.map((entry) => {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--map takes <trait>=<claim>, not "${entry}"`);
    return [entry.slice(0, at), entry.slice(at + 1)] as const;
  });
  const urls = [values['authorization-url'], values['token-url'], values['userinfo-url']];
  const endpoints = urls.some((url) => typeof url === 'string') ? { authorization: String(urls[0] ?? ''), token: String(urls[1] ?? ''), userinfo: String(urls[2] ?? '') } : undefined;
  const flag = (yes: string, no: string) => (values[yes] ? true : values[no] ? false : undefined);
  const secret = values['client-secret-stdin'] ? (await readStdin(io)).trim() : values['no-client-secret'] ? null : undefined;
  const position = typeof values['position'] === 'string' ? Number(values['position']) : undefined;
  const metadataFile = values['saml-metadata-file'];
  const metadataXml = typeof metadataFile === 'string' ? await readFile(metadataFile, 'utf8').catch((error: Error) => { throw new UsageError(`--saml-metadata-file: ${error.message}`); }) : undefined;
  const metadataUrl = typeof values['saml-metadata-url'] === 'string' ? values['saml-metadata-url'] : undefined;
  const encrypted = flag('require-encrypted-assertions', 'allow-unencrypted-assertions');
  const saml = metadataXml !== undefined || metadataUrl !== undefined || encrypted !== undefined ? { metadataUrl, metadataXml, requireEncryptedAssertions: encrypted } : undefined;
  const text = (name: string) => (typeof values[name] === 'string' && values[name] !== '' ? (values[name] as string) : undefined);
  const presetOptions = { ...(text('team-id') ? { teamId: text('team-id') } : {}), ...(text('key-id') ? { keyId: text('key-id') } : {}), ...(text('microsoft-tenant') ? { tenant: text('microsoft-tenant') } : {}) };
  return {
    saml,
    preset: text('preset') as ConnectionInput['preset'],
    presetOptions: Object.keys(presetOptions).length > 0 ? presetOptions : undefined,
    storeTokens: flag('store-tokens', 'no-store-tokens'),
    kind: typeof values['kind'] === 'string' ? (values['kind'] as ConnectionKind) : undefined,
    displayName: typeof values['name'] === 'string' ? values['name'] : undefined,
    iconUrl: typeof values['icon-url'] === 'string' ? values['icon-url'] || null : undefined,
    clientId: typeof values['client-id'] === 'string' ? values['client-id'] : undefined,
    clientSecret: secret,
    issuer: typeof values['issuer'] === 'string' ? values['issuer'] : undefined,
    endpoints,
    scopes: list(values['scope']),
    mapping: pairs ? Object.fromEntries(pairs) : undefined,
    allowSignUp: flag('allow-sign-up', 'no-sign-up'),
    trustEmailVerified: flag('trust-email-verified', 'no-trust-email-verified'),
    refreshTraits: values['refresh-traits'] ? true : undefined,
    applications: list(values['app']),
    domains: list(values['domain'])?.map((domain) => domain.toLowerCase()),
    position,
    enabled: flag('enable', 'disable'),
  };
}

function depsOf(context: CliContext) {
  const production = context.config.env === 'production';
  return { transaction: context.transaction, secretBox: createSecretBox(context.config.masterSecret), production, saml: createSamlSetup(outboundFetch(production)) };
}

function connectionJson(connection: Connection, tenant: Tenant, publicUrl: string) {
  const { tenantId: _tenant, ...shown } = connection;
  const serviceProvider = connection.kind === 'saml' ? samlServiceProviderOf(issuerOf(publicUrl, tenant), connection.id) : undefined;
  return { ...shown, redirectUri: `${issuerOf(publicUrl, tenant)}/federation/callback`, ...(serviceProvider ? { serviceProvider } : {}), createdAt: new Date(connection.createdAt).toISOString(), updatedAt: new Date(connection.updatedAt).toISOString() };
}

function print(io: CliIo, values: OptionValues, connection: Connection, tenant: Tenant, publicUrl: string): void {
  const shown = connectionJson(connection, tenant, publicUrl);
  if (values['json']) return printJson(io, shown);
  printRows(io, [
    ['id', connection.id],
    ['kind', connection.kind],
    ...(connection.preset ? [['preset', connection.preset] as [string, string]] : []),
    ['name', connection.displayName],
    ['client id', connection.clientId],
    ['client secret', connection.hasClientSecret ? '(set, encrypted)' : '(none)'],
    ['issuer', connection.issuer ?? ''],
    ['scopes', connection.scopes.join(' ')],
    ['sign-up', connection.allowSignUp ? 'allowed' : 'no'],
    ['trusts email_verified', connection.trustEmailVerified ? 'yes' : 'no'],
    ['applications', connection.applications === null ? '(all)' : connection.applications.join(' ')],
    ['domains', connection.domains.join(' ')],
    ['enabled', connection.enabled ? 'yes' : 'no'],
    ...(shown.serviceProvider && connection.saml
      ? [['IdP entity id', connection.saml.entityId], ['IdP sign-on URL', connection.saml.ssoUrl], ['SP entity id', shown.serviceProvider.entityId], ['ACS URL', shown.serviceProvider.acsUrl], ['SP metadata', shown.serviceProvider.metadataUrl]] as [string, string][]
      : [['redirect URI', shown.redirectUri] as [string, string]]),
  ]);
}

const createCommand: Command = {
  name: 'connections create',
  summary: 'Add a social or enterprise connection (an upstream OpenID Connect, OAuth 2 or SAML provider) to a tenant.',
  usage: `[--tenant <slug>] --id <id> (--preset <preset> | --kind oidc|oauth2|saml --name <button text>) [--client-id <id>] ${SETTINGS_USAGE} [--json]`,
  options: { ...idOptions, ...settingOptions },
  async run(values, io) {
    const id = requireString(values, 'id');
    const input = { ...(await inputOf(values, io)), id };
    await withTenant(io, values, async (context, tenant) => {
      const connection = await createConnection(depsOf(context), tenant, input, operatorActor(io));
      print(io, values, connection, tenant, context.config.http.publicUrl);
    });
  },
};

const listCommand: Command = {
  name: 'connections list',
  summary: "List a tenant's connections, in the order of their buttons.",
  usage: '[--tenant <slug>] [--json]',
  options: tenantOption,
  async run(values, io) {
    await withTenant(io, values, async (context, tenant) => {
      const connections = await listConnections(context.stores, tenant.id);
      if (values['json']) return printJson(io, connections.map((connection) => connectionJson(connection, tenant, context.config.http.publicUrl)));
      printTable(io, ['ID', 'KIND', 'NAME', 'CLIENT ID', 'ENABLED'], connections.map((connection) => [connection.id, connection.kind, connection.displayName, connection.clientId, connection.enabled ? 'yes' : 'no']));
    });
  },
};

const showCommand: Command = {
  name: 'connections show',
  summary: 'Show a connection (never its secret) and the redirect URI to register upstream.',
  usage: '[--tenant <slug>] --id <id> [--json]',
  options: idOptions,
  async run(values, io) {
    const id = requireString(values, 'id');
    await withTenant(io, values, async (context, tenant) => print(io, values, await getConnection(context.stores, tenant.id, id), tenant, context.config.http.publicUrl));
  },
};

const updateCommand: Command = {
  name: 'connections update',
  summary: 'Change a connection: only the options given change.',
  usage: `[--tenant <slug>] --id <id> ${SETTINGS_USAGE} [--json]`,
  options: { ...idOptions, ...settingOptions },
  async run(values, io) {
    const id = requireString(values, 'id');
    const input = await inputOf(values, io);
    await withTenant(io, values, async (context, tenant) => {
      const connection = await updateConnection(depsOf(context), tenant, id, input, operatorActor(io));
      print(io, values, connection, tenant, context.config.http.publicUrl);
    });
  },
};

const deleteCommand: Command = {
  name: 'connections delete',
  summary: 'Remove a connection: its button disappears; accounts keep their other ways to sign in.',
  usage: '[--tenant <slug>] --id <id>',
  options: idOptions,
  async run(values, io) {
    const id = requireString(values, 'id');
    await withTenant(io, values, async (context, tenant) => {
      await deleteConnection(depsOf(context), tenant, id, operatorActor(io));
      io.stdout.write(`Deleted connection ${id}\n`);
    });
  },
};

export const connectionsCommands: readonly Command[] = [createCommand, listCommand, showCommand, updateCommand, deleteCommand];
