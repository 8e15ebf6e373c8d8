// /tenants/{tenant}/keys: a tenant's token signing keys (keys:read, keys:write): the published
// ones with their status and times, never key material; and a rotation, the use case `foyer keys
// rotate` calls, which this node's providers take up at once (the others within their periodic
// key check, KEY_CHECK_INTERVAL_MS).
import type { FastifyInstance } from 'fastify';
import { DEFAULT_MAX_SIGNED_TOKEN_LIFETIME_SECONDS, listSigningKeys, rotateSigningKeys } from '../../domain/keys/keys.service.ts';
import type { SigningKeySummary } from '../../domain/keys/signing-key.ts';
import { SIGNING_ALGORITHMS } from '../../domain/keys/signing-key.ts';
import type { AdminRouteDeps } from './route-deps.ts';
import { actorOf, tenantOf } from './principal.ts';
import { IDEMPOTENCY_HEADERS, IDEMPOTENCY_PROBLEMS, TENANT_PARAM, iso, listOf } from './conventions.ts';

const SIGNING_KEY = {
  $id: 'SigningKey',
  type: 'object',
  additionalProperties: false,
  required: ['kid', 'algorithm', 'status', 'created_at', 'retired_at', 'unpublish_at'],
  properties: {
    kid: { type: 'string', description: 'The key id in tokens and the JWKS (RFC 7638 thumbprint).' },
    algorithm: { type: 'string', enum: SIGNING_ALGORITHMS },
    status: { type: 'string', enum: ['active', 'retired'], description: 'Active keys sign; retired ones only verify tokens they signed.' },
    created_at: { type: 'string', format: 'date-time' },
    retired_at: { type: ['string', 'null'], format: 'date-time' },
    unpublish_at: { type: ['string', 'null'], format: 'date-time', description: 'When a retired key leaves the JWKS.' },
  },
} as const;

const item = { $ref: 'SigningKey#' } as const;
const params = { type: 'object', required: ['tenant'], properties: TENANT_PARAM } as const;

function keyView(key: SigningKeySummary) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    status: key.status,
    created_at: iso(key.createdAt),
    retired_at: key.retiredAt === null ? null : iso(key.retiredAt),
    unpublish_at: key.unpublishAt === null ? null : iso(key.unpublishAt),
  };
}

export async function keyRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  app.addSchema(SIGNING_KEY);
  const keysDeps = { transaction: deps.transaction, keys: deps.stores.signingKeys, secretBox: deps.secretBox };

  app.get('/tenants/:tenant/keys', {
    schema: {
      operationId: 'listSigningKeys',
      tags: ['keys'],
      summary: 'List the published signing keys, active ones first (a tenant has a handful: one page)',
      params,
      response: { 200: listOf(item, 'The published keys.') },
    },
    config: { adminScope: 'keys:read' },
  }, async (request) => ({ items: (await listSigningKeys(keysDeps, tenantOf(request).id, Date.now())).map(keyView), next_cursor: null }));

  app.post('/tenants/:tenant/keys/rotate', {
    schema: {
      operationId: 'rotateSigningKeys',
      tags: ['keys'],
      summary: 'Add new active keys; the previous ones stay published until the tokens they signed have expired',
      params,
      headers: IDEMPOTENCY_HEADERS,
      response: {
        200: {
          description: 'The keys added and those retired.',
          type: 'object',
          additionalProperties: false,
          required: ['added', 'retired'],
          properties: { added: { type: 'array', items: item }, retired: { type: 'array', items: item } },
        },
        ...IDEMPOTENCY_PROBLEMS,
      },
    },
    config: { adminScope: 'keys:write', idempotent: true },
  }, async (request) => {
    const tenant = tenantOf(request);
    const options = { now: Date.now(), maxTokenLifetimeSeconds: DEFAULT_MAX_SIGNED_TOKEN_LIFETIME_SECONDS, actor: actorOf(request) };
    const { added, retired } = await rotateSigningKeys(keysDeps, tenant.id, options);
    deps.providers.checkKeysNow(tenant.id);
    return { added: added.map(keyView), retired: retired.map(keyView) };
  });
}
