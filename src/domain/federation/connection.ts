// A connection is one upstream identity provider a tenant's customers may sign in with (issue 16,
// ADR 0032): a generic OpenID Connect provider found by its discovery URL, a generic OAuth 2
// provider named by its endpoints, or a SAML 2.0 identity provider read from its metadata (ADR 0035). What it is allowed to do is decided here: whether it may create
// accounts, whether its `email_verified` is believed, which applications show it, which email
// domains it owns (home-realm discovery), and how its claims fill the customer's traits.
import { ValidationError } from '../errors.ts';
import { STAFF_ROLES } from '../admin/scopes.ts';
import type { StaffRole } from '../admin/scopes.ts';
import type { FieldProblem } from '../errors.ts';
import type { PresetId, PresetOptions } from './presets.ts';
import { PRESET_IDS, presetOf, resolvedConnection } from './presets.ts';

export const CONNECTION_KINDS = ['oidc', 'oauth2', 'saml'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

/** What Foyer keeps of a SAML identity provider's metadata. */
export type IdpMetadata = {
  readonly entityId: string;
  /** Its SingleSignOnService for the HTTP-Redirect binding (where AuthnRequests go). */
  readonly ssoUrl: string;
  /** The base64 bodies of the X.509 certificates it signs assertions with. */
  readonly certificates: readonly string[];
};

/** A SAML connection: the identity provider, and Foyer's own certificate as its service provider (the private key is sealed apart). */
export type SamlSettings = IdpMetadata & {
  /** Where the metadata was read from (re-read on request), or null when it was given as a document. */
  readonly metadataUrl: string | null;
  /** The service provider's certificate (PEM): published in its metadata for signed AuthnRequests and encrypted assertions. */
  readonly spCertificate: string;
  /** Refuse assertions that are not encrypted to the service provider's key. */
  readonly requireEncryptedAssertions: boolean;
};

/** How an operator names the IdP's metadata: a URL to read, or the document itself. */
export type SamlInput = { readonly metadataUrl?: string | undefined; readonly metadataXml?: string | undefined; readonly requireEncryptedAssertions?: boolean | undefined };

/** Reads IdP metadata and makes the service provider's key pair (infrastructure, handed to the use cases). */
export type SamlSetup = {
  readMetadata(source: { readonly url?: string | undefined; readonly xml?: string | undefined }): Promise<IdpMetadata>;
  newKeyPair(commonName: string): Promise<{ readonly privateKey: string; readonly certificate: string }>;
};

/** Where a generic OAuth 2 provider's steps happen (there is no discovery to read them from). */
type OAuth2Endpoints = { readonly authorization: string; readonly token: string; readonly userinfo: string };

export type Connection = {
  readonly tenantId: string;
  /** Lower-case letters, digits and "-": part of URLs and of each linked account's identifier. */
  readonly id: string;
  readonly kind: ConnectionKind;
  /** A social preset (presets.ts) whose endpoints, mapping and quirks apply; null for a generic provider. */
  readonly preset: PresetId | null;
  /** The preset's own settings: Apple's team and key ids, Microsoft's tenant. */
  readonly presetOptions: PresetOptions;
  /** What its button says ("Continue with {name}"). */
  readonly displayName: string;
  /** An https URL of the button's mark, or null for the name alone. */
  readonly iconUrl: string | null;
  readonly clientId: string;
  /** Whether a client secret is sealed for it (the secret itself never leaves the store but to the upstream). */
  readonly hasClientSecret: boolean;
  /** OpenID Connect: the issuer, or its discovery document's URL. */
  readonly issuer: string | null;
  /** OAuth 2: the endpoints. */
  readonly endpoints: OAuth2Endpoints | null;
  readonly scopes: readonly string[];
  /** Trait name → upstream claim (dotted path for nested claims), applied on creation (and on each sign-in with `refreshTraits`). */
  readonly mapping: Readonly<Record<string, string>>;
  /** Its customers may create an account by signing in through it. */
  readonly allowSignUp: boolean;
  /** Its `email_verified: true` is believed: a matching account is linked without proof, and a new one has a verified address. */
  readonly trustEmailVerified: boolean;
  /** The mapping refreshes the traits on every sign-in, not only on creation. */
  readonly refreshTraits: boolean;
  /** The upstream's tokens are kept (sealed) with each linked account, for the tenant's own calls to the provider. */
  readonly storeTokens: boolean;
  /** Client ids of the applications that show it; null: every application. */
  readonly applications: readonly string[] | null;
  /** Email domains whose customers are sent to it (home-realm discovery). */
  readonly domains: readonly string[];
  readonly position: number;
  readonly enabled: boolean;
  /**
   * The admin tenant's workforce IdP: which value of which claim (`groups`, `roles`) makes a staff
   * member owner, admin, support or analyst. Staff without a mapped value are refused.
   */
  readonly roleMapping: { readonly claim: string; readonly roles: Readonly<Record<string, StaffRole>> } | null;
  /** SAML connections: the identity provider and the service provider's certificate; null for the others. */
  readonly saml: SamlSettings | null;
  readonly createdAt: number;
  readonly updatedAt: number;
};

/** What an operator sends to create or change one (the secret apart, sealed by the service). */
export type ConnectionInput = Partial<Omit<Connection, 'tenantId' | 'hasClientSecret' | 'saml' | 'createdAt' | 'updatedAt'>> & { readonly clientSecret?: string | null | undefined; readonly saml?: SamlInput | undefined };

const ID = /^[a-z][a-z0-9-]{0,62}$/;
const TRAIT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The secret box's context of a connection's client secret: a sealed value moved to another row does not open. */
export function clientSecretContext(tenantId: string, connectionId: string): string {
  return `connection-secret:${tenantId}:${connectionId}`;
}

/**
 * The secret box's context of the upstream tokens kept for one linked account: sealed when the
 * upstream answers, they open only for this tenant, connection and upstream subject.
 */
export function upstreamTokensContext(tenantId: string, connectionId: string, subject: string): string {
  return `upstream-tokens:${tenantId}:${connectionId}:${subject}`;
}

/** A SAML connection's service provider under the tenant's issuer: its entity id, assertion consumer service and metadata URLs. */
export function samlServiceProviderOf(issuer: string, connectionId: string): { readonly entityId: string; readonly acsUrl: string; readonly metadataUrl: string } {
  const entityId = `${issuer}/federation/saml/${connectionId}`;
  return { entityId, acsUrl: `${entityId}/acs`, metadataUrl: `${entityId}/metadata` };
}

/** The secret box's context of a SAML connection's service-provider private key. */
export function spKeyContext(tenantId: string, connectionId: string): string {
  return `saml-sp-key:${tenantId}:${connectionId}`;
}

/** The connection's fields checked together; every problem at once, with the API's field names left to the caller. */
export function validateConnection(stored: Omit<Connection, 'createdAt' | 'updatedAt'>, options: { readonly production: boolean }): void {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, code: 'connection.invalid', message });
  // A preset's issuer and endpoints count where the connection names none of its own.
  const fields = resolvedConnection(stored);
  const preset = presetOf(fields.preset);
  if (fields.preset !== null && !preset) problem('preset', `must be one of ${PRESET_IDS.join(', ')}`);
  if (preset && preset.kind !== fields.kind) problem('kind', `must be ${preset.kind} for the ${preset.id} preset`);
  if (preset?.id === 'apple') {
    if (!/^[A-Z0-9]{10}$/.test(fields.presetOptions.teamId ?? '')) problem('preset_options.team_id', 'is the 10-character Team ID of the Apple developer account');
    if (!/^[A-Z0-9]{10}$/.test(fields.presetOptions.keyId ?? '')) problem('preset_options.key_id', 'is the 10-character ID of the Sign in with Apple key');
  }
  if (preset?.id === 'microsoft' && fields.presetOptions.tenant !== undefined && !/^(common|organizations|consumers|[0-9a-f-]{36}|[a-z0-9.-]{1,253})$/i.test(fields.presetOptions.tenant)) problem('preset_options.tenant', 'is common, organizations, consumers, or a directory id or domain');
  if (preset && !fields.hasClientSecret) problem('client_secret', preset.id === 'apple' ? 'is the Sign in with Apple private key (PEM)' : 'is required for a preset');
  if (!ID.test(fields.id)) problem('id', 'use 1 to 63 lower-case letters, digits and "-", starting with a letter');
  if (!(CONNECTION_KINDS as readonly string[]).includes(fields.kind)) problem('kind', `must be one of ${CONNECTION_KINDS.join(', ')}`);
  if (fields.displayName.trim() === '' || fields.displayName.length > 100) problem('display_name', 'must be 1 to 100 characters');
  if (fields.iconUrl !== null && !isUrl(fields.iconUrl, ['https:'])) problem('icon_url', 'must be an https URL');
  if (fields.kind !== 'saml' && (fields.clientId === '' || fields.clientId.length > 500)) problem('client_id', 'must be 1 to 500 characters');
  // Plain http is for an upstream on this machine while developing; production talks TLS only.
  const schemes = options.production ? ['https:'] : ['https:', 'http:'];
  const scheme = options.production ? 'an https URL' : 'an http(s) URL';
  if (fields.kind === 'oidc' && (fields.issuer === null || !isUrl(fields.issuer, schemes))) problem('issuer', `must be ${scheme} (the issuer or its discovery document)`);
  if (fields.kind === 'oauth2') {
    if (fields.endpoints === null) problem('endpoints', 'are required for an OAuth 2 connection');
    else for (const name of ['authorization', 'token', 'userinfo'] as const) if (!isUrl(fields.endpoints[name], schemes)) problem(`endpoints.${name}`, `must be ${scheme}`);
    if (!fields.hasClientSecret) problem('client_secret', 'is required for an OAuth 2 connection');
  }
  if (fields.kind === 'saml') {
    if (fields.saml === null) problem('saml', 'a SAML connection needs the identity provider’s metadata (metadata_url or metadata_xml)');
    else if (!isUrl(fields.saml.ssoUrl, schemes)) problem('saml.metadata', `the identity provider’s single sign-on service must be ${scheme}`);
    if (fields.saml?.metadataUrl && !isUrl(fields.saml.metadataUrl, schemes)) problem('saml.metadata_url', `must be ${scheme}`);
  }
  if (fields.scopes.length > 30 || fields.scopes.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/.test(scope))) problem('scopes', 'at most 30 scope tokens (RFC 6749 3.3)');
  for (const [trait, claim] of Object.entries(fields.mapping)) if (!TRAIT.test(trait) || claim === '' || claim.length > 200) problem(`mapping.${trait}`, 'maps a trait name to a claim name of 1 to 200 characters');
  if (fields.domains.some((domain) => !DOMAIN.test(domain))) problem('domains', 'must be lower-case domain names');
  if (fields.applications !== null && fields.applications.some((id) => id === '' || id.length > 200)) problem('applications', 'must be client ids');
  if (!Number.isInteger(fields.position) || fields.position < 0 || fields.position > 10_000) problem('position', 'must be a whole number from 0 to 10000');
  if (fields.roleMapping !== null && (fields.roleMapping.claim === '' || Object.values(fields.roleMapping.roles).some((role) => !(STAFF_ROLES as readonly string[]).includes(role)))) {
    problem('role_mapping', `names a claim and maps its values to ${STAFF_ROLES.join(', ')}`);
  }
  if (problems.length > 0) throw new ValidationError(problems, 'The connection is not valid.');
}

function isUrl(value: string, schemes: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return schemes.includes(url.protocol) && url.username === '' && url.password === '' && url.hash === '';
  } catch {
    return false;
  }
}

/** The most powerful staff role the claims map to through the connection's role mapping; undefined for none. */
export function mappedStaffRole(connection: Connection, claims: Readonly<Record<string, unknown>>): StaffRole | undefined {
  if (!connection.roleMapping) return undefined;
  const value = claims[connection.roleMapping.claim];
  const values = Array.isArray(value) ? value : [value];
  const roles = new Set(values.filter((item): item is string => typeof item === 'string').map((item) => connection.roleMapping!.roles[item]));
  return STAFF_ROLES.find((role) => roles.has(role));
}

/** Whether the connection's button shows for this application (client id; '' when none is known). */
export function showsFor(connection: Connection, applicationId: string): boolean {
  return connection.enabled && (connection.applications === null || connection.applications.includes(applicationId));
}
