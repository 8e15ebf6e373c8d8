// /me: who the caller is and what they may do now (their role's scopes, the tenant they may reach,
// whether customer data reaches them masked). The console reads it to show only the sections the
// caller's role opens; the API still decides every call on its own.
import type { FastifyInstance } from 'fastify';
import { ADMIN_SCOPES, STAFF_ROLES } from '../../domain/admin/scopes.ts';
import { principalOf } from './principal.ts';

const CALLER = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'id', 'role', 'scopes', 'tenant', 'masked'],
  properties: {
    kind: { type: 'string', enum: ['staff', 'machine'] },
    id: { type: 'string', description: 'The staff member’s id, or the admin client’s client id.' },
    role: { type: ['string', 'null'], enum: [...STAFF_ROLES, null], description: 'Staff only.' },
    scopes: { type: 'array', items: { type: 'string', enum: ADMIN_SCOPES }, description: 'What the caller may do now.' },
    tenant: { type: ['string', 'null'], description: 'The one tenant (slug) the caller may reach; null for every tenant.' },
    masked: { type: 'boolean', description: 'Customers reach the caller masked (analysts).' },
  },
} as const;

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get('/me', {
    schema: { operationId: 'getCaller', tags: ['me'], summary: 'Who the caller is, and the scopes they hold now', response: { 200: CALLER } },
    // Every staff role holds tenants:read; a machine without it has no use for a console.
    config: { adminScope: 'tenants:read' },
  }, async (request) => {
    const caller = principalOf(request);
    return { kind: caller.kind, id: caller.id, role: caller.role, scopes: [...caller.scopes].sort(), tenant: caller.tenant, masked: caller.masked };
  });
}
