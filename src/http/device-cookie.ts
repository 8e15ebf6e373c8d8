// The cookie that carries a browser's device tokens (domain/flows/device-token.ts) to the sign-in
// forms of one tenant: HttpOnly, SameSite=Lax, Secure over https, sent only under the tenant's
// interaction pages. Its name and path are decided here and nowhere else.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Tenant } from '../domain/tenants/tenant.ts';
import { mountPathOf } from './oidc/provider.ts';
import { DEVICE_TOKEN_LIFETIME_MS } from '../domain/flows/device-token.ts';

/** Where the cookie lives: one per tenant, on the pages whose forms sign in. */
export function deviceCookieOf(tenant: Pick<Tenant, 'slug'>): { readonly name: string; readonly path: string } {
  return { name: 'foyer_device', path: `${mountPathOf(tenant)}/interaction` };
}

export function readDeviceCookie(request: FastifyRequest, tenant: Pick<Tenant, 'slug'>): string | undefined {
  const { name } = deviceCookieOf(tenant);
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

export function setDeviceCookie(reply: FastifyReply, tenant: Pick<Tenant, 'slug'>, tokens: string | undefined, secure: boolean): void {
  if (!tokens) return;
  const { name, path } = deviceCookieOf(tenant);
  reply.header('set-cookie', `${name}=${tokens}; Path=${path}; Max-Age=${DEVICE_TOKEN_LIFETIME_MS / 1000}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
}
