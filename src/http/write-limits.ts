// Per-address limits on the unauthenticated requests that store something (SECURITY.md 30, 36):
// starting an authorization request (GET/POST {issuer}/auth stores an interaction), starting a
// flow of the JSON API (POST /flows/{type} stores a flow), the device and sign-out pages (a browser
// session), and a public client's pushed or device authorization request (a request or device code). A flood from one address gets fast 429s
// with Retry-After instead of filling the database; other addresses are unaffected.
//
// Counted by @fastify/rate-limit: a fixed window per client address (IPv6 by its /64, since one
// customer holds a whole /64), in memory on one node (an LRU of bounded size, no database round
// trip) or in Redis when Foyer runs on several nodes (one round trip, shared by every node).
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

type WriteLimit = {
  /** Requests one client address may make in a window before it is refused. */
  readonly max: number;
  readonly windowMs: number;
};

/**
 * Generous on purpose: one address can be a whole office or a mobile carrier's NAT, thousands of
 * customers who all open the campaign's link within minutes. 300 a minute is a sign-in every
 * 0.2 s from that one address, more than ten times what such a burst was seen to need, while a
 * flood is refused after its first 300 requests. docs/adr/0017-limits-on-unauthenticated-writes.md
 * gives the arithmetic and the bound on stored rows.
 */
export const AUTHORIZATION_LIMIT: WriteLimit = { max: 300, windowMs: 60_000 };
export const FLOW_CREATION_LIMIT: WriteLimit = { max: 300, windowMs: 60_000 };
/** GET and POST of {issuer}/device and {issuer}/session/end together: two or three per customer. */
export const SESSION_PAGE_LIMIT: WriteLimit = { max: 300, windowMs: 60_000 };
/** Responses posted to a SAML assertion consumer service: each answers a sign-in or writes an audit entry. */
export const ASSERTION_CONSUMER_LIMIT: WriteLimit = { max: 300, windowMs: 60_000 };
/** Pushed (RFC 9126) and device (RFC 8628) authorization requests without client credentials, together. */
export const PUBLIC_CLIENT_LIMIT: WriteLimit = { max: 300, windowMs: 60_000 };

/** Client addresses remembered per limit on one node: older ones are forgotten first. */
const ADDRESSES_REMEMBERED = 10_000;

/** Answers undefined when the request may go on, or how many seconds its address must wait. */
export type WriteLimiter = (request: FastifyRequest) => Promise<number | undefined>;

export type WriteLimitsDeps = { readonly redis?: Redis | undefined };

/**
 * A limiter counting `limit` per client address under `name` (limits with different names never
 * share a count). Registers the counting plugin in `app` on first use.
 */
export async function createWriteLimiter(app: FastifyInstance, name: string, limit: WriteLimit, deps: WriteLimitsDeps): Promise<WriteLimiter> {
  if (!app.hasDecorator('createRateLimit')) {
    // Redis outage: fail open, as the sign-in throttle's own store would fail anyway; a
    // limiter must not be what takes sign-in down.
    await app.register(rateLimit, { global: false, skipOnError: true, nameSpace: 'foyer:writes:', ...(deps.redis ? { redis: deps.redis } : {}) });
  }
  const limiter = app.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowMs,
    skipOnError: true,
    // Every limiter of the plugin shares the Redis namespace: the name keeps their counts apart.
    keyGenerator: (request) => `${name}:${normalizeIP(request.ip)}`,
    // Not in the option's type, but what each limiter's in-memory store is sized by.
    ...({ cache: ADDRESSES_REMEMBERED } as object),
  });
  return async (request) => {
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return undefined;
    return Math.max(1, result.ttlInSeconds);
  };
}
