// The social presets (issue 16, ADR 0032): well-known providers a tenant adds with a client id and
// secret only. A preset names the provider's endpoints (each overridable on the connection: tests
// point them at local fakes), its scopes, how its answer becomes claims, and its quirks; the
// connection keeps only what the operator set. Which answers count as a verified email is decided
// here, per provider, because each says it differently (or not at all):
//   - OpenID Connect providers: `email_verified`, as sent (Google, LinkedIn, GitLab, Slack, Twitch);
//   - Apple: `email_verified` (a boolean or the string "true"); the name arrives only on the first
//     sign-in, in the form_post `user` field, which is unsigned: it may name, never verify;
//   - Microsoft: no `email_verified`; a personal account's address is Microsoft's own (the consumer
//     tenant), a work account's only when Entra says its domain is verified (`xms_edov`);
//   - GitHub: only the primary address of /user/emails marked verified;
//   - Facebook: the Graph API gives only a confirmed address; Discord its `verified` flag;
//   - Amazon: no statement, so never verified; X: no address at all.

export const PRESET_IDS = ['google', 'apple', 'microsoft', 'github', 'facebook', 'linkedin', 'gitlab', 'discord', 'x', 'amazon', 'slack', 'twitch'] as const;
export type PresetId = (typeof PRESET_IDS)[number];

type Endpoints = { readonly authorization: string; readonly token: string; readonly userinfo: string };

export type Preset = {
  readonly id: PresetId;
  /** The button's name ("Continue with GitHub"): the provider's own spelling. */
  readonly name: string;
  readonly kind: 'oidc' | 'oauth2';
  /** OpenID Connect: the issuer (Microsoft's depends on the tenant option). */
  readonly issuer?: (options: PresetOptions) => string;
  readonly endpoints?: Endpoints;
  readonly scopes: readonly string[];
  /** Trait → claim under the connection's own mapping; `sub` names the account's id claim. */
  readonly mapping: Readonly<Record<string, string>>;
  /** How the client authenticates at the token endpoint. */
  readonly tokenAuth: 'post' | 'basic' | 'apple_jwt';
  /** Added to every authorization request. */
  readonly authorizationParameters?: Readonly<Record<string, string>>;
  /** Where the profile comes from after the token: the ID token and userinfo (`oidc`), or the provider's API. */
  readonly profile: 'oidc' | 'id_token' | 'github' | 'facebook' | 'api';
  /** Where to register Foyer (docs/federation.md has the steps). */
  readonly console: string;
};

/** Microsoft's tenant: `common` (personal and work accounts), `organizations` (work only), `consumers` (personal only), or one directory's id. */
export type PresetOptions = { readonly teamId?: string; readonly keyId?: string; readonly tenant?: string };

/** The directory of personal Microsoft accounts: its `tid` in every personal account's token. */
export const MICROSOFT_CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

const STANDARD_PROFILE = { name: 'name', given_name: 'given_name', family_name: 'family_name' };

const PRESETS: Readonly<Record<PresetId, Preset>> = {
  google: { id: 'google', name: 'Google', kind: 'oidc', issuer: () => 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'], mapping: STANDARD_PROFILE, tokenAuth: 'post', profile: 'oidc', console: 'https://console.cloud.google.com/apis/credentials' },
  apple: {
    id: 'apple', name: 'Apple', kind: 'oidc', issuer: () => 'https://appleid.apple.com', scopes: ['openid', 'name', 'email'], mapping: STANDARD_PROFILE, tokenAuth: 'apple_jwt',
    // Apple answers by POSTing to the callback when names or the address are asked for.
    authorizationParameters: { response_mode: 'form_post' }, profile: 'id_token', console: 'https://developer.apple.com/account/resources/identifiers/list/serviceId',
  },
  microsoft: {
    id: 'microsoft', name: 'Microsoft', kind: 'oidc', issuer: (options) => `https://login.microsoftonline.com/${options.tenant ?? 'common'}/v2.0`, scopes: ['openid', 'email', 'profile'], mapping: STANDARD_PROFILE, tokenAuth: 'post',
    // Its userinfo lives at Microsoft Graph and adds nothing to the ID token.
    profile: 'id_token', console: 'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade',
  },
  github: {
    id: 'github', name: 'GitHub', kind: 'oauth2',
    endpoints: { authorization: 'https://github.com/login/oauth/authorize', token: 'https://github.com/login/oauth/access_token', userinfo: 'https://api.github.com/user' },
    scopes: ['read:user', 'user:email'], mapping: { sub: 'id', name: 'name', nickname: 'login' }, tokenAuth: 'post', profile: 'github', console: 'https://github.com/settings/developers',
  },
  facebook: {
    id: 'facebook', name: 'Facebook', kind: 'oauth2',
    endpoints: { authorization: 'https://www.facebook.com/v23.0/dialog/oauth', token: 'https://graph.facebook.com/v23.0/oauth/access_token', userinfo: 'https://graph.facebook.com/v23.0/me' },
    scopes: ['email', 'public_profile'], mapping: { sub: 'id', name: 'name', given_name: 'first_name', family_name: 'last_name' }, tokenAuth: 'post', profile: 'facebook', console: 'https://developers.facebook.com/apps',
  },
  linkedin: { id: 'linkedin', name: 'LinkedIn', kind: 'oidc', issuer: () => 'https://www.linkedin.com/oauth', scopes: ['openid', 'email', 'profile'], mapping: STANDARD_PROFILE, tokenAuth: 'post', profile: 'oidc', console: 'https://www.linkedin.com/developers/apps' },
  gitlab: { id: 'gitlab', name: 'GitLab', kind: 'oidc', issuer: () => 'https://gitlab.com', scopes: ['openid', 'email', 'profile'], mapping: { ...STANDARD_PROFILE, nickname: 'nickname' }, tokenAuth: 'post', profile: 'oidc', console: 'https://gitlab.com/-/user_settings/applications' },
  discord: {
    id: 'discord', name: 'Discord', kind: 'oauth2',
    endpoints: { authorization: 'https://discord.com/oauth2/authorize', token: 'https://discord.com/api/oauth2/token', userinfo: 'https://discord.com/api/users/@me' },
    scopes: ['identify', 'email'], mapping: { sub: 'id', name: 'global_name', nickname: 'username' }, tokenAuth: 'post', profile: 'api', console: 'https://discord.com/developers/applications',
  },
  x: {
    id: 'x', name: 'X', kind: 'oauth2',
    endpoints: { authorization: 'https://x.com/i/oauth2/authorize', token: 'https://api.x.com/2/oauth2/token', userinfo: 'https://api.x.com/2/users/me' },
    // A confidential client authenticates with HTTP Basic; PKCE is mandatory (Foyer always sends it).
    scopes: ['users.read', 'tweet.read'], mapping: { sub: 'data.id', name: 'data.name', nickname: 'data.username' }, tokenAuth: 'basic', profile: 'api', console: 'https://developer.x.com/en/portal/projects-and-apps',
  },
  amazon: {
    id: 'amazon', name: 'Amazon', kind: 'oauth2',
    endpoints: { authorization: 'https://www.amazon.com/ap/oa', token: 'https://api.amazon.com/auth/o2/token', userinfo: 'https://api.amazon.com/user/profile' },
    scopes: ['profile'], mapping: { sub: 'user_id', name: 'name' }, tokenAuth: 'post', profile: 'api', console: 'https://developer.amazon.com/loginwithamazon/console/site/lwa/overview.html',
  },
  slack: { id: 'slack', name: 'Slack', kind: 'oidc', issuer: () => 'https://slack.com', scopes: ['openid', 'email', 'profile'], mapping: STANDARD_PROFILE, tokenAuth: 'post', profile: 'oidc', console: 'https://api.slack.com/apps' },
  twitch: {
    id: 'twitch', name: 'Twitch', kind: 'oidc', issuer: () => 'https://id.twitch.tv/oauth2', scopes: ['openid', 'user:read:email'], mapping: { name: 'preferred_username', nickname: 'preferred_username' }, tokenAuth: 'post',
    // Twitch puts the address in its tokens only when the claims are asked for by name.
    authorizationParameters: { claims: JSON.stringify({ id_token: { email: null, email_verified: null, preferred_username: null }, userinfo: { email: null, email_verified: null, preferred_username: null } }) },
    profile: 'oidc', console: 'https://dev.twitch.tv/console/apps',
  },
};

/** The part of a connection a preset fills in (connection.ts's Connection has it). */
type ResolvableConnection = {
  readonly preset: string | null;
  readonly presetOptions: PresetOptions;
  readonly issuer: string | null;
  readonly endpoints: Endpoints | null;
  readonly mapping: Readonly<Record<string, string>>;
};

export function presetOf(id: string | null | undefined): Preset | undefined {
  return id && (PRESET_IDS as readonly string[]).includes(id) ? PRESETS[id as PresetId] : undefined;
}

/**
 * The connection as the protocol sees it: the preset's issuer, endpoints and mapping wherever the
 * connection does not name its own (what is stored stays the operator's, so a preset's new
 * endpoint reaches every connection that did not override it).
 */
export function resolvedConnection<T extends ResolvableConnection>(connection: T): T {
  const preset = presetOf(connection.preset);
  if (!preset) return connection;
  return {
    ...connection,
    issuer: connection.issuer ?? preset.issuer?.(connection.presetOptions) ?? null,
    endpoints: connection.endpoints ?? preset.endpoints ?? null,
    mapping: { ...preset.mapping, ...connection.mapping },
  };
}

/**
 * The preset's reading of what the provider said: the claims with `email` and `email_verified` as
 * Foyer understands them (see the top of this file). `user` is Apple's form_post field.
 */
export function presetClaims(preset: Preset, claims: Readonly<Record<string, unknown>>, extra: { readonly appleUser?: string | undefined; readonly githubEmails?: unknown } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...claims };
  switch (preset.id) {
    case 'apple': {
      out['email_verified'] = claims['email_verified'] === true || claims['email_verified'] === 'true';
      const name = appleName(extra.appleUser);
      if (name) Object.assign(out, name);
      break;
    }
    case 'microsoft':
      out['email_verified'] = claims['tid'] === MICROSOFT_CONSUMER_TENANT || claims['xms_edov'] === true || claims['xms_edov'] === '1';
      break;
    case 'github': {
      const primary = Array.isArray(extra.githubEmails) ? (extra.githubEmails as Record<string, unknown>[]).find((entry) => entry?.['primary'] === true) : undefined;
      out['email'] = typeof primary?.['email'] === 'string' ? primary['email'] : undefined;
      out['email_verified'] = primary?.['verified'] === true;
      break;
    }
    case 'facebook':
      out['email_verified'] = typeof claims['email'] === 'string';
      break;
    case 'discord':
      out['email_verified'] = claims['verified'] === true;
      break;
    case 'amazon':
    case 'x':
      out['email_verified'] = false;
      if (preset.id === 'x') delete out['email'];
      break;
    default:
      break;
  }
  return out;
}

/** Apple's first-sign-in `user` field (`{"name":{"firstName","lastName"}}`) as standard claims; never the address. */
function appleName(user: string | undefined): Record<string, string> | undefined {
  if (!user || user.length > 2000) return undefined;
  try {
    const parsed = JSON.parse(user) as { name?: { firstName?: unknown; lastName?: unknown } };
    const given = typeof parsed.name?.firstName === 'string' ? parsed.name.firstName.slice(0, 100) : undefined;
    const family = typeof parsed.name?.lastName === 'string' ? parsed.name.lastName.slice(0, 100) : undefined;
    if (!given && !family) return undefined;
    return { ...(given ? { given_name: given } : {}), ...(family ? { family_name: family } : {}), name: [given, family].filter(Boolean).join(' ') };
  } catch {
    return undefined;
  }
}
