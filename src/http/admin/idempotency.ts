// `Idempotency-Key` on the admin API's creates (routes with `config.idempotent`): the first request
// with a key claims it and its answer is stored; a repeat with the same key, credential and request
// (method, path and body) gets that answer again, marked `Idempotent-Replayed: true`; the same key
// with another request is refused (422 `idempotency.key_reused`), and a repeat while the first is
// still being answered gets 409 `idempotency.in_progress`. A server error frees the key for a retry.
// Answers may hold a secret shown once (a client secret), so they are stored sealed by the secret
// box, and kept IDEMPOTENCY_TTL_MS; the expired-rows sweep deletes them after that.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyStore } from '../../domain/admin/idempotency.port.ts';
import type { SecretBox } from '../../domain/keys/secret-box.port.ts';
import { DomainError } from '../../domain/errors.ts';
import { credentialKeyOf, principalOf } from './principal.ts';

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Headers of the first answer that a replay repeats. */
const REPLAYED_HEADERS = ['content-type', 'etag', 'location'] as const;

type IdempotencyDeps = { readonly store: IdempotencyStore; readonly secretBox: SecretBox; readonly now?: () => number };

type Claim = { readonly credential: string; readonly key: string };

const claims = new WeakMap<FastifyRequest, Claim>();

export function createIdempotency(deps: IdempotencyDeps) {
  const now = deps.now ?? Date.now;
  const sealContext = (claim: Claim) => `idempotency:${claim.credential}:${claim.key}`;

  /** preHandler of an idempotent route: claims the key, or answers as the first request was answered. */
  async function claimOrReplay(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return undefined;
    const credential = credentialKeyOf(principalOf(request));
    const requestHash = createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('base64url');
    const at = now();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (await deps.store.claim({ credential, key, requestHash, now: at, expiresAt: at + IDEMPOTENCY_TTL_MS })) {
        claims.set(request, { credential, key });
        return undefined;
      }
      const found = await deps.store.find(credential, key, at);
      // Expired between the claim and the read: claim it again.
      if (!found) continue;
      if (found.requestHash !== requestHash) {
        throw new DomainError('idempotency.key_reused', 'unprocessable', 'This Idempotency-Key was used with another request; use a new key for a new request.');
      }
      if (found.status === null || found.response === null) {
        reply.header('retry-after', '1');
        throw new DomainError('idempotency.in_progress', 'conflict', 'The first request with this Idempotency-Key is still being answered; retry shortly.');
      }
      const stored = JSON.parse(deps.secretBox.open(found.response, sealContext({ credential, key }))) as { headers: Record<string, string>; body: string };
      // Returning the reply ends the request here: the handler does not run again.
      return reply.code(found.status).headers(stored.headers).header('idempotent-replayed', 'true').send(stored.body);
    }
    throw new DomainError('idempotency.in_progress', 'conflict', 'The Idempotency-Key could not be claimed; retry shortly.');
  }

  /** onSend: stores the claimed request's answer, or frees the key after a server error. */
  async function storeAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await deps.store.release(claim.credential, claim.key);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    await deps.store.complete(claim.credential, claim.key, reply.statusCode, deps.secretBox.seal(JSON.stringify({ headers, body: payload }), sealContext(claim)));
    return payload;
  }

  return { claimOrReplay, storeAnswer };
}
