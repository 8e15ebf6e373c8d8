// Throttle counters in Redis, shared by every node. A hash per key (count, window start, last hit)
// with a TTL of one window; the update runs as one Lua script so concurrent hits never lose a count.
import type { Redis } from 'ioredis';
import type { ThrottleStore } from '../../domain/flows/throttle.port.ts';

const HIT = `
local start = tonumber(redis.call('HGET', KEYS[1], 'start') or '0')
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if start < now - window then
  redis.call('HSET', KEYS[1], 'count', 1, 'start', now, 'last', now)
else
  redis.call('HINCRBY', KEYS[1], 'count', 1)
  redis.call('HSET', KEYS[1], 'last', now)
end
redis.call('PEXPIRE', KEYS[1], window)
return redis.call('HMGET', KEYS[1], 'count', 'last')
`;

export function createRedisThrottleStore(redis: Redis, prefix = 'foyer:throttle:'): ThrottleStore {
  return {
    async hit(key, now, windowMs) {
      const [count, last] = (await redis.eval(HIT, 1, prefix + key, now, windowMs)) as [string, string];
      return { count: Number(count), lastAt: Number(last) };
    },
    async peek(key, now, windowMs) {
      const [count, start, last] = await redis.hmget(prefix + key, 'count', 'start', 'last');
      if (!count || Number(start) < now - windowMs) return { count: 0, lastAt: 0 };
      return { count: Number(count), lastAt: Number(last) };
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}
