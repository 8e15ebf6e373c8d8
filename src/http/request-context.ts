// Who is asking, as the audit log records it (SECURITY.md 28): the client address Fastify worked
// out under TRUST_PROXY, the user agent, and the request id.
import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../domain/audit/audit.ts';

export function requestContextOf(request: FastifyRequest): RequestContext {
  return { ip: request.ip, userAgent: request.headers['user-agent'], requestId: request.id };
}
