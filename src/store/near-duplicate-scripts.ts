import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts of the near-duplicate index (layout: near-duplicate-index.ts). Each touches one
 * key (an entry hash or a band's hash), so each runs on one node of a Redis Cluster.
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
 * KEYS: entry hashes of one shard (its time buckets share the shard's hash tag). ARGV[1] entry
 * size, ARGV[2] entries per chunk, ARGV[3…] "<key index>:<ordinal>". Returns the entry at each
 * (its long id appended, if it has one), or an empty string where the hash has expired meanwhile.
 */
const READ_ENTRIES = `
local size, per = tonumber(ARGV[1]), tonumber(ARGV[2])
local chunks, entries = {}, {}
for i = 3, #ARGV do
  local colon = string.find(ARGV[i], ':', 1, true)
  local key, n = KEYS[tonumber(string.sub(ARGV[i], 1, colon - 1))], tonumber(string.sub(ARGV[i], colon + 1))
  local c = math.floor(n / per)
  local chunk = key .. ' ' .. c
  if chunks[chunk] == nil then chunks[chunk] = redis.call('HGET', key, tostring(c)) or '' end
  local at = (n - c * per) * size
  local entry = string.sub(chunks[chunk], at + 1, at + size)
  if #entry == size and string.byte(entry, 15) % 4 >= 2 then entry = entry .. (redis.call('HGET', key, 'i' .. n) or '') end
  entries[#entries + 1] = entry
end
return entries`;

/**
 * KEYS[1] a band group's hash. ARGV[1] ttl (ms), ARGV[2] the trim reference (the batch's
 * newest bucket modulo 8, or -1), ARGV[3] fields (2 bytes each), ARGV[4] per field the number
 * of records to append to it (uint16 BE; empty: none), ARGV[5] those records, field after
 * field, ARGV[6] "1" to return the fields' records as they were before (nil where there are
 * none): the client picks the ones it wants (far cheaper there than in Lua), and a batch never
 * finds its own records. Before appending to a field, drops the records at its head that are
 * 4 to 6 buckets older than the reference (bits 3-5 of a record's second byte: its bucket
 * modulo 8); records are appended in arrival order, so that is where expired ones gather.
 */
const FIND_AND_ADD_RECORDS = `
local fields = {}
for i = 1, #ARGV[3], 2 do fields[#fields + 1] = string.sub(ARGV[3], i, i + 1) end
if #fields == 0 then return {} end
local found = redis.call('HMGET', KEYS[1], unpack(fields))
local counts, records, reference = ARGV[4], ARGV[5], tonumber(ARGV[2])
if #counts > 0 then
  local values, at = {}, 1
  for j, field in ipairs(fields) do
    local count = 256 * string.byte(counts, 2 * j - 1) + string.byte(counts, 2 * j)
    if count > 0 then
      local old = found[j] or ''
      local from = 1
      while reference >= 0 and from < #old do
        local age = (reference - math.floor(string.byte(old, from + 1) / 8) % 8) % 8
        if age < 4 or age > 6 then break end
        from = from + 4
      end
      values[#values + 1] = field
      values[#values + 1] = string.sub(old, from) .. string.sub(records, at, at + 4 * count - 1)
      at = at + 4 * count
    end
  end
  redis.call('HSET', KEYS[1], unpack(values))
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
if ARGV[6] == '1' then return found end
return {}`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNdAppendEntries(key: string, ttlMs: number, entrySize: number, perChunk: number, most: number, ...entries: Buffer[]): Result<number[], Context>;
    heraldNdReadEntriesBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Result<Buffer[], Context>;
    heraldNdFindAndAddRecordsBuffer(key: string, ttlMs: number, trimReference: number, fields: Buffer, counts: Buffer, records: Buffer, lookUp: '0' | '1'): Result<Array<Buffer | null>, Context>;
  }
}

/** Defines the near-duplicate scripts on a connection (idempotent). */
export function withNearDuplicateScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldNdAppendEntries) {
    redis.defineCommand('heraldNdAppendEntries', { numberOfKeys: 1, lua: APPEND_ENTRIES });
    redis.defineCommand('heraldNdReadEntries', { lua: READ_ENTRIES });
    redis.defineCommand('heraldNdFindAndAddRecords', { numberOfKeys: 1, lua: FIND_AND_ADD_RECORDS });
  }
  return redis;
}
