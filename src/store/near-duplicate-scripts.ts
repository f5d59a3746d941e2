import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts of the near-duplicate index (layout: near-duplicate-index.ts). Each touches one
 * entry hash, or the time buckets of one band (which share a hash tag), so each runs on one
 * node of a Redis Cluster. Looking records up needs no script: one HMGET per band and bucket.
 *
 * Both scripts rebuild the values they grow and write them back whole (HSET) rather than
 * APPEND to them: Redis gives a written value exactly its size, while APPEND reserves up to as
 * much again for the next append, which would cost a third more memory on average.
 */

/**
 * KEYS[1] an entry hash (one shard, one time bucket): field `n` the number of entries, field
 * `<chunk>` the fixed-size entries `chunk × per chunk …` one after another, field `i<ordinal>`
 * the id of an entry whose id is not 16 hex digits. ARGV[1] ttl (ms), ARGV[2] entry size,
 * ARGV[3] entries per chunk, ARGV[4] most entries a hash takes, ARGV[5…] encoded entries (the
 * fixed part, then any long id). Returns each entry's ordinal, or -1 once the hash is full (the
 * item is then left out of the index: a missed match, never a wrong one).
 */
const APPEND_ENTRIES = `
local size, per, most = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local ordinals, chunk, pending = {}, nil, {}
local function flush()
  if chunk ~= nil and #pending > 0 then
    redis.call('HSET', KEYS[1], chunk, (redis.call('HGET', KEYS[1], chunk) or '') .. table.concat(pending))
  end
  pending = {}
end
for i = 5, #ARGV do
  if n >= most then
    ordinals[#ordinals + 1] = -1
  else
    local c = tostring(math.floor(n / per))
    if c ~= chunk then
      flush()
      chunk = c
    end
    pending[#pending + 1] = string.sub(ARGV[i], 1, size)
    if #ARGV[i] > size then redis.call('HSET', KEYS[1], 'i' .. n, string.sub(ARGV[i], size + 1)) end
    ordinals[#ordinals + 1] = n
    n = n + 1
  end
end
flush()
redis.call('HSET', KEYS[1], 'n', n)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return ordinals`;

/**
 * KEYS[1] an entry hash. ARGV[1] entry size, ARGV[2] entries per chunk, ARGV[3…] ordinals.
 * Returns the entry at each ordinal (its long id appended, if it has one), or an empty string
 * where the hash has expired meanwhile.
 */
const READ_ENTRIES = `
local size, per = tonumber(ARGV[1]), tonumber(ARGV[2])
local chunks, entries = {}, {}
for i = 3, #ARGV do
  local n = tonumber(ARGV[i])
  local c = math.floor(n / per)
  if chunks[c] == nil then chunks[c] = redis.call('HGET', KEYS[1], tostring(c)) or '' end
  local at = (n - c * per) * size
  local entry = string.sub(chunks[c], at + 1, at + size)
  if #entry == size and string.byte(entry, 15) % 4 >= 2 then entry = entry .. (redis.call('HGET', KEYS[1], 'i' .. n) or '') end
  entries[#entries + 1] = entry
end
return entries`;

/**
 * KEYS: hashes of one band (its time buckets). ARGV[1] ttl (ms), then per key: the number of
 * fields m, then m pairs of field and records to append to it.
 */
const ADD_RECORDS = `
local a = 2
for k = 1, #KEYS do
  local m = tonumber(ARGV[a])
  local fields = {}
  for j = 1, m do fields[j] = ARGV[a + 2 * j - 1] end
  local old = redis.call('HMGET', KEYS[k], unpack(fields))
  local values = {}
  for j = 1, m do
    values[2 * j - 1] = fields[j]
    values[2 * j] = (old[j] or '') .. ARGV[a + 2 * j]
  end
  redis.call('HSET', KEYS[k], unpack(values))
  redis.call('PEXPIRE', KEYS[k], ARGV[1])
  a = a + 1 + 2 * m
end
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNdAppendEntries(key: string, ttlMs: number, entrySize: number, perChunk: number, most: number, ...entries: Buffer[]): Result<number[], Context>;
    heraldNdReadEntriesBuffer(key: string, entrySize: number, perChunk: number, ...ordinals: number[]): Result<Buffer[], Context>;
    heraldNdAddRecords(numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>): Result<number, Context>;
  }
}

/** Defines the near-duplicate scripts on a connection (idempotent). */
export function withNearDuplicateScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldNdAppendEntries) {
    redis.defineCommand('heraldNdAppendEntries', { numberOfKeys: 1, lua: APPEND_ENTRIES });
    redis.defineCommand('heraldNdReadEntries', { numberOfKeys: 1, lua: READ_ENTRIES });
    redis.defineCommand('heraldNdAddRecords', { lua: ADD_RECORDS });
  }
  return redis;
}
