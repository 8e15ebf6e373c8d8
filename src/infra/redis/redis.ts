// Optional Redis: shared rate limits, caches and sessions when Foyer runs on several nodes.
// When REDIS_URL is set it must be reachable at start, or limits would silently become per-node.
import { Redis } from 'ioredis';
import { redactUrl } from '../../config/redact.ts';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 2,
    // Keep retrying in the background after start; readiness reports the outage meanwhile.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    // ioredis reports "Connection is closed"; the socket error before it says why.
    throw new RedisUnavailableError(`${redactUrl(url)}: ${(lastError ?? (error as Error)).message}`);
  }
  return redis;
}
