// Calls to a tenant's SCIM service provider in tests: a bearer token with the `scim` scope from
// an admin client (bound to one tenant or to all), and a request with SCIM's media type.
import type { LightMyRequestResponse } from 'fastify';
import type { TestServer } from './test-server.ts';
import { machineToken } from './admin.ts';

/** A token of an admin client holding `scim`, bound to `tenant` (a slug, or '*'). */
export function scimToken(server: TestServer, tenant = '*'): Promise<string> {
  return machineToken(server, ['scim'], { tenant });
}

/** A SCIM request; `base` is the tenant's mount ('' for the default tenant, `/t/{slug}` otherwise). */
export function callScim(server: TestServer, token: string | undefined, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { body?: unknown; headers?: Record<string, string>; base?: string } = {}): Promise<LightMyRequestResponse> {
  return server.app.inject({
    method,
    url: `${options.base ?? ''}/scim/v2${path}`,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}
