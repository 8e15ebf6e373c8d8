// Who is asking, as the audit log records it (SECURITY.md 28): the client address Fastify worked
// out under TRUST_PROXY, the user agent, and the request id.
import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../domain/audit/audit.ts';
import type { ConsentMethod } from '../domain/privacy/consent-record.ts';
import type { ConsentContext } from '../domain/privacy/ledger.ts';

export function requestContextOf(request: FastifyRequest): RequestContext {
  return { ip: request.ip, userAgent: request.headers['user-agent'], requestId: request.id };
}

/** Whether the browser expresses Global Privacy Control (`Sec-GPC: 1`). */
export function gpcOf(request: FastifyRequest): boolean {
  return request.headers['sec-gpc'] === '1';
}

/** How a consent decision reached Foyer, as the ledger records it: application, address, agent, surface, GPC. */
export function consentContextOf(request: FastifyRequest, method: ConsentMethod, clientId?: string): ConsentContext {
  return { clientId, ip: request.ip, userAgent: request.headers['user-agent'], method, gpc: gpcOf(request) };
}
