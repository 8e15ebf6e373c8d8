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

async function listen(app: Foyer['app'], host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new StartupError(`PORT: ${port} is already in use on ${host}; choose another PORT or stop the other process`);
    if (code === 'EACCES') throw new StartupError(`PORT: not allowed to listen on ${host}:${port}; choose a PORT above 1023`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`HOST: ${host} is not an address of this machine`);
    throw error;
  }
}

main().catch((error: unknown) => {
  // One line that names the setting to fix; never a stack trace for a known cause.
  process.stderr.write(`foyer: cannot start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
