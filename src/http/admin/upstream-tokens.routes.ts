// GET /tenants/{tenant}/customers/{id}/connections/{connection}/tokens: the upstream tokens kept
// for a customer's connected account (issue 16, docs/federation.md), for the tenant's back end to
// call the provider as the customer. Its own scope, `customers:tokens` (owners and admins; never
// support or analysts); every read is audited.
import type { FastifyInstance } from 'fastify';
import { readUpstreamTokens } from '../../domain/customers/upstream-tokens.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, tenantOf } from './principal.ts';
import { TENANT_PARAM, iso } from './conventions.ts';

const PARAMS = {
  type: 'object',
  required: ['tenant', 'id', 'connection'],
  properties: { ...TENANT_PARAM, id: { type: 'string', minLength: 1, maxLength: 100, description: 'The customer’s id.' }, connection: { type: 'string', minLength: 1, maxLength: 63, description: 'The connection’s id.' } },
} as const;

const TOKENS = {
  type: 'object',
  additionalProperties: false,
  required: ['connection', 'access_token', 'token_type', 'refresh_token', 'id_token', 'scope', 'expires_at', 'obtained_at'],
  properties: {
    connection: { type: 'string' },
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    refresh_token: { type: ['string', 'null'] },
    id_token: { type: ['string', 'null'] },
    scope: { type: ['string', 'null'], description: 'The scopes the provider granted, as it said them.' },
    expires_at: { type: ['string', 'null'], format: 'date-time', description: 'When the access token expires, as the provider said at the sign-in; null when it did not say.' },
    obtained_at: { type: 'string', format: 'date-time', description: 'The customer’s last sign-in through the connection, which replaced the tokens.' },
  },
} as const;

export async function upstreamTokenRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.get('/tenants/:tenant/customers/:id/connections/:connection/tokens', {
    schema: {
      operationId: 'readCustomerUpstreamTokens',
      tags: ['customers'],
      summary: 'The upstream tokens kept for a customer’s connected account (connections with store_tokens; audited)',
      params: PARAMS,
      response: { 200: TOKENS },
    },
    config: { adminScope: 'customers:tokens' },
  }, async (request, reply) => {
    const { id, connection } = request.params as { id: string; connection: string };
    const tokens = await readUpstreamTokens({ stores: deps.stores, secretBox: deps.secretBox }, tenantOf(request).id, id, connection, actorOf(request));
    reply.header('cache-control', 'no-store');
    return {
      connection: tokens.connection,
      access_token: tokens.accessToken,
      token_type: tokens.tokenType,
      refresh_token: tokens.refreshToken,
      id_token: tokens.idToken,
      scope: tokens.scope,
      expires_at: tokens.expiresAt === null ? null : iso(tokens.expiresAt),
      obtained_at: iso(tokens.obtainedAt),
    };
  });
}
