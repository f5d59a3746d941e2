import type { ClientContext, Redis, Result } from 'ioredis';

/**
 * Lua scripts of the near-duplicate index. An add touches one sorted set per LSH band and a
 * query has to filter each bucket by the rest of the band hash: done on the server, each is one
 * command instead of about a hundred, and a query returns only the matching entries.
 */

/**
 * KEYS: the band buckets, then the fingerprint key. ARGV[1] item time (ms), ARGV[2] window
 * start (ms, older members are trimmed), ARGV[3] window (ms, the ttl), ARGV[4] the encoded
 * fingerprint, ARGV[5…] one member per bucket.
 */
const ADD = `
local buckets = #KEYS - 1
for i = 1, buckets do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[4 + i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
redis.call('SET', KEYS[#KEYS], ARGV[4], 'PX', ARGV[3])
return buckets`;

/**
 * KEYS: the band buckets. ARGV[1], ARGV[2] the time range (ms), ARGV[3] the fingerprint key
 * prefix, ARGV[4…] the member prefix wanted in each bucket ("<rest of band hash>|").
 * Returns id, time, fingerprint for every distinct item found.
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
      local id = string.sub(member, #wanted + 1)
      if not seen[id] then
        seen[id] = true
        local fingerprint = redis.call('GET', ARGV[3] .. id)
        if fingerprint then
          table.insert(found, id)
          table.insert(found, members[j + 1])
          table.insert(found, fingerprint)
        end
      end
    end
  end
end
return found`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNearDuplicateAdd(numberOfKeys: number, ...keysThenArgs: Array<string | Buffer | number>): Result<number, Context>;
    heraldNearDuplicateQueryBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Result<Buffer[], Context>;
  }
}

/**
 * Defines the near-duplicate scripts on a connection (idempotent). The query script reads
 * fingerprint keys it is not given as KEYS, which a single Redis allows but Redis Cluster does
 * not: the index expects a single Redis (or one shard), like the rest of Herald's store.
 */
export function withNearDuplicateScripts(redis: Redis): Redis {
  if (!redis.heraldNearDuplicateAdd) {
    redis.defineCommand('heraldNearDuplicateAdd', { lua: ADD });
    redis.defineCommand('heraldNearDuplicateQuery', { lua: QUERY });
  }
  return redis;
}
