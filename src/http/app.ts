// Builds the Fastify application: shared hooks first, then one encapsulated plugin per surface.
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import { generateRequestId, echoRequestId } from './request-id.ts';
import { registerProblemHandlers, sendProblem, toProblem } from './problem.ts';
import { registerSecurityHeaders, securityHeadersOf } from './security-headers.ts';
import { clientErrorHandler } from './client-errors.ts';
import { registerTextGuard } from './text-guard.ts';
import { markPublicOrigin } from './public-origin.ts';
import { registerHealthRoutes } from './health.routes.ts';
import type { Lifecycle, ReadinessCheck } from './health.routes.ts';
import { recordRequestDurations } from '../infra/metrics/metrics.ts';
import type { Registry } from 'prom-client';

/** Unknown fields are refused rather than silently dropped, every field problem is reported at once, and a field may be of two types (`["boolean", "integer"]`: matched as sent, never coerced into the other). */
export const AJV_OPTIONS = { customOptions: { removeAdditional: false, allErrors: true, allowUnionTypes: true } } as const;

type AppDeps = {
  readonly config: Config;
  readonly logger: FastifyBaseLogger;
  readonly readinessChecks: ReadinessCheck[];
  readonly lifecycle: Lifecycle;
  /** The product's HTTP surfaces (oidc, hosted, …), each an encapsulated plugin. */
  readonly surfaces?: readonly ((app: FastifyInstance) => Promise<void>)[];
  /** Where request durations are recorded (served by the metrics listener, never by this app). */
  readonly metrics?: Registry | undefined;
  /** Filled with every route as it is registered (the route fuzz test walks it). */
  readonly routeTable?: RegisteredRoute[];
};

/** One entry of the route table: a method and the route's pattern (`/t/:slug/flows/:id`, `/auth/*`). */
export type RegisteredRoute = { readonly method: string; readonly url: string };

export async function buildApp({ config, logger, readinessChecks, lifecycle, surfaces = [], routeTable, metrics }: AppDeps): Promise<FastifyInstance> {
  const securityHeaders = { https: config.http.publicUrl.startsWith('https:') };
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    genReqId: generateRequestId,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    trustProxy: trustProxyOption(config.http.trustProxy),
    bodyLimit: 256 * 1024,
    // Stop idle keep-alive sockets at shutdown; in-flight requests still finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: AJV_OPTIONS,
    // Errors the router raises before any handler (a path parameter too long, a malformed URL)
    // answer in the same problem format as everything else; no onSend hook runs for them.
    frameworkErrors: (error, request, reply) => sendProblem(reply.headers(securityHeadersOf(securityHeaders)), toProblem(error, request)),
    clientErrorHandler: clientErrorHandler(securityHeaders, () => app.log),
  });
  if (routeTable) {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
    });
  }
  echoRequestId(app);
  // A request in flight at shutdown ends its connection: server.close() only reaps the connections
  // idle at that moment, and a keep-alive one would otherwise hold the process open until
  // keepAliveTimeout (72 s), past SHUTDOWN_TIMEOUT_MS.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (lifecycle.shuttingDown) reply.header('connection', 'close');
    return payload;
  });
  registerSecurityHeaders(app, securityHeaders);
  registerProblemHandlers(app);
  registerTextGuard(app);
  markPublicOrigin(app, config.http.publicUrl);
  if (metrics) recordRequestDurations(app, metrics);
  registerHealthRoutes(app, { checks: readinessChecks, lifecycle });
  for (const surface of surfaces) await app.register(surface);
  await app.ready();
  return app;
}

/** Fastify takes a hop count as a function of the hop index. */
function trustProxyOption(value: false | number | string): false | string | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
}
