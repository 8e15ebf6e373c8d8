// The cookie that carries a browser's device tokens (domain/flows/device-token.ts) to the forms of
// one tenant that check a password or end in a sign-in: HttpOnly, SameSite=Lax, Secure over https.
// A cookie has one path, so the same value is set under each of the tenant's paths that read it,
// and is sent nowhere else. Its name and paths are decided here and nowhere else.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Tenant } from '../domain/tenants/tenant.ts';
import { mountPathOf } from './tenancy/mount.ts';
import { DEVICE_TOKEN_LIFETIME_MS } from '../domain/flows/device-token.ts';

/**
 * Where the cookie lives: one per tenant, under the sign-in pages (`/interaction`), the account
 * portal, whose password confirmation is counted like a sign-in (`/account`), and the emailed
 * recovery link's page, whose reset hands out a token too (`/recovery`).
 */
function deviceCookieOf(tenant: Pick<Tenant, 'slug'>): { readonly name: string; readonly paths: readonly string[] } {
  const mount = mountPathOf(tenant);
  return { name: 'foyer_device', paths: [`${mount}/interaction`, `${mount}/account`, `${mount}/recovery`] };
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
  const { name, paths } = deviceCookieOf(tenant);
  for (const path of paths) reply.header('set-cookie', `${name}=${tokens}; Path=${path}; Max-Age=${DEVICE_TOKEN_LIFETIME_MS / 1000}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
}
