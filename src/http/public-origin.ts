// Whether the public URL a request was served under is https. Cookies are Secure then, whatever
// the last hop was: TLS usually ends at a proxy, and without TRUST_PROXY the request itself looks
// like plain http. Marked for every request by buildApp, read by code that has no config at hand.
import type { FastifyInstance, FastifyRequest } from 'fastify';

const overHttps = new WeakSet<FastifyRequest>();

export function markPublicOrigin(app: FastifyInstance, publicUrl: string): void {
  if (!publicUrl.startsWith('https:')) return;
  app.addHook('onRequest', async (request) => {
    overHttps.add(request);
  });
}

export function servedOverHttps(request: FastifyRequest): boolean {
  return overHttps.has(request) || request.protocol === 'https';
}
