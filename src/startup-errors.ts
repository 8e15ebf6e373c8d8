// Turns what can go wrong at start into one line naming the setting to fix. Shared by the server
// and the CLI, which fail for the same reasons.
import { ConfigError } from './config/config-error.ts';
import { DatabaseUnavailableError } from './storage/database.ts';
import { MigrationError } from './storage/migrate.ts';
import { RedisUnavailableError } from './infra/redis/redis.ts';

/** A start-up failure whose message already names the setting to fix. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export function describeStartupError(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  if (error instanceof ConfigError) return error.message;
  if (error instanceof DatabaseUnavailableError) return `DATABASE_URL: cannot use the database: ${error.message}`;
  if (error instanceof MigrationError) return `DATABASE_URL: ${error.message}`;
  if (error instanceof RedisUnavailableError) return `REDIS_URL: cannot reach Redis: ${error.message}`;
  // Unknown: still one line, with enough to report it.
  const { name = 'Error', message = String(error) } = error as { name?: string; message?: string };
  return `unexpected ${name}: ${message}`;
}
