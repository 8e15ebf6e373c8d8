// What the protocol tests share: applications registered through the applications service (as an
// operator would), relying parties configured by discovery with openid-client, extra tenants, PKCE
// pairs and raw token requests for the negative cases.
import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import type { Application, NewApplication } from '../../src/domain/applications/application.ts';
import type { Tenant, TenantSettings } from '../../src/domain/tenants/tenant.ts';
import { uuidv7 } from '../../src/lib/ids.ts';
import type { TestServer } from './test-server.ts';

export const SYSTEM_ACTOR = { type: 'system' } as const;
export const PASSWORD = 'correct horse battery staple 42';

export type RegisteredApplication = { readonly application: Application; readonly clientSecret?: string };

export function registerApplication(server: TestServer, tenantId: string, input: NewApplication): Promise<RegisteredApplication> {
  return createApplication({ transaction: server.transaction }, tenantId, input, SYSTEM_ACTOR);
}

/** A tenant of its own, for tests that change tenant-wide state (keys, APIs). */
export function createTenant(server: TestServer, slug: string, settings: TenantSettings = {}): Promise<Tenant> {
  const now = Date.now();
  return server.stores.tenants.create({ id: uuidv7(now), slug, name: slug, settings, now });
}

/** openid-client configured from the issuer's discovery document, authenticating as the application does. */
export function relyingParty(issuer: string, registered: RegisteredApplication): Promise<client.Configuration> {
  const { application, clientSecret } = registered;
  const authentication = clientSecret === undefined ? client.None() : client.ClientSecretBasic(clientSecret);
  // The test server speaks plain http on 127.0.0.1; production issuers are https only.
  return client.discovery(new URL(issuer), application.id, undefined, authentication, { execute: [client.allowInsecureRequests] });
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = client.randomPKCECodeVerifier();
  return { verifier, challenge: await client.calculatePKCECodeChallenge(verifier) };
}

/** A token endpoint request by hand, for answers a certified client would refuse to send or accept. */
export async function postToken(endpoint: string, registered: RegisteredApplication, parameters: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(parameters);
  if (registered.clientSecret === undefined) body.set('client_id', registered.application.id);
  else headers['authorization'] = basic(registered.application.id, registered.clientSecret);
  const response = await fetch(endpoint, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** HTTP Basic credentials as RFC 6749 2.3.1 spells them (form-encoded id and secret). */
export function basic(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export type CodeFlowOptions = {
  readonly redirectUri: string;
  readonly scope?: string;
  readonly parameters?: Record<string, string>;
  /** Sent as max_age, and makes the library require an auth_time no older than that. */
  readonly maxAge?: number;
};

/**
 * One authorization code + PKCE round trip through openid-client: it builds the request (with state
 * and nonce), `navigate` plays the browser and returns the redirect back to the application, and
 * the library checks the response and the ID token (iss, aud, exp, nonce, at_hash if present).
 */
export async function authorizationCodeFlow(rp: client.Configuration, options: CodeFlowOptions, navigate: (url: URL) => Promise<URL>) {
  const { verifier, challenge } = await pkcePair();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    nonce,
    state,
    ...(options.maxAge === undefined ? {} : { max_age: String(options.maxAge) }),
    ...options.parameters,
  });
  const callback = await navigate(url);
  const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true, ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }) });
  return { callback, tokens, claims: tokens.claims()!, nonce };
}
