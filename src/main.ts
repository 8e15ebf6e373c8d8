// `npm start`: load the configuration, assemble Foyer, listen, and shut down gracefully on SIGTERM.
import { pino } from 'pino';
import { loadConfig } from './config/load.ts';
import { loggerOptions } from './infra/logging/logger.ts';
import { createFoyer } from './server.ts';
import type { Foyer } from './server.ts';
import { StartupError, describeStartupError } from './startup-errors.ts';

async function main(): Promise<void> {
  const { config, warnings } = loadConfig();
  const logger = pino(loggerOptions(config.logLevel));
  for (const warning of warnings) logger.warn(warning);

  const foyer = await createFoyer(config, logger);
  const address = await listen(foyer.app, config.http.host, config.http.port);
  if (foyer.metricsApp) {
    const { host, port } = config.metricsListener;
    const metrics = await listen(foyer.metricsApp, host, port, { host: 'METRICS_HOST', port: 'METRICS_PORT' });
    logger.info({ metrics: `${metrics}/metrics` }, `metrics are served at ${metrics}/metrics`);
  }
  logger.info({ address, issuer: config.http.publicUrl, engine: foyer.database.engine }, `Foyer is listening on ${address}`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    try {
      await foyer.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function listen(app: Foyer['app'], host: string, port: number, names = { host: 'HOST', port: 'PORT' }): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new StartupError(`${names.port}: ${port} is already in use on ${host}; choose another ${names.port} or stop the other process`);
    if (code === 'EACCES') throw new StartupError(`${names.port}: not allowed to listen on ${host}:${port}; choose a ${names.port} above 1023`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`${names.host}: ${host} is not an address of this machine`);
    throw error;
  }
}

main().catch((error: unknown) => {
  // One line that names the setting to fix; never a stack trace for a known cause.
  process.stderr.write(`foyer: cannot start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
