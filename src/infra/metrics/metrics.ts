// Prometheus metrics, one registry per server instance (tests run several in one process). The
// public application records request durations into it; the registry is served by a listener of
// its own (http/metrics.app.ts), never by the public one.
import type { FastifyInstance } from 'fastify';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
