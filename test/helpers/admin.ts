// Credentials of the admin API for tests: an admin client (machine) with scopes and a tenant
// binding, its client-credentials token, a staff member's token from a real sign-in on the admin
// tenant's hosted pages, and a call to the API with one of them.
import type { LightMyRequestResponse } from 'fastify';
import type * as client from 'openid-client';
import type { TestServer } from './test-server.ts';
import type { ListeningServer } from './listening-server.ts';
import { createApplication } from '../../src/domain/applications/applications.service.ts';
import { createStaff } from '../../src/domain/admin/staff.ts';
import type { AdminScope, StaffRole } from '../../src/domain/admin/scopes.ts';
import { ADMIN_API_PATH } from '../../src/http/admin/admin-resource.ts';
import { createBrowserSession } from './browser-session.ts';
import { authorizationCodeFlow, PASSWORD, relyingParty, SYSTEM_ACTOR, uniqueEmail } from './oidc-clients.ts';

/** The server's public URL, as its admin tenant's issuer names it. */
export async function publicUrlOf(server: TestServer): Promise<string> {
  const response = await server.app.inject({ method: 'GET', url: '/t/admin/.well-known/openid-configuration' });
  return String(response.json<{ issuer: string }>().issuer).replace(/\/t\/admin$/, '');
}

export type AdminClient = { readonly clientId: string; readonly clientSecret: string };

/** An admin client: a machine application of the admin tenant holding `scopes`, bound to `tenant` (a slug, or '*'). */
export async function createAdminClient(server: TestServer, scopes: readonly AdminScope[], tenant = '*'): Promise<AdminClient> {
  const { application, clientSecret } = await createApplication({ transaction: server.transaction }, server.adminTenant.id, { name: `Script ${scopes.join(' ')}`.slice(0, 200), kind: 'machine', adminAccess: { scopes, tenant } }, SYSTEM_ACTOR);
  return { clientId: application.id, clientSecret: clientSecret! };
}

/** The token endpoint's answer to a client-credentials request for the admin API. */
export async function requestMachineToken(server: TestServer, client: AdminClient, scope: string): Promise<LightMyRequestResponse> {
  const resource = `${await publicUrlOf(server)}${ADMIN_API_PATH}`;
  return server.app.inject({
    method: 'POST',
    url: '/t/admin/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
    payload: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }).toString(),
  });
}

/** A machine's access token for the admin API with `scopes` (all its client holds by default). */
export async function machineToken(server: TestServer, scopes: readonly AdminScope[], options: { tenant?: string; ask?: readonly string[] } = {}): Promise<string> {
  const client = await createAdminClient(server, scopes, options.tenant);
  const response = await requestMachineToken(server, client, (options.ask ?? scopes).join(' '));
  if (response.statusCode !== 200) throw new Error(`no machine token: ${response.statusCode} ${response.body}`);
  return response.json<{ access_token: string }>().access_token;
}

const CONSOLE_CALLBACK = 'https://console.example.test/callback';

/**
 * A staff member with `role` signs in on the admin tenant's hosted pages through a console
 * application (authorization code with PKCE, resource = the admin API, scope `admin`): their token.
 */
export async function staffToken(node: ListeningServer, role: StaffRole, email = uniqueEmail(`staff-${role}`)): Promise<{ token: string; staffId: string; email: string }> {
  const { server } = node;
  const staff = await createStaff({ transaction: server.transaction }, server.adminTenant.id, { email, password: PASSWORD, role }, SYSTEM_ACTOR);
  return { token: await staffSignIn(node, email, PASSWORD), staffId: staff.id, email };
}

/** An access token of the admin API from a staff member's sign-in with their password on the admin tenant's pages. */
export async function staffSignIn(node: ListeningServer, email: string, password: string): Promise<string> {
  const rp = await consoleRelyingParty(node);
  const browser = createBrowserSession();
  const { tokens } = await consoleAuthorization(node, rp, (url) => browser.signInAndAuthorize(url, { email, password }));
  return tokens.access_token;
}

/** The console: a new web application of the admin tenant, as a relying party of the admin tenant's issuer. */
export async function consoleRelyingParty(node: ListeningServer): Promise<client.Configuration> {
  const consoleApp = await createApplication({ transaction: node.server.transaction }, node.server.adminTenant.id, { name: 'Console', kind: 'web', redirectUris: [CONSOLE_CALLBACK] }, SYSTEM_ACTOR);
  return relyingParty(`${node.url}/t/admin`, consoleApp);
}

/**
 * The console's authorization for the admin API (code with PKCE, resource = the admin API, scope
 * `admin`); `navigate` plays the browser from the authorization URL to the redirect back.
 */
export function consoleAuthorization(node: ListeningServer, rp: client.Configuration, navigate: (url: URL) => Promise<URL>) {
  return authorizationCodeFlow(rp, { redirectUri: CONSOLE_CALLBACK, scope: 'openid admin', parameters: { resource: `${node.url}${ADMIN_API_PATH}` } }, navigate);
}

/** A call to the admin API (path below /admin/api/v1) with a bearer token. */
export function callAdmin(server: TestServer, token: string | undefined, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> {
  return server.app.inject({
    method,
    url: `${ADMIN_API_PATH}${path}`,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
}
