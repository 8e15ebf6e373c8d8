// Foyer as a relying party of a connection's upstream provider, through openid-client (a certified
// RP library; nothing of the protocol is hand-written here). Every request carries state, nonce
// (OpenID Connect) and PKCE S256; the response's `iss` parameter (RFC 9207) is checked against the
// issuer when the upstream sends it or declares it supports it (mix-up defence); an ID token's
// signature is verified even though it came straight from the token endpoint (non-repudiation
// checks on: SECURITY.md 33). Discovery is cached per connection for ten minutes. The presets'
// quirks (presets.ts) are applied here: Apple's signed client secret, Microsoft's multi-tenant
// issuer and Twitch's array of scopes (provider-quirks.ts), and the profile APIs of providers
// without OpenID Connect.
import * as client from 'openid-client';
import type { Connection } from '../../domain/federation/connection.ts';
import type { Preset } from '../../domain/federation/presets.ts';
import { presetClaims, presetOf, resolvedConnection } from '../../domain/federation/presets.ts';
import type { UpstreamProfile } from '../../domain/credentials/federated/federated.ts';
import type { OutboundFetch } from './guarded-fetch.ts';
import { appleClientAuthentication, discoverMicrosoft, exchangeMultiTenant, facebookProof, isMultiTenant, joiningArrayScope } from './provider-quirks.ts';

/** What one upstream sign-in keeps between the redirect out and the callback. */
type UpstreamChecks = { readonly state: string; readonly nonce: string; readonly codeVerifier: string };

/** The upstream's tokens, as its token endpoint answered (kept only when the connection asks, sealed). */
type UpstreamTokens = {
  readonly access_token: string;
  readonly token_type: string;
  readonly refresh_token?: string | undefined;
  readonly id_token?: string | undefined;
  readonly scope?: string | undefined;
  /** Epoch milliseconds. */
  readonly expires_at?: number | undefined;
};

/** The callback as received: the redirect URI with the response's parameters, and Apple's `user` field. */
export type UpstreamCallback = { readonly url: URL; readonly appleUser?: string | undefined };

/** The upstream said no, or its answer failed a check; `reason` is for logs and the audit entry, never the page. */
class UpstreamError extends Error {
  override name = 'UpstreamError';
}

const DISCOVERY_TTL_MS = 10 * 60_000;
const TIMEOUT_SECONDS = 10;

export type UpstreamClient = ReturnType<typeof createUpstreamClient>;

export function createUpstreamClient(deps: { readonly fetch: OutboundFetch; readonly allowHttp: boolean }) {
  const configurations = new Map<string, { readonly at: number; readonly configuration: Promise<client.Configuration> }>();
  /** Each connection's authorization endpoint as its discovery said (pages allow their forms to lead there). */
  const authorizationEndpoints = new Map<string, string>();
  const customFetch: client.CustomFetch = (url, options) => deps.fetch(url, options as RequestInit);

  function configure(configuration: client.Configuration): client.Configuration {
    configuration[client.customFetch] = customFetch;
    configuration.timeout = TIMEOUT_SECONDS;
    if (deps.allowHttp) client.allowInsecureRequests(configuration);
    return configuration;
  }

  function authenticationOf(connection: Connection, preset: Preset | undefined, secret: string | undefined): client.ClientAuth {
    if (secret === undefined) return client.None();
    if (preset?.tokenAuth === 'apple_jwt') return appleClientAuthentication(connection, secret);
    return preset?.tokenAuth === 'basic' ? plainBasicAuthentication(secret) : client.ClientSecretPost(secret);
  }

  async function discover(connection: Connection, secret: string | undefined): Promise<client.Configuration> {
    const preset = presetOf(connection.preset);
    const authentication = authenticationOf(connection, preset, secret);
    // Apple's "secret" is a private key: it is never sent, and never an HMAC key for ID tokens.
    const metadata: Partial<client.ClientMetadata> = secret === undefined || preset?.tokenAuth === 'apple_jwt' ? {} : { client_secret: secret };
    if (connection.kind === 'oauth2') {
      const endpoints = connection.endpoints!;
      // No discovery and no ID token: the issuer names the authorization server for the checks that compare it.
      const server: client.ServerMetadata = { issuer: new URL(endpoints.authorization).origin, authorization_endpoint: endpoints.authorization, token_endpoint: endpoints.token, userinfo_endpoint: endpoints.userinfo };
      return configure(new client.Configuration(server, connection.clientId, metadata, authentication));
    }
    if (preset?.id === 'microsoft') {
      const configuration = await discoverMicrosoft(new URL(connection.issuer!), connection.clientId, metadata, authentication, customFetch, deps.allowHttp);
      client.enableNonRepudiationChecks(configuration);
      return configure(configuration);
    }
    const configuration = await client.discovery(new URL(connection.issuer!), connection.clientId, metadata, authentication, {
      [client.customFetch]: customFetch,
      timeout: TIMEOUT_SECONDS,
      execute: deps.allowHttp ? [client.allowInsecureRequests] : [],
    });
    client.enableNonRepudiationChecks(configuration);
    configure(configuration);
    if (preset?.id === 'twitch') configuration[client.customFetch] = joiningArrayScope(customFetch);
    return configuration;
  }

  function configurationOf(connection: Connection, secret: string | undefined): Promise<client.Configuration> {
    const key = `${connection.tenantId}\0${connection.id}\0${connection.updatedAt}`;
    const cached = configurations.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.configuration;
    const configuration = discover(connection, secret);
    configurations.set(key, { at: Date.now(), configuration });
    configuration.then((done) => authorizationEndpoints.set(`${connection.tenantId}\0${connection.id}`, String(done.serverMetadata().authorization_endpoint ?? '')), () => {});
    // A failed discovery is not kept: the next sign-in tries again.
    configuration.catch(() => configurations.delete(key));
    return configuration;
  }

  /** A provider API's JSON answer (GitHub, Facebook, Discord, X, Amazon, generic OAuth 2). */
  async function readApi(configuration: client.Configuration, accessToken: string, url: URL): Promise<unknown> {
    const response = await client.fetchProtectedResource(configuration, accessToken, url, 'GET', undefined, new Headers({ accept: 'application/json' }));
    if (response.status !== 200) throw new UpstreamError(`the upstream's ${url.pathname} answered ${response.status}`);
    return response.json();
  }

  async function exchange(connection: Connection, configuration: client.Configuration, secret: string | undefined, callbackUrl: URL, checks: UpstreamChecks) {
    const oidc = connection.kind === 'oidc';
    if (isMultiTenant(configuration)) {
      return exchangeMultiTenant(configuration, connection, secret!, callbackUrl, checks, { customFetch, allowHttp: deps.allowHttp });
    }
    const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, { expectedState: checks.state, pkceCodeVerifier: checks.codeVerifier, ...(oidc ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}) });
    return { tokens, idClaims: oidc ? ({ ...tokens.claims()! } as Record<string, unknown>) : {} };
  }

  return {
    /**
     * Where a sign-in through the connection sends the browser first: a page whose form starts one
     * must let the form lead there (Chromium applies form-action to the redirect). The issuer and
     * named endpoints (and a SAML IdP's single sign-on URL) are known without a request; a
     * discovered endpoint once discovery ran.
     */
    authorizationTargets(stored: Connection): string[] {
      const connection = resolvedConnection(stored);
      const discovered = authorizationEndpoints.get(`${connection.tenantId}\0${connection.id}`);
      return [connection.endpoints?.authorization, connection.issuer ?? undefined, discovered, connection.saml?.ssoUrl].filter((url): url is string => typeof url === 'string' && url !== '');
    },

    /** New checks for one sign-in. */
    newChecks(): UpstreamChecks {
      return { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    },

    /** Where to send the customer: the upstream's authorization endpoint with this sign-in's checks. */
    async authorizationUrl(stored: Connection, secret: string | undefined, redirectUri: string, checks: UpstreamChecks, extra: Record<string, string> = {}): Promise<URL> {
      const connection = resolvedConnection(stored);
      const configuration = await configurationOf(connection, secret);
      const parameters: Record<string, string> = {
        ...presetOf(connection.preset)?.authorizationParameters,
        ...extra,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: connection.scopes.join(' '),
        state: checks.state,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      };
      if (connection.kind === 'oidc') parameters['nonce'] = checks.nonce;
      return client.buildAuthorizationUrl(configuration, parameters);
    },

    /**
     * The callback: the authorization response checked (state, `iss`, error), the code exchanged
     * with the PKCE verifier, the ID token checked (signature, issuer, audience, nonce, times), and
     * the profile read (userinfo or the provider's API). Throws UpstreamError when any of it fails.
     * The tokens are answered apart from the profile: they must never land in a flow or a log.
     */
    async profile(stored: Connection, secret: string | undefined, callback: UpstreamCallback, checks: UpstreamChecks): Promise<{ readonly profile: UpstreamProfile; readonly tokens: UpstreamTokens }> {
      const connection = resolvedConnection(stored);
      const preset = presetOf(connection.preset);
      const configuration = await configurationOf(connection, secret);
      try {
        const { tokens, idClaims } = await exchange(connection, configuration, secret, callback.url, checks);
        const subject = connection.kind === 'oidc' ? String(idClaims['sub']) : undefined;
        const userinfoEndpoint = configuration.serverMetadata().userinfo_endpoint;
        let claims: Record<string, unknown> = { ...idClaims };
        let githubEmails: unknown;
        const source = preset?.profile ?? (connection.kind === 'oidc' ? 'oidc' : 'api');
        if (source === 'oidc' && userinfoEndpoint) {
          claims = { ...(await client.fetchUserInfo(configuration, tokens.access_token, subject ?? client.skipSubjectCheck)), ...idClaims };
        } else if (source !== 'oidc' && source !== 'id_token' && userinfoEndpoint) {
          const url = new URL(userinfoEndpoint);
          if (source === 'facebook') {
            url.searchParams.set('fields', 'id,name,email,first_name,last_name');
            // Apps that require it ("Require App Secret") refuse Graph calls without this proof.
            if (secret !== undefined) url.searchParams.set('appsecret_proof', facebookProof(tokens.access_token, secret));
          }
          const answer = await readApi(configuration, tokens.access_token, url);
          if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) throw new UpstreamError('the upstream profile is not an object');
          claims = { ...(answer as Record<string, unknown>), ...idClaims };
          if (source === 'github') githubEmails = await readApi(configuration, tokens.access_token, new URL(`${url.origin}${url.pathname.replace(/\/$/, '')}/emails`));
        }
        if (preset) claims = presetClaims(preset, claims, { appleUser: callback.appleUser, githubEmails });
        const expiresIn = typeof tokens.expires_in === 'number' ? tokens.expires_in : undefined;
        return {
          profile: profileOf(connection, claims),
          tokens: { access_token: tokens.access_token, token_type: tokens.token_type, refresh_token: tokens.refresh_token, id_token: tokens.id_token, scope: tokens.scope, expires_at: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000 },
        };
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        throw new UpstreamError((error as Error).message, { cause: error });
      }
    },
  };
}

/**
 * HTTP Basic with the id and secret as they are. openid-client form-encodes them first (RFC 6749
 * 2.3.1), turning a secret's "-" or "_" into %2D or %5F, which providers that do not decode (X's
 * secrets carry both) refuse; unencoded, a decoding server reads the same value.
 */
function plainBasicAuthentication(secret: string): client.ClientAuth {
  return (_server, metadata, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${metadata.client_id}:${secret}`).toString('base64')}`);
  };
}

/** A claim by name, or by dotted path into nested objects (X's `data.id`). */
function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** The profile of the upstream's claims: an OAuth 2 provider's subject may be `id` (a number) rather than `sub`. */
function profileOf(connection: Connection, claims: Record<string, unknown>): UpstreamProfile {
  const subjectClaim = connection.mapping['sub'] ?? (claims['sub'] !== undefined ? 'sub' : 'id');
  const subject = claimAt(claims, subjectClaim);
  if ((typeof subject !== 'string' && typeof subject !== 'number') || String(subject) === '') throw new UpstreamError(`the upstream gave no subject (${subjectClaim})`);
  const email = typeof claims['email'] === 'string' && claims['email'] !== '' ? claims['email'] : undefined;
  // Only a real `true` (some providers send the string "true") counts as verified.
  const verified = claims['email_verified'] === true || claims['email_verified'] === 'true';
  return { subject: String(subject), email, emailVerified: email !== undefined && verified, claims };
}
