// Throttle counters in Redis, shared by every node. A hash per key (count, window start, last
// attempt) with a TTL of one window. A reservation is one Lua script, which Redis runs atomically:
// it reads the counter, decides, and counts, so no concurrent attempt on any node slips between.
import type { Redis } from 'ioredis';
import type { ThrottleStore } from '../../domain/flows/throttle.port.ts';

// decideReservation (domain/flows/throttle.ts), line for line; keep the two in step. Times are
// written back from ARGV as given, so Lua's number formatting never touches an epoch-ms value.
const RESERVE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local free = tonumber(ARGV[3])
local max_delay = tonumber(ARGV[4])
local stored = redis.call('HMGET', KEYS[1], 'count', 'start', 'last')
local live = stored[1] and tonumber(stored[2]) >= now - window
local count = live and tonumber(stored[1]) or 0
local last = live and tonumber(stored[3]) or 0
local delay = 0
if count >= free then delay = math.min(1000 * 2 ^ (count - free), max_delay) end
local wait = last + delay - now
if count >= free and wait > 0 then return {0, wait} end
redis.call('HSET', KEYS[1], 'count', count + 1, 'start', live and stored[2] or ARGV[1], 'last', ARGV[1])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
`;

// The time stays: a given-back attempt still dates the wait after the last counted one.
const RELEASE = `
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
if count > 0 then redis.call('HINCRBY', KEYS[1], 'count', -1) end
return 0
`;

export function createRedisThrottleStore(redis: Redis, prefix = 'foyer:throttle:'): ThrottleStore {
  return {
    async reserve(key, now, policy) {
      const [allowed, wait] = (await redis.eval(RESERVE, 1, prefix + key, now, policy.windowMs, policy.freeAttempts, policy.maxDelayMs)) as [number, number];
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
    },
    async release(key) {
      await redis.eval(RELEASE, 1, prefix + key);
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
