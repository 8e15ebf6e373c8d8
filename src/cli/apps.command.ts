// The `foyer apps` commands: register and manage a tenant's applications (OAuth clients). A client
// secret is printed once, by `create` and `rotate-secret`; nothing else ever shows it or its hash.
import type { Command, CliIo, OptionValues } from './io.ts';
import { printJson, printRows, printTable, requireString, UsageError } from './io.ts';
import { withTenant } from './tenant-option.ts';
import { operatorActor } from './actor.ts';
import type { Application, ApplicationInput } from '../domain/applications/application.ts';
import { isConfidentialKind } from '../domain/applications/application.ts';
import {
  createApplication,
  deleteApplication,
  getApplication,
  rotateClientSecret,
  updateApplication,
} from '../domain/applications/applications.service.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Tenant } from '../domain/tenants/tenant.ts';

const tenantOption: Command['options'] = { tenant: { type: 'string' } };
const clientOptions: Command['options'] = { ...tenantOption, 'client-id': { type: 'string' } };
const settingOptions: Command['options'] = {
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  grant: { type: 'string', multiple: true },
  'first-party': { type: 'boolean' },
  'third-party': { type: 'boolean' },
  'access-token-ttl': { type: 'string' },
  'id-token-ttl': { type: 'string' },
  'refresh-token-ttl': { type: 'string' },
  'backchannel-logout-uri': { type: 'string' },
  'logo-uri': { type: 'string' },
  'id-token-alg': { type: 'string' },
  'id-token-claims': { type: 'string' },
};
const SETTINGS_USAGE =
  '[--redirect-uri <uri>]… [--post-logout-redirect-uri <uri>]… [--grant <grant type>]… [--first-party | --third-party] ' +
  '[--access-token-ttl <s>] [--id-token-ttl <s>] [--refresh-token-ttl <s>] [--backchannel-logout-uri <uri>] [--logo-uri <uri>] [--id-token-alg ES256|RS256] [--id-token-claims scopes|minimal]';

/** Domain field names → the options that set them, so a refusal names what the operator typed. */
const OPTION_OF_FIELD: Record<string, string> = {
  redirectUris: 'redirect-uri',
  postLogoutRedirectUris: 'post-logout-redirect-uri',
  grantTypes: 'grant',
  'tokenLifetimes.accessToken': 'access-token-ttl',
  'tokenLifetimes.idToken': 'id-token-ttl',
  'tokenLifetimes.refreshToken': 'refresh-token-ttl',
  backchannelLogoutUri: 'backchannel-logout-uri',
  logoUri: 'logo-uri',
  idTokenAlgorithm: 'id-token-alg',
  idTokenClaims: 'id-token-claims',
};

function withOptionNames<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.problems.map((problem) => ({ ...problem, field: OPTION_OF_FIELD[problem.field] ?? problem.field })));
  });
}

/** Repeated options give a list; an empty value clears it (`--post-logout-redirect-uri ''`). */
function listOption(values: OptionValues, name: string): string[] | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '');
}

/** Whole seconds; anything else becomes NaN, which the domain refuses naming the option. */
function secondsOption(values: OptionValues, name: string): number | undefined {
  const value = values[name];
  if (typeof value !== 'string') return undefined;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

function settingsInput(values: OptionValues): ApplicationInput {
  if (values['first-party'] && values['third-party']) throw new UsageError('give either --first-party or --third-party, not both');
  const firstParty = values['third-party'] ? false : values['first-party'] ? true : undefined;
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  return {
    redirectUris: listOption(values, 'redirect-uri'),
    postLogoutRedirectUris: listOption(values, 'post-logout-redirect-uri'),
    grantTypes: listOption(values, 'grant'),
    firstParty,
    tokenLifetimes: {
      accessToken: secondsOption(values, 'access-token-ttl'),
      idToken: secondsOption(values, 'id-token-ttl'),
      refreshToken: secondsOption(values, 'refresh-token-ttl'),
    },
    backchannelLogoutUri: text('backchannel-logout-uri'),
    logoUri: text('logo-uri'),
    idTokenAlgorithm: text('id-token-alg')?.trim().toUpperCase(),
    idTokenClaims: text('id-token-claims')?.trim(),
  };
}

/** RFC 7591 client metadata names, so the output reads like what an OAuth library expects. */
function applicationJson(application: Application, tenant: Tenant) {
  return {
    client_id: application.id,
    tenant: tenant.slug,
    name: application.name,
    kind: application.kind,
    confidential: isConfidentialKind(application.kind),
    first_party: application.firstParty,
    redirect_uris: application.redirectUris,
    post_logout_redirect_uris: application.postLogoutRedirectUris,
    grant_types: application.grantTypes,
    token_lifetimes: {
      access_token: application.tokenLifetimes.accessToken,
      id_token: application.tokenLifetimes.idToken,
      refresh_token: application.tokenLifetimes.refreshToken,
    },
    backchannel_logout_uri: application.backchannelLogoutUri,
    logo_uri: application.logoUri,
    id_token_signed_response_alg: application.idTokenAlgorithm,
    id_token_claims: application.idTokenClaims,
    created_at: new Date(application.createdAt).toISOString(),
    updated_at: new Date(application.updatedAt).toISOString(),
  };
}


const SECRET_WARNING = 'Store this client secret now: it will not be shown again (only its hash is kept; "foyer apps rotate-secret" makes a new one).\n';

/** The secret, when given, is printed beside the client id, followed by the warning. */
function printApplication(io: CliIo, application: Application, tenant: Tenant, clientSecret?: string): void {
  const { tokenLifetimes: ttl } = application;
  const list = (uris: readonly string[]) => (uris.length > 0 ? uris.join(' ') : '-');
  const rows: [string, string][] = [
    ['client_id', application.id],
    ...(clientSecret ? [['client_secret', clientSecret] as [string, string]] : []),
    ['tenant', tenant.slug],
    ['name', application.name],
    ['kind', `${application.kind} (${isConfidentialKind(application.kind) ? 'confidential, has a client secret' : 'public, PKCE'})`],
    ['consent', application.firstParty ? 'first-party (no consent screen)' : 'third-party (consent screen)'],
    ['redirect_uris', list(application.redirectUris)],
    ['post_logout_redirect_uris', list(application.postLogoutRedirectUris)],
    ['grant_types', application.grantTypes.join(' ')],
    ['token_lifetimes', `access ${ttl.accessToken} s, id ${ttl.idToken} s, refresh ${ttl.refreshToken} s`],
    ['backchannel_logout_uri', application.backchannelLogoutUri ?? '-'],
    ['logo_uri', application.logoUri ?? '-'],
    ['id_token_signed_response_alg', application.idTokenAlgorithm],
    ['id_token_claims', application.idTokenClaims === 'minimal' ? 'minimal (sub, acr, amr, auth_time; the profile from userinfo)' : 'scopes (the claims of the granted scopes)'],
    ['created_at', new Date(application.createdAt).toISOString()],
    ['updated_at', new Date(application.updatedAt).toISOString()],
  ];
  printRows(io, rows);
  if (clientSecret) io.stdout.write(SECRET_WARNING);
}

const appsCreateCommand: Command = {
  name: 'apps create',
  summary: 'Register an application (OAuth client): web, spa, native or machine. Prints its client_id and, once, its client secret.',
  usage: `[--tenant <slug>] --name <name> --kind web|spa|native|machine ${SETTINGS_USAGE} [--json]`,
  options: { ...tenantOption, name: { type: 'string' }, kind: { type: 'string' }, ...settingOptions },
  async run(values, io) {
    const name = requireString(values, 'name');
    const kind = requireString(values, 'kind');
    const input = { ...settingsInput(values), name, kind };
    await withTenant(io, values, async (context, tenant) => {
      const { application, clientSecret } = await withOptionNames(createApplication(context, tenant.id, input, operatorActor(io)));
      if (values['json']) {
        const { client_id, ...rest } = applicationJson(application, tenant);
        return printJson(io, { client_id, ...(clientSecret ? { client_secret: clientSecret } : {}), ...rest });
      }
      io.stdout.write(`Created ${application.kind} application "${application.name}" in tenant ${tenant.slug}.\n`);
      printApplication(io, application, tenant, clientSecret);
    });
  },
};

const appsListCommand: Command = {
  name: 'apps list',
  summary: "List a tenant's applications.",
  usage: '[--tenant <slug>] [--json]',
  options: { ...tenantOption },
  async run(values, io) {
    await withTenant(io, values, async (context, tenant) => {
      const applications = await context.stores.applications.list(tenant.id);
      if (values['json']) return printJson(io, applications.map((application) => applicationJson(application, tenant)));
      const rows = applications.map((a) => [a.id, a.name, a.kind, a.firstParty ? 'first' : 'third', new Date(a.createdAt).toISOString()]);
      printTable(io, ['CLIENT_ID', 'NAME', 'KIND', 'PARTY', 'CREATED'], rows);
    });
  },
};

const appsShowCommand: Command = {
  name: 'apps show',
  summary: 'Show one application (never its client secret).',
  usage: '[--tenant <slug>] --client-id <id> [--json]',
  options: clientOptions,
  async run(values, io) {
    const clientId = requireString(values, 'client-id');
    await withTenant(io, values, async (context, tenant) => {
      const application = await getApplication(context.stores, tenant.id, clientId);
      if (values['json']) return printJson(io, applicationJson(application, tenant));
      printApplication(io, application, tenant);
    });
  },
};

const appsUpdateCommand: Command = {
  name: 'apps update',
  summary: 'Change an application; a repeatable option replaces its whole list, an empty value clears it. The kind cannot change.',
  usage: `[--tenant <slug>] --client-id <id> [--name <name>] ${SETTINGS_USAGE} [--json]`,
  options: { ...clientOptions, name: { type: 'string' }, ...settingOptions },
  async run(values, io) {
    const clientId = requireString(values, 'client-id');
    const changed = Object.keys(values).filter((key) => key !== 'tenant' && key !== 'client-id' && key !== 'json');
    if (changed.length === 0) throw new UsageError('give at least one option to change');
    const changes = { ...settingsInput(values), name: typeof values['name'] === 'string' ? values['name'] : undefined };
    await withTenant(io, values, async (context, tenant) => {
      const application = await withOptionNames(updateApplication(context, tenant.id, clientId, changes, operatorActor(io)));
      if (values['json']) return printJson(io, applicationJson(application, tenant));
      io.stdout.write(`Updated application "${application.name}".\n`);
      printApplication(io, application, tenant);
    });
  },
};

const appsDeleteCommand: Command = {
  name: 'apps delete',
  summary: 'Delete an application: its client id and secret stop working at once.',
  usage: '[--tenant <slug>] --client-id <id> [--json]',
  options: clientOptions,
  async run(values, io) {
    const clientId = requireString(values, 'client-id');
    await withTenant(io, values, async (context, tenant) => {
      await deleteApplication(context, tenant.id, clientId, operatorActor(io));
      if (values['json']) return printJson(io, { client_id: clientId, deleted: true });
      io.stdout.write(`Deleted application ${clientId} from tenant ${tenant.slug}.\n`);
    });
  },
};

const appsRotateSecretCommand: Command = {
  name: 'apps rotate-secret',
  summary: 'Give a web or machine application a new client secret, printed once; the old one stops working at once.',
  usage: '[--tenant <slug>] --client-id <id> [--json]',
  options: clientOptions,
  async run(values, io) {
    const clientId = requireString(values, 'client-id');
    await withTenant(io, values, async (context, tenant) => {
      const { application, clientSecret } = await rotateClientSecret(context, tenant.id, clientId, operatorActor(io));
      if (values['json']) return printJson(io, { client_id: application.id, client_secret: clientSecret });
      io.stdout.write(`New client secret for application "${application.name}" (${application.id}); the previous one no longer works.\n`);
      printRows(io, [
        ['client_id', application.id],
        ['client_secret', clientSecret],
      ]);
      io.stdout.write(SECRET_WARNING);
    });
  },
};

export const appsCommands: readonly Command[] = [
  appsCreateCommand,
  appsListCommand,
  appsShowCommand,
  appsUpdateCommand,
  appsDeleteCommand,
  appsRotateSecretCommand,
];
