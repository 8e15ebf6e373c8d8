// Applications are a tenant's OAuth/OIDC clients: their kind, exact redirect URIs, allowed grants,
// token lifetimes and whether customers see a consent screen. This module owns their rules.
import type { FieldProblem } from '../errors.ts';
import { ValidationError } from '../errors.ts';
import type { AdminScope } from '../admin/scopes.ts';
import { isAdminScope } from '../admin/scopes.ts';
import type { MfaPolicy } from '../tenants/tenant-settings.ts';
import { MFA_POLICIES } from '../tenants/tenant-settings.ts';

const APPLICATION_KINDS = ['web', 'spa', 'native', 'machine'] as const;
export type ApplicationKind = (typeof APPLICATION_KINDS)[number];

export const GRANT_AUTHORIZATION_CODE = 'authorization_code';
const GRANT_REFRESH_TOKEN = 'refresh_token';
export const GRANT_DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const GRANT_CLIENT_CREDENTIALS = 'client_credentials';

/**
 * How an application's ID tokens are signed. ES256 for new applications: a signature costs a fifth
 * of RS256's (measured: 71 against 347 µs on the benchmark machine), on every code exchange and
 * refresh, and P-256 is the stronger of the two. RS256, the OpenID Connect default, for relying
 * parties whose library knows nothing else, and for applications created before the choice existed
 * (that is what they have always received).
 */
const ID_TOKEN_ALGORITHMS = ['ES256', 'RS256'] as const;
export type IdTokenAlgorithm = (typeof ID_TOKEN_ALGORITHMS)[number];
const DEFAULT_ID_TOKEN_ALGORITHM: IdTokenAlgorithm = 'ES256';
/** What an application stored before the choice existed was given, and still is. */
export const LEGACY_ID_TOKEN_ALGORITHM: IdTokenAlgorithm = 'RS256';

/**
 * What an application's ID tokens carry. `scopes`: the claims of the granted scopes (email,
 * email_verified, name, …), which is where most client libraries read the customer's profile
 * (Auth.js, Passport's openid-client strategy, Authlib). `minimal`: only who signed in and how
 * (sub, acr, amr, auth_time), for applications that fetch the profile from userinfo and want small
 * tokens or none of the customer's details in them (OIDC Core 5.4).
 */
const ID_TOKEN_CLAIMS = ['scopes', 'minimal'] as const;
export type IdTokenClaims = (typeof ID_TOKEN_CLAIMS)[number];
export const DEFAULT_ID_TOKEN_CLAIMS: IdTokenClaims = 'scopes';

/**
 * What an admin client (a machine application of the admin tenant) may do through the admin API:
 * the scopes its tokens may carry, and the one tenant (by slug) it may reach, or `*` for every
 * tenant. Other applications have none.
 */
export type AdminAccess = { readonly scopes: readonly AdminScope[]; readonly tenant: string };

/** The binding of an admin client that may reach every tenant. */
export const ALL_TENANTS = '*';

/** Seconds. */
type TokenLifetimes = { readonly accessToken: number; readonly idToken: number; readonly refreshToken: number };

/** What an operator may set on an application; everything but its identity, kind and times. */
export type ApplicationFields = {
  readonly name: string;
  readonly redirectUris: string[];
  readonly postLogoutRedirectUris: string[];
  readonly grantTypes: string[];
  /** First-party applications skip the consent screen; third-party ones always show it. */
  readonly firstParty: boolean;
  readonly tokenLifetimes: TokenLifetimes;
  readonly backchannelLogoutUri: string | null;
  readonly logoUri: string | null;
  readonly idTokenAlgorithm: IdTokenAlgorithm;
  readonly idTokenClaims: IdTokenClaims;
  readonly adminAccess: AdminAccess | null;
  /** The second-factor policy of sign-ins to this application (ADR 0024); null: the tenant's. The stricter of the two applies. */
  readonly mfaPolicy: MfaPolicy | null;
  /** No passkeys on this application's sign-ins (no button, autofill, offer or passkey step); it cannot turn them on where the tenant turned them off. */
  readonly passkeysDisabled: boolean;
};

export type Application = ApplicationFields & {
  /** The OAuth client_id. */
  readonly id: string;
  readonly tenantId: string;
  readonly kind: ApplicationKind;
  readonly createdAt: number;
  readonly updatedAt: number;
};

/** Input of a new application or of a change: omitted fields take the kind's defaults (or stay as they are). */
export type ApplicationInput = {
  readonly name?: string | undefined;
  readonly redirectUris?: readonly string[] | undefined;
  readonly postLogoutRedirectUris?: readonly string[] | undefined;
  readonly grantTypes?: readonly string[] | undefined;
  readonly firstParty?: boolean | undefined;
  readonly tokenLifetimes?: Partial<TokenLifetimes> | undefined;
  readonly backchannelLogoutUri?: string | null | undefined;
  readonly logoUri?: string | null | undefined;
  readonly idTokenAlgorithm?: string | undefined;
  readonly idTokenClaims?: string | undefined;
  readonly adminAccess?: { readonly scopes: readonly string[]; readonly tenant: string } | null | undefined;
  readonly mfaPolicy?: string | null | undefined;
  readonly passkeysDisabled?: boolean | undefined;
};

export type NewApplication = ApplicationInput & { readonly name: string; readonly kind: string };

/** Web and machine applications keep a secret on a server; SPAs and native apps cannot, and use PKCE. */
export function isConfidentialKind(kind: ApplicationKind): boolean {
  return kind === 'web' || kind === 'machine';
}

function isApplicationKind(value: string): value is ApplicationKind {
  return (APPLICATION_KINDS as readonly string[]).includes(value);
}

const ALLOWED_GRANTS: Record<ApplicationKind, readonly string[]> = {
  web: [GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, GRANT_DEVICE_CODE],
  spa: [GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN],
  native: [GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, GRANT_DEVICE_CODE],
  machine: [GRANT_CLIENT_CREDENTIALS],
};

function defaultGrantTypes(kind: ApplicationKind): string[] {
  return kind === 'machine' ? [GRANT_CLIENT_CREDENTIALS] : [GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN];
}

const DAY = 86_400;
export const DEFAULT_TOKEN_LIFETIMES: TokenLifetimes = { accessToken: 3_600, idToken: 3_600, refreshToken: 14 * DAY };
/** Short enough that a leaked token dies within a day; long enough not to hammer the token endpoint. */
const TOKEN_LIFETIME_BOUNDS: Record<keyof TokenLifetimes, { min: number; max: number }> = {
  accessToken: { min: 60, max: DAY },
  idToken: { min: 60, max: DAY },
  refreshToken: { min: 3_600, max: 365 * DAY },
};

const MAX_NAME_LENGTH = 200;
const MAX_URIS = 50;
const MAX_URI_LENGTH = 2_000;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]*[a-z0-9]:$/;

type UriCheck = { uri: string; ok: true } | { uri: string; ok: false; reason: string };

/**
 * Parses an absolute URI without fragment or credentials. The string is kept exactly as given:
 * redirect URIs are compared byte for byte at the authorization endpoint, never normalised.
 */
function parseAbsolute(uri: string): URL | string {
  if (uri.length === 0 || uri.length > MAX_URI_LENGTH) return `use an absolute URI of at most ${MAX_URI_LENGTH} characters`;
  if (!URL.canParse(uri) || /\s/.test(uri)) return 'use an absolute URI';
  if (uri.includes('#')) return 'a fragment (#) is not allowed';
  const url = new URL(uri);
  if (url.username !== '' || url.password !== '') return 'credentials in the URI are not allowed';
  return url;
}

function isHttpLoopback(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** Web and SPA callbacks: https, or plain http on this machine while developing. */
function checkBrowserUri(uri: string): UriCheck {
  const url = parseAbsolute(uri);
  if (typeof url === 'string') return { uri, ok: false, reason: url };
  if (url.protocol === 'https:' || isHttpLoopback(url)) return { uri, ok: true };
  return { uri, ok: false, reason: 'use https (http only for localhost, 127.0.0.1 or [::1])' };
}

/** Native callbacks (RFC 8252): a reverse-domain private-use scheme, http loopback on any port, or https. */
function checkNativeUri(uri: string): UriCheck {
  const url = parseAbsolute(uri);
  if (typeof url === 'string') return { uri, ok: false, reason: url };
  if (url.protocol === 'https:' || isHttpLoopback(url) || PRIVATE_USE_SCHEME.test(url.protocol)) return { uri, ok: true };
  return { uri, ok: false, reason: 'use a reverse-domain scheme such as com.example.app:/callback, http loopback or https' };
}

function checkUriList(
  problems: FieldProblem[],
  field: string,
  code: string,
  uris: readonly string[],
  check: ((uri: string) => UriCheck) | undefined,
): string[] {
  const unique = [...new Set(uris.map((uri) => uri.trim()))];
  if (unique.length > MAX_URIS) problems.push({ field, code, message: `Register at most ${MAX_URIS} URIs.` });
  for (const uri of unique) {
    const result = check?.(uri) ?? { uri, ok: false, reason: 'this kind of application has no redirect URIs' };
    if (!result.ok) problems.push({ field, code, message: `"${uri}": ${result.reason}.` });
  }
  return unique;
}

function checkGrants(problems: FieldProblem[], kind: ApplicationKind, grants: readonly string[]): string[] {
  const field = 'grantTypes';
  const code = 'application.grant_type_invalid';
  const unique = [...new Set(grants.map((grant) => grant.trim()))];
  const allowed = ALLOWED_GRANTS[kind];
  for (const grant of unique) {
    if (!allowed.includes(grant)) problems.push({ field, code, message: `"${grant}" is not allowed for ${kind} applications (allowed: ${allowed.join(', ')}).` });
  }
  if (unique.length === 0) problems.push({ field, code, message: `Give at least one grant type (allowed: ${allowed.join(', ')}).` });
  // Browser kinds exist to sign customers in through the authorization endpoint.
  if (kind !== 'machine' && unique.length > 0 && !unique.includes(GRANT_AUTHORIZATION_CODE)) {
    problems.push({ field, code, message: `${kind} applications sign customers in with ${GRANT_AUTHORIZATION_CODE}: keep it.` });
  }
  return unique;
}

function checkLifetimes(problems: FieldProblem[], input: Partial<TokenLifetimes>): TokenLifetimes {
  const lifetimes = { ...DEFAULT_TOKEN_LIFETIMES, ...stripUndefined(input) };
  const codes = { accessToken: 'access_token', idToken: 'id_token', refreshToken: 'refresh_token' } as const;
  for (const key of ['accessToken', 'idToken', 'refreshToken'] as const) {
    const { min, max } = TOKEN_LIFETIME_BOUNDS[key];
    const value = lifetimes[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push({
        field: `tokenLifetimes.${key}`,
        code: `application.${codes[key]}_lifetime_invalid`,
        message: `Give whole seconds from ${min} to ${max}.`,
      });
    }
  }
  return lifetimes;
}

function checkOptionalUri(
  problems: FieldProblem[],
  field: string,
  code: string,
  uri: string | null | undefined,
  check: (url: URL) => string | undefined,
): string | null {
  const value = uri?.trim() || null;
  if (value === null) return null;
  const url = parseAbsolute(value);
  const reason = typeof url === 'string' ? url : check(url);
  if (reason !== undefined) problems.push({ field, code, message: `"${value}": ${reason}.` });
  return value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Checks an application's fields against the rules of its kind and returns them complete (defaults
 * filled, URIs trimmed and de-duplicated); throws ValidationError naming every bad field at once.
 */
export function validateApplication(input: ApplicationInput, kind: string): ApplicationFields & { kind: ApplicationKind } {
  const problems: FieldProblem[] = [];
  const name = (input.name ?? '').trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    problems.push({ field: 'name', code: 'application.name_invalid', message: `Give a name of 1 to ${MAX_NAME_LENGTH} characters.` });
  }
  if (!isApplicationKind(kind)) {
    problems.push({ field: 'kind', code: 'application.kind_invalid', message: `Use one of ${APPLICATION_KINDS.join(', ')}.` });
    throw new ValidationError(problems);
  }
  const check = kind === 'machine' ? undefined : kind === 'native' ? checkNativeUri : checkBrowserUri;
  const redirectUris = checkUriList(problems, 'redirectUris', 'application.redirect_uri_invalid', input.redirectUris ?? [], check);
  if (kind !== 'machine' && redirectUris.length === 0) {
    problems.push({ field: 'redirectUris', code: 'application.redirect_uri_required', message: 'Register at least one redirect URI.' });
  }
  const postLogoutRedirectUris = checkUriList(
    problems,
    'postLogoutRedirectUris',
    'application.post_logout_redirect_uri_invalid',
    input.postLogoutRedirectUris ?? [],
    check,
  );
  const grantTypes = checkGrants(problems, kind, input.grantTypes ?? defaultGrantTypes(kind));
  const tokenLifetimes = checkLifetimes(problems, input.tokenLifetimes ?? {});
  const logoUri = checkOptionalUri(problems, 'logoUri', 'application.logo_uri_invalid', input.logoUri, (url) =>
    url.protocol === 'https:' ? undefined : 'use https',
  );
  // Back-channel logout calls the application's server, which only web applications have.
  const backchannelLogoutUri = checkOptionalUri(problems, 'backchannelLogoutUri', 'application.backchannel_logout_uri_invalid', input.backchannelLogoutUri, (url) => {
    if (kind !== 'web') return 'only web applications take back-channel logout';
    return url.protocol === 'https:' || isHttpLoopback(url) ? undefined : 'use https (http only for localhost, 127.0.0.1 or [::1])';
  });
  const idTokenAlgorithm = input.idTokenAlgorithm ?? DEFAULT_ID_TOKEN_ALGORITHM;
  if (!(ID_TOKEN_ALGORITHMS as readonly string[]).includes(idTokenAlgorithm)) {
    problems.push({ field: 'idTokenAlgorithm', code: 'application.id_token_algorithm_invalid', message: `Use one of ${ID_TOKEN_ALGORITHMS.join(', ')}.` });
  }
  const idTokenClaims = input.idTokenClaims ?? DEFAULT_ID_TOKEN_CLAIMS;
  if (!(ID_TOKEN_CLAIMS as readonly string[]).includes(idTokenClaims)) {
    problems.push({ field: 'idTokenClaims', code: 'application.id_token_claims_invalid', message: `Use one of ${ID_TOKEN_CLAIMS.join(', ')}.` });
  }
  const adminAccess = checkAdminAccess(problems, kind, input.adminAccess ?? null);
  const mfaPolicy = input.mfaPolicy ?? null;
  if (mfaPolicy !== null && !(MFA_POLICIES as readonly string[]).includes(mfaPolicy)) {
    problems.push({ field: 'mfaPolicy', code: 'application.mfa_policy_invalid', message: `Use one of ${MFA_POLICIES.join(', ')}, or null for the tenant's policy.` });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    kind,
    name,
    redirectUris,
    postLogoutRedirectUris,
    grantTypes,
    firstParty: input.firstParty ?? true,
    tokenLifetimes,
    backchannelLogoutUri,
    logoUri,
    idTokenAlgorithm: idTokenAlgorithm as IdTokenAlgorithm,
    idTokenClaims: idTokenClaims as IdTokenClaims,
    adminAccess,
    mfaPolicy: mfaPolicy as MfaPolicy | null,
    passkeysDisabled: input.passkeysDisabled ?? false,
  };
}

const TENANT_SLUG = /^[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** Admin access is for machines only (staff sign in as themselves); at least one known scope. */
function checkAdminAccess(problems: FieldProblem[], kind: ApplicationKind, access: Exclude<ApplicationInput['adminAccess'], undefined>): AdminAccess | null {
  if (access === null) return null;
  const code = 'application.admin_access_invalid';
  if (kind !== 'machine') problems.push({ field: 'adminAccess', code, message: 'Only machine applications hold admin scopes; staff sign in with their own role.' });
  const scopes = [...new Set(access.scopes)];
  const unknown = scopes.filter((scope) => !isAdminScope(scope));
  if (unknown.length > 0) problems.push({ field: 'adminAccess.scopes', code, message: `Unknown scopes: ${unknown.join(', ')}.` });
  if (scopes.length === 0) problems.push({ field: 'adminAccess.scopes', code, message: 'Give at least one scope.' });
  if (access.tenant !== ALL_TENANTS && !TENANT_SLUG.test(access.tenant)) {
    problems.push({ field: 'adminAccess.tenant', code, message: `Give a tenant's slug, or "${ALL_TENANTS}" for every tenant.` });
  }
  return { scopes: scopes.filter(isAdminScope), tenant: access.tenant };
}
