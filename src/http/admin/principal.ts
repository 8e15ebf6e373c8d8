// Who is calling the admin API, as every admin route sees it on `request.admin`: a staff member
// (an identity of the admin tenant, with a role) or a machine (an admin client, with scopes), the
// scopes it holds now, and the tenant it may reach. Audit records name it as the actor.
import type { FastifyRequest } from 'fastify';
import type { AdminScope, StaffRole } from '../../domain/admin/scopes.ts';
import type { Actor } from '../../domain/tenants/tenants.service.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { requestContextOf } from '../request-context.ts';

export type AdminPrincipal = {
  readonly kind: 'staff' | 'machine';
  /** The staff member's identity id, or the admin client's client id. */
  readonly id: string;
  readonly scopes: ReadonlySet<AdminScope>;
  /** Staff only. */
  readonly role: StaffRole | null;
  /** The one tenant (slug) the credential may reach; null for every tenant. */
  readonly tenant: string | null;
  /** Customer data must be shown masked (`a•••@example.com`, no traits): analysts. */
  readonly masked: boolean;
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of an admin route (set before validation; null elsewhere). */
    admin: AdminPrincipal | null;
  }
  interface FastifyContextConfig {
    /** The scope an admin route requires (docs/admin-api.md); every admin route names one, or is `public`. */
    adminScope?: AdminScope;
    /** An admin route anyone may call (the OpenAPI document, its reference page). */
    adminPublic?: boolean;
    /** A create that honours `Idempotency-Key` (http/admin/idempotency.ts). */
    idempotent?: boolean;
  }
}

/** The caller of an admin route; the plugin has authenticated it before any handler runs. */
export function principalOf(request: FastifyRequest): AdminPrincipal {
  if (!request.admin) throw new Error('request.admin is set by the admin plugin before a scoped route runs');
  return request.admin;
}

/** The audit actor of an admin request: the staff member or machine, and where the call came from. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return { type: principal.kind, id: principal.id, context: requestContextOf(request) };
}

/** The `{tenant}` of a per-tenant admin route, resolved and checked against the credential by the plugin. */
export function tenantOf(request: FastifyRequest): Tenant {
  if (!request.tenant) throw new Error('request.tenant is set by the admin plugin on routes with a {tenant} parameter');
  return request.tenant;
}

/** What the idempotency store keys a caller's keys by. */
export function credentialKeyOf(principal: AdminPrincipal): string {
  return `${principal.kind}:${principal.id}`;
}
