// Foyer as a relying party of a connection's upstream provider, through openid-client (a certified
// RP library; nothing of the protocol is hand-written here). Every request carries state, nonce
// (OpenID Connect) and PKCE S256; the response's `iss` parameter (RFC 9207) is checked against the
// issuer when the upstream sends it or declares it supports it (mix-up defence); an ID token's
// signature is verified even though it came straight from the token endpoint (non-repudiation
// checks on: SECURITY.md 33). Discovery is cached per connection for ten minutes.
import * as client from 'openid-client';
import type { Connection } from '../../domain/federation/connection.ts';
import type { UpstreamProfile } from '../../domain/credentials/federated/federated.ts';
import type { OutboundFetch } from './guarded-fetch.ts';

/** What one upstream sign-in keeps between the redirect out and the callback. */
type UpstreamChecks = { readonly state: string; readonly nonce: string; readonly codeVerifier: string };

/** The upstream said no, or its answer failed a check; `reason` is for logs and the audit entry, never the page. */
class UpstreamError extends Error {
  override name = 'UpstreamError';
}

const DISCOVERY_TTL_MS = 10 * 60_000;
const TIMEOUT_SECONDS = 10;

export type UpstreamClient = ReturnType<typeof createUpstreamClient>;

export function createUpstreamClient(deps: { readonly fetch: OutboundFetch; readonly allowHttp: boolean }) {
  const configurations = new Map<string, { readonly at: number; readonly configuration: Promise<client.Configuration> }>();
  const customFetch: client.CustomFetch = (url, options) => deps.fetch(url, options as RequestInit);

  function configure(configuration: client.Configuration): client.Configuration {
    configuration[client.customFetch] = customFetch;
    configuration.timeout = TIMEOUT_SECONDS;
    if (deps.allowHttp) client.allowInsecureRequests(configuration);
    return configuration;
  }

  function authenticationOf(secret: string | undefined): client.ClientAuth {
    return secret === undefined ? client.None() : client.ClientSecretPost(secret);
  }

  async function discover(connection: Connection, secret: string | undefined): Promise<client.Configuration> {
    if (connection.kind === 'oauth2') {
      const endpoints = connection.endpoints!;
      // No discovery and no ID token: the issuer names the authorization server for the checks that compare it.
      const server: client.ServerMetadata = { issuer: new URL(endpoints.authorization).origin, authorization_endpoint: endpoints.authorization, token_endpoint: endpoints.token, userinfo_endpoint: endpoints.userinfo };
      return configure(new client.Configuration(server, connection.clientId, secret === undefined ? {} : { client_secret: secret }, authenticationOf(secret)));
    }
    const configuration = await client.discovery(new URL(connection.issuer!), connection.clientId, secret === undefined ? {} : { client_secret: secret }, authenticationOf(secret), {
      [client.customFetch]: customFetch,
      timeout: TIMEOUT_SECONDS,
      execute: deps.allowHttp ? [client.allowInsecureRequests] : [],
    });
    client.enableNonRepudiationChecks(configuration);
    return configure(configuration);
  }

  function configurationOf(connection: Connection, secret: string | undefined): Promise<client.Configuration> {
    const key = `${connection.tenantId}\0${connection.id}\0${connection.updatedAt}`;
    const cached = configurations.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.configuration;
    const configuration = discover(connection, secret);
    configurations.set(key, { at: Date.now(), configuration });
    // A failed discovery is not kept: the next sign-in tries again.
    configuration.catch(() => configurations.delete(key));
    return configuration;
  }

  return {
    /** New checks for one sign-in. */
    newChecks(): UpstreamChecks {
      return { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    },

    /** Where to send the customer: the upstream's authorization endpoint with this sign-in's checks. */
    async authorizationUrl(connection: Connection, secret: string | undefined, redirectUri: string, checks: UpstreamChecks, extra: Record<string, string> = {}): Promise<URL> {
      const configuration = await configurationOf(connection, secret);
      const parameters: Record<string, string> = {
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
     * the userinfo read. Throws UpstreamError when any of it fails.
     */
    async profile(connection: Connection, secret: string | undefined, callbackUrl: URL, checks: UpstreamChecks): Promise<UpstreamProfile> {
      const configuration = await configurationOf(connection, secret);
      try {
        const oidc = connection.kind === 'oidc';
        const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, { expectedState: checks.state, pkceCodeVerifier: checks.codeVerifier, ...(oidc ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}) });
        const idClaims: Record<string, unknown> = oidc ? { ...tokens.claims()! } : {};
        const subject = oidc ? String(idClaims['sub']) : undefined;
        const userinfo: Record<string, unknown> = configuration.serverMetadata().userinfo_endpoint
          ? await client.fetchUserInfo(configuration, tokens.access_token, subject ?? client.skipSubjectCheck)
          : {};
        const claims: Record<string, unknown> = { ...userinfo, ...idClaims };
        return profileOf(connection, claims);
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        throw new UpstreamError((error as Error).message, { cause: error });
      }
    },
  };
}

/** The profile of the upstream's claims: an OAuth 2 provider's subject may be `id` (a number) rather than `sub`. */
function profileOf(connection: Connection, claims: Record<string, unknown>): UpstreamProfile {
  const subjectClaim = connection.mapping['sub'] ?? (claims['sub'] !== undefined ? 'sub' : 'id');
  const subject = claims[subjectClaim];
  if ((typeof subject !== 'string' && typeof subject !== 'number') || String(subject) === '') throw new UpstreamError(`the upstream gave no subject (${subjectClaim})`);
  const email = typeof claims['email'] === 'string' && claims['email'] !== '' ? claims['email'] : undefined;
  // Only a real `true` (some providers send the string "true") counts as verified.
  const verified = claims['email_verified'] === true || claims['email_verified'] === 'true';
  return { subject: String(subject), email, emailVerified: email !== undefined && verified, claims };
}
