import type { ClientContext, Redis, Result } from 'ioredis';

/**
 * Lua scripts of the near-duplicate index. An add touches one sorted set per LSH band and a
 * query has to filter each bucket by the rest of the band hash: done on the server, each is one
 * command instead of about a hundred, and a query returns only the matching entries.
 */

/**
 * KEYS: the band buckets, then the handle counter. ARGV[1] item time (ms), ARGV[2] window start
 * (ms, older members are trimmed), ARGV[3] window (ms, the ttl), ARGV[4] entry key prefix,
 * ARGV[5] the encoded entry (id + fingerprint), ARGV[6…] the member prefix for each bucket.
 * Returns the item's new handle.
 */
const ADD = `
local buckets = #KEYS - 1
local handle = string.format('%x', redis.call('INCR', KEYS[#KEYS]))
for i = 1, buckets do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[5 + i] .. handle)
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
redis.call('SET', ARGV[4] .. handle, ARGV[5], 'PX', ARGV[3])
return handle`;

/**
 * KEYS: the band buckets. ARGV[1], ARGV[2] the time range (ms), ARGV[3] the entry key prefix,
 * ARGV[4…] the member prefix wanted in each bucket ("<rest of band hash>|").
 * Returns time, entry for every distinct item found whose entry has not expired.
 */
const QUERY = `
local seen = {}
local found = {}
for i = 1, #KEYS do
  local wanted = ARGV[3 + i]
  local members = redis.call('ZRANGEBYSCORE', KEYS[i], ARGV[1], ARGV[2], 'WITHSCORES')
  for j = 1, #members, 2 do
    local member = members[j]
    if string.sub(member, 1, #wanted) == wanted then
      local handle = string.sub(member, #wanted + 1)
      if not seen[handle] then
        seen[handle] = true
        local entry = redis.call('GET', ARGV[3] .. handle)
        if entry then
          table.insert(found, members[j + 1])
          table.insert(found, entry)
        end
      end
    end
  end
end
return found`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNearDuplicateAdd(numberOfKeys: number, ...keysThenArgs: Array<string | Buffer | number>): Result<string, Context>;
    heraldNearDuplicateQueryBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Result<Buffer[], Context>;
  }
}

/**
 * Defines the near-duplicate scripts on a connection (idempotent). The scripts touch entry
 * keys they are not given as KEYS (their names depend on the handle), which a single Redis allows but Redis Cluster does
 * not: the index expects a single Redis (or one shard), like the rest of Herald's store.
 */
export function withNearDuplicateScripts(redis: Redis): Redis {
  if (!redis.heraldNearDuplicateAdd) {
    redis.defineCommand('heraldNearDuplicateAdd', { lua: ADD });
    redis.defineCommand('heraldNearDuplicateQuery', { lua: QUERY });
  }
  return redis;
}
