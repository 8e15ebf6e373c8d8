// The security headers of every answer. Surfaces get them from an onSend hook; a surface that
// serves pages (hosted) sets its own CSP and the hook leaves it alone. Answers written outside
// Fastify's hooks (the router's 400/414, Node's parser errors, oidc-provider on the raw response)
// take the same set from securityHeadersOf.
import type { FastifyInstance } from 'fastify';

/** The headers every answer carries, whoever wrote it (a surface, the router, the provider, Node's parser). */
export const REQUIRED_SECURITY_HEADERS = ['x-content-type-options', 'referrer-policy', 'x-frame-options', 'content-security-policy'] as const;

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export type SecurityHeaderOptions = { readonly https: boolean };

/** The defaults, with the API's CSP (nothing may load, frame or submit). */
export function securityHeadersOf(options: SecurityHeaderOptions): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'content-security-policy': API_CSP,
    ...(options.https ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

/** Headers a surface may set for itself (a page's CSP, a frame policy) and the hook then keeps. */
const OWN_CHOICE = new Set(['x-frame-options', 'content-security-policy']);

export function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const headers = Object.entries(securityHeadersOf(options));
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of headers) if (!OWN_CHOICE.has(name) || !reply.hasHeader(name)) reply.header(name, value);
  });
}
