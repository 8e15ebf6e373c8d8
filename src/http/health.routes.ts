// Liveness says the process answers; readiness says it can serve (database and, when configured,
// Redis reachable, not shutting down). Load balancers take a node out on a 503 from /health/ready.
import type { FastifyInstance } from 'fastify';

export type ReadinessCheck = { name: string; check: () => Promise<void> };
export type Lifecycle = { shuttingDown: boolean };

const CHECK_TIMEOUT_MS = 2_000;

export function registerHealthRoutes(app: FastifyInstance, options: { checks: ReadinessCheck[]; lifecycle: Lifecycle }): void {
  app.get('/health/live', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/health/ready', { logLevel: 'warn' }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (options.lifecycle.shuttingDown) return reply.code(503).send({ status: 'shutting_down', checks: {} });
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (error) {
          request.log.warn({ check: name, err: error }, 'readiness check failed');
          return [name, 'unavailable'] as const;
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
  });
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
