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
 * KEYS[1] a band's hash. ARGV[1] ttl (ms), ARGV[2] the trim reference (the batch's newest
 * bucket modulo 8, or -1), ARGV[3] fields to look up (2 bytes each), ARGV[4] records to append
 * as 6-byte units (field, 4-byte record). Looks up first, so a batch never finds its own
 * records, and returns the looked-up fields' records (nil where there are none): the client
 * picks the ones it wants (far cheaper there than in Lua). Before appending to a field, drops
 * the records at its head that are 4 to 6 buckets older than the reference (bits 4-6 of a
 * record's second byte: its bucket modulo 8); records are appended in arrival order, so that
 * is where expired ones gather.
 */
const FIND_AND_ADD_RECORDS = `
local fields, found, known = {}, {}, {}
for i = 1, #ARGV[3], 2 do fields[#fields + 1] = string.sub(ARGV[3], i, i + 1) end
if #fields > 0 then found = redis.call('HMGET', KEYS[1], unpack(fields)) end
if #ARGV[4] == 0 then return found end
for j, field in ipairs(fields) do known[field] = found[j] end
local order, grouped, missing = {}, {}, {}
for i = 1, #ARGV[4], 6 do
  local field = string.sub(ARGV[4], i, i + 1)
  if grouped[field] == nil then
    grouped[field] = {}
    order[#order + 1] = field
    if known[field] == nil then missing[#missing + 1] = field end
  end
  local group = grouped[field]
  group[#group + 1] = string.sub(ARGV[4], i + 2, i + 5)
end
if #missing > 0 then
  local more = redis.call('HMGET', KEYS[1], unpack(missing))
  for j, field in ipairs(missing) do known[field] = more[j] end
end
local reference = tonumber(ARGV[2])
local values = {}
for j, field in ipairs(order) do
  local old = known[field] or ''
  local from = 1
  while reference >= 0 and from < #old do
    local age = (reference - math.floor(string.byte(old, from + 1) / 16) % 8) % 8
    if age < 4 or age > 6 then break end
    from = from + 4
  end
  values[2 * j - 1] = field
  values[2 * j] = string.sub(old, from) .. table.concat(grouped[field])
end
redis.call('HSET', KEYS[1], unpack(values))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return found`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNdAppendEntries(key: string, ttlMs: number, entrySize: number, perChunk: number, most: number, ...entries: Buffer[]): Result<number[], Context>;
    heraldNdReadEntriesBuffer(key: string, entrySize: number, perChunk: number, ...ordinals: number[]): Result<Buffer[], Context>;
    heraldNdFindAndAddRecordsBuffer(key: string, ttlMs: number, trimReference: number, fields: Buffer, records: Buffer): Result<Array<Buffer | null>, Context>;
  }
}

/** Defines the near-duplicate scripts on a connection (idempotent). */
export function withNearDuplicateScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldNdAppendEntries) {
    redis.defineCommand('heraldNdAppendEntries', { numberOfKeys: 1, lua: APPEND_ENTRIES });
    redis.defineCommand('heraldNdReadEntries', { numberOfKeys: 1, lua: READ_ENTRIES });
    redis.defineCommand('heraldNdFindAndAddRecords', { numberOfKeys: 1, lua: FIND_AND_ADD_RECORDS });
  }
  return redis;
}
