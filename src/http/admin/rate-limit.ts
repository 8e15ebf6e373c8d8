// Per-credential limits on the admin API (429 with Retry-After): each staff member and each admin
// client may make `perMinute` requests a minute, counted by @fastify/rate-limit in memory on one
// node or in Redis across nodes (as the unauthenticated write limits are, http/write-limits.ts).
// A script gone wrong slows down to its limit; other credentials are unaffected.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { DomainError } from '../../domain/errors.ts';
import { credentialKeyOf, principalOf } from './principal.ts';

const CREDENTIALS_REMEMBERED = 10_000;

/** `nameSpace` keeps another surface's counts (SCIM's) apart from the admin API's in Redis. */
export async function createCredentialLimiter(app: FastifyInstance, options: { perMinute: number; redis?: Redis | undefined; nameSpace?: string }) {
  // Redis outage: fail open, as the other limits do; a limiter must not take the admin API down.
  await app.register(rateLimit, { global: false, skipOnError: true, nameSpace: options.nameSpace ?? 'foyer:admin:', ...(options.redis ? { redis: options.redis } : {}) });
  const limiter = app.createRateLimit({
    max: options.perMinute,
    timeWindow: 60_000,
    skipOnError: true,
    keyGenerator: (request) => credentialKeyOf(principalOf(request)),
    ...({ cache: CREDENTIALS_REMEMBERED } as object),
  });
  return async function limitCredential(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    const wait = Math.max(1, result.ttlInSeconds);
    reply.header('retry-after', String(wait));
    throw new DomainError('request.rate_limited', 'rate_limited', `Too many requests from this credential. Wait ${wait} seconds, then try again.`, { seconds: wait });
  };
}
