// Throttle counters in Redis, shared by every node. A hash per key (count, window start, last
// attempt) with a TTL of one window. A reservation is one Lua script, which Redis runs atomically:
// it reads the counter, decides, and counts, so no concurrent attempt on any node slips between.
import type { Redis } from 'ioredis';
import type { Reservation, ReservationRequest, ThrottleStore } from '../../domain/flows/throttle.port.ts';

// decideReservation (domain/flows/throttle.ts), line for line, for each key; all or nothing, as
// reserveAll promises. Keep the two in step. Times are
// written back from ARGV as given, so Lua's number formatting never touches an epoch-ms value.
const RESERVE = `
local now = tonumber(ARGV[1])
local decisions = {}
local longest = 0
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i * 3 - 1])
  local free = tonumber(ARGV[i * 3])
  local max_delay = tonumber(ARGV[i * 3 + 1])
  local stored = redis.call('HMGET', key, 'count', 'start', 'last')
  local live = stored[1] and tonumber(stored[2]) >= now - window
  local count = live and tonumber(stored[1]) or 0
  local last = live and tonumber(stored[3]) or 0
  local delay = 0
  if count >= free then delay = math.min(1000 * 2 ^ (count - free), max_delay) end
  local wait = last + delay - now
  if count >= free and wait > 0 and wait > longest then longest = wait end
  decisions[i] = { count, live and stored[2] or ARGV[1], window }
end
if longest > 0 then return {0, longest} end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'count', decisions[i][1] + 1, 'start', decisions[i][2], 'last', ARGV[1])
  redis.call('PEXPIRE', key, decisions[i][3])
end
return {1, 0}
`;

// The time stays: a given-back attempt still dates the wait after the last counted one.
const RELEASE = `
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
if count > 0 then redis.call('HINCRBY', KEYS[1], 'count', -1) end
return 0
`;

// RELEASE on KEYS[2] once KEYS[1] is gone, in one script: one round trip for what a success does.
const RESET_AND_RELEASE = `
redis.call('DEL', KEYS[1])
local count = tonumber(redis.call('HGET', KEYS[2], 'count') or '0')
if count > 0 then redis.call('HINCRBY', KEYS[2], 'count', -1) end
return 0
`;

export function createRedisThrottleStore(redis: Redis, prefix = 'foyer:throttle:'): ThrottleStore {
  async function reserveAll(requests: readonly ReservationRequest[], now: number): Promise<Reservation> {
    const keys = requests.map(({ key }) => prefix + key);
    const policies = requests.flatMap(({ policy }) => [policy.windowMs, policy.freeAttempts, policy.maxDelayMs]);
    const [allowed, wait] = (await redis.eval(RESERVE, keys.length, ...keys, now, ...policies)) as [number, number];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
  }

  return {
    reserve: (key, now, policy) => reserveAll([{ key, policy }], now),
    reserveAll,
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
    async resetAndRelease(resetKey, releaseKey) {
      // Both keys in KEYS, as Redis Cluster requires of what a script touches.
      await redis.eval(RESET_AND_RELEASE, 2, prefix + resetKey, prefix + releaseKey);
    },
  };
}
