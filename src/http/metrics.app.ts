// The operators' listener (METRICS_HOST:METRICS_PORT, loopback by default): GET /metrics and
// nothing else, never on the public listener, since what runs, how often and how slowly is for
// operators, not for the internet (SECURITY.md 35). The registry it serves is infra/metrics'.
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerSecurityHeaders } from './security-headers.ts';

/** An app of its own, answering only /metrics. `main.ts` makes it listen. */
export async function buildMetricsApp(registry: Registry, logger: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger, forceCloseConnections: true });
  registerSecurityHeaders(app, { https: false });
  // Scraped every few seconds: its requests are not worth a log line each.
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    reply.type(registry.contentType).header('cache-control', 'no-store');
    return registry.metrics();
  });
  await app.ready();
  return app;
}
