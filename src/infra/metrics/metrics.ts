// Prometheus metrics, one registry per server instance (tests run several in one process). The
// public application records request durations into it; the registry is served by a listener of
// its own (METRICS_HOST:METRICS_PORT, loopback by default), never by the public one: what runs,
// how often and how slowly is for operators, not for the internet (SECURITY.md 35).
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerSecurityHeaders } from '../../http/security-headers.ts';

const DURATION_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'foyer_' });
  return registry;
}

/** Records every response of `app` in the registry, by method, route pattern and status. */
export function recordRequestDurations(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'foyer_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by route pattern.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths must not explode the label space.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

/** The operators' listener: GET /metrics and nothing else. `main.ts` makes it listen. */
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
