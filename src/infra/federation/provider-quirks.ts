// What three providers do differently from a plain OpenID Connect or OAuth 2 provider, kept apart
// from the generic relying party (upstream-client.ts):
//   - Apple's client secret is a short-lived ES256 JWT that Foyer signs with the team's key;
//   - Microsoft's multi-tenant endpoints (`common`, `organizations`, `consumers`) publish the
//     issuer `…/{tenantid}/v2.0`: each ID token's issuer must be that template filled with the
//     token's own `tid`, and the tenant option decides which directories are welcome;
//   - Facebook's Graph API takes an `appsecret_proof` (HMAC-SHA256 of the token under the app secret);
//   - Twitch's token endpoint answers `scope` as a JSON array, not RFC 6749's space-separated string.
// The multi-tenant exchange uses oauth4webapi (openid-client's own core) directly, because the
// expected issuer is known only once the token names its tenant.
import { createHmac, createPrivateKey } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import type { Connection } from '../../domain/federation/connection.ts';
import { MICROSOFT_CONSUMER_TENANT } from '../../domain/federation/presets.ts';

/** Apple's fixed audience of client secrets. */
const APPLE_AUDIENCE = 'https://appleid.apple.com';
const APPLE_SECRET_SECONDS = 300;

/** Signs a new client secret for every token request (five minutes; Apple accepts up to six months). */
export function appleClientAuthentication(connection: Connection, privateKeyPem: string): client.ClientAuth {
  const key = createPrivateKey(privateKeyPem);
  return async (_server, metadata, body) => {
    const now = Math.floor(Date.now() / 1000);
    const secret = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: connection.presetOptions.keyId ?? '' })
      .setIssuer(connection.presetOptions.teamId ?? '')
      .setSubject(metadata.client_id)
      .setAudience(APPLE_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + APPLE_SECRET_SECONDS)
      .sign(key);
    body.set('client_id', metadata.client_id);
    body.set('client_secret', secret);
  };
}

export function facebookProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/**
 * Twitch's token responses: `scope` as a JSON array (["openid","user:read:email"]), which
 * openid-client refuses as it should; joined with spaces before the client reads the answer. Only
 * POST answers are read (the token endpoint's; discovery, keys and userinfo are GETs).
 */
export function joiningArrayScope(customFetch: client.CustomFetch): client.CustomFetch {
  return async (url, options) => {
    const response = await customFetch(url, options);
    if (options.method !== 'POST' || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const body = (await response.clone().json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || !Array.isArray(body['scope'])) return response;
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify({ ...body, scope: body['scope'].join(' ') }), { status: response.status, statusText: response.statusText, headers });
  };
}

const TENANT_TEMPLATE = '{tenantid}';
/** Configurations of Microsoft's multi-tenant endpoints, with the tenant option they were made for. */
const multiTenant = new WeakMap<client.Configuration, { readonly template: string; readonly audience: string; readonly keys: oauth.JWKSCacheInput }>();

export function isMultiTenant(configuration: client.Configuration): boolean {
  return multiTenant.has(configuration);
}

/**
 * Microsoft's discovery: a tenant's own issuer is checked as any issuer is; the multi-tenant
 * endpoints' `…/{tenantid}/v2.0` is accepted only on the same origin as the configured one.
 */
export async function discoverMicrosoft(issuer: URL, clientId: string, metadata: Partial<client.ClientMetadata>, authentication: client.ClientAuth, customFetch: client.CustomFetch, allowHttp: boolean): Promise<client.Configuration> {
  const base = issuer.href.replace(/\/$/, '');
  const response = await customFetch(`${base}/.well-known/openid-configuration`, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual', body: undefined, signal: AbortSignal.timeout(10_000) } as never);
  if (response.status !== 200) throw new Error(`Microsoft's discovery answered ${response.status}`);
  const server = (await response.json()) as client.ServerMetadata;
  if (!allowHttp) oauth.checkProtocol(new URL(server.issuer), true);
  const audience = /\/([^/]+)\/v2\.0$/.exec(base)?.[1] ?? 'common';
  if (server.issuer === base) return new client.Configuration(server, clientId, metadata, authentication);
  const template = `${issuer.origin}/${TENANT_TEMPLATE}/v2.0`;
  if (server.issuer !== template || !['common', 'organizations', 'consumers'].includes(audience)) throw new Error('Microsoft’s discovery names another issuer');
  const configuration = new client.Configuration(server, clientId, metadata, authentication);
  // The published keys are shared by every directory's tokens: fetched once per configuration, not per sign-in.
  multiTenant.set(configuration, { template, audience, keys: {} as oauth.JWKSCacheInput });
  return configuration;
}

/** Whether a directory may sign in through this tenant option. */
function welcome(audience: string, tid: string): boolean {
  if (audience === 'organizations') return tid !== MICROSOFT_CONSUMER_TENANT;
  if (audience === 'consumers') return tid === MICROSOFT_CONSUMER_TENANT;
  return true;
}

type Checks = { readonly state: string; readonly nonce: string; readonly codeVerifier: string };

/**
 * The code exchange of Microsoft's multi-tenant endpoints, with every check openid-client makes:
 * the response (state, error, and an `iss` of this issuer's form), the token request with the PKCE
 * verifier, the ID token (issuer = the template with its own `tid`, audience, nonce, times) and its
 * signature against the published keys.
 */
export async function exchangeMultiTenant(configuration: client.Configuration, connection: Connection, secret: string, callbackUrl: URL, checks: Checks, options: { readonly customFetch: client.CustomFetch; readonly allowHttp: boolean }) {
  const { template, audience, keys } = multiTenant.get(configuration)!;
  const server = configuration.serverMetadata();
  const as: oauth.AuthorizationServer = { ...server };
  const clientMetadata: oauth.Client = { client_id: connection.clientId };
  const parameters = new URLSearchParams(callbackUrl.searchParams);
  const iss = parameters.get('iss');
  if (iss !== null) {
    // RFC 9207 with a tenant in the issuer: this issuer's form, whichever tenant.
    if (!new RegExp(`^${escape(template).replace(escape(TENANT_TEMPLATE), '[0-9a-f-]{36}')}$`).test(iss)) throw new Error('unexpected "iss" response parameter');
    parameters.delete('iss');
  }
  const requestOptions = { [oauth.customFetch]: options.customFetch, [oauth.allowInsecureRequests]: options.allowHttp, signal: AbortSignal.timeout(10_000) };
  const validated = oauth.validateAuthResponse(as, clientMetadata, parameters, checks.state);
  const redirectUri = `${callbackUrl.origin}${callbackUrl.pathname}`;
  const response = await oauth.authorizationCodeGrantRequest(as, clientMetadata, oauth.ClientSecretPost(secret), validated, redirectUri, checks.codeVerifier, requestOptions);
  // The tenant the token claims decides the issuer it must carry; the signature check below proves the claim.
  const peek = (await response.clone().json().catch(() => ({}))) as { id_token?: unknown };
  const tid = typeof peek.id_token === 'string' ? decodeJwt(peek.id_token)['tid'] : undefined;
  if (typeof tid !== 'string' || !/^[0-9a-f-]{36}$/.test(tid)) throw new Error('the ID token names no tenant (tid)');
  if (!welcome(audience, tid)) throw new Error(`accounts of directory ${tid} may not sign in through "${audience}"`);
  const tenantServer: oauth.AuthorizationServer = { ...as, issuer: template.replace(TENANT_TEMPLATE, tid) };
  const result = await oauth.processAuthorizationCodeResponse(tenantServer, clientMetadata, response, { expectedNonce: checks.nonce, requireIdToken: true });
  await oauth.validateApplicationLevelSignature(tenantServer, response, { ...requestOptions, [oauth.jwksCache]: keys });
  const idClaims = { ...oauth.getValidatedIdTokenClaims(result) } as Record<string, unknown>;
  return { tokens: result, idClaims };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
