import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts of the near-duplicate index (layout: near-duplicate-index.ts). Each touches one
 * key (an entry hash or a band group's hash) or entry hashes of one shard (one hash tag), so
 * each runs on one node of a Redis Cluster.
 *
 * The appending scripts rebuild the values they grow and write them back whole (HSET) rather than
 * APPEND to them: Redis gives a written value exactly its size, while APPEND reserves up to as
 * much again for the next append, which would cost a third more memory on average.
 */

/**
 * KEYS[1] an entry hash (one shard, one time bucket): field `c` the number of chunks handed
 * out, field `<chunk>` the chunk's fixed-size entries one after another, field `i<ordinal>` the
 * id of an entry whose id is not 16 hex digits. ARGV[1] ttl (ms), ARGV[2] the number of chunks
 * to hand out. Returns the counter after them: the caller now holds chunks `c - ARGV[2]` to `c - 1`.
 */
const RESERVE_CHUNKS = `
local upTo = redis.call('HINCRBY', KEYS[1], 'c', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return upTo`;

/**
 * KEYS[1] an entry hash (as above). ARGV[1] ttl (ms), ARGV[2] entry size, ARGV[3] entries per
 * chunk, ARGV[4] the entries' ordinals (3 bytes each, big-endian) in the order the caller took
 * them from the chunks it holds, ARGV[5] their fixed-size parts one after another, ARGV[6…] the
 * long ids of those flagged as having one, in order. Appends each run of one chunk if the chunk
 * holds exactly the entries before the run's first ordinal (it is then the caller's alone, and
 * nothing went missing before); otherwise writes none of the run. Returns the chunks not written:
 * their entries are left out of the index (a missed match, never a wrong one).
 */
const APPEND_ENTRIES = `
local size, per, ordinals, fixed = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local failed, chunk, old, from, ok, long = {}, nil, '', 1, false, 5
local function flush(to)
  if ok and to > from then redis.call('HSET', KEYS[1], chunk, old .. string.sub(fixed, from, to - 1)) end
end
for i = 1, #ordinals / 3 do
  local b1, b2, b3 = string.byte(ordinals, 3 * i - 2, 3 * i)
  local ordinal = 65536 * b1 + 256 * b2 + b3
  local c = math.floor(ordinal / per)
  local at = (i - 1) * size + 1
  if tostring(c) ~= chunk then
    flush(at)
    chunk, from = tostring(c), at
    old = redis.call('HGET', KEYS[1], chunk) or ''
    ok = #old == (ordinal - c * per) * size
    if not ok then failed[#failed + 1] = c end
  end
  if string.byte(fixed, at + 14) % 4 >= 2 then
    long = long + 1
    if ok then redis.call('HSET', KEYS[1], 'i' .. ordinal, ARGV[long]) end
  end
end
flush(#ordinals / 3 * size + 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return failed`;

/**
 * KEYS: entry hashes of one shard (its time buckets share the shard's hash tag). ARGV[1] entry
 * size, ARGV[2] entries per chunk, ARGV[3] the entries wanted, 4 bytes each: the key's index
 * (from 1), then the ordinal (3 bytes, big-endian). Returns the entry at each (its long id
 * appended, if it has one), or an empty string where there is none (expired, or never written).
 */
const READ_ENTRIES = `
local size, per, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local chunks, entries = {}, {}
for i = 1, #wanted, 4 do
  local k, b1, b2, b3 = string.byte(wanted, i, i + 3)
  local key, n = KEYS[k], 65536 * b1 + 256 * b2 + b3
  local c = math.floor(n / per)
  local chunk = k .. ' ' .. c
  if chunks[chunk] == nil then chunks[chunk] = redis.call('HGET', key, tostring(c)) or '' end
  local at = (n - c * per) * size
  local entry = string.sub(chunks[chunk], at + 1, at + size)
  if #entry == size and string.byte(entry, 15) % 4 >= 2 then entry = entry .. (redis.call('HGET', key, 'i' .. n) or '') end
  entries[#entries + 1] = entry
end
return entries`;

/**
 * KEYS: band groups' hashes (one on a cluster, where each is a slot of its own; all of a batch's
 * on one server). ARGV[1] ttl (ms), ARGV[2] the trim reference (the batch's newest bucket modulo
 * 8, or -1). Then per key four arguments: its fields (2 bytes each); per field the number of
 * records to append to it (uint16 BE; empty: none); those records, field after field; and the
 * lookups, 3 bytes each: a field's position in the list (uint16 BE, from 0) and the first byte
 * of the records wanted (their tail's high 8 bits). Returns per key one string: for each record
 * a lookup finds, the lookup's number (uint16 BE, from 0) and the record. Lookups read the fields
 * as they were before this call's appends, so a batch never finds its own records; the plain
 * search leaves the C string search to sift ~50 records a field, and the client checks the rest
 * of the tail (2 bits) and the bucket of the few it gets.
 *
 * Before appending to a field, drops the records at its head that are 4 to 6 buckets older than
 * the reference (bits 3-5 of a record's second byte: its bucket modulo 8); records are appended
 * in arrival order, so that is where expired ones gather.
 */
const FIND_AND_ADD_RECORDS = `
local reference, results = tonumber(ARGV[2]), {}
for k = 1, #KEYS do
  local packedFields, counts, records, lookups = ARGV[4 * k - 1], ARGV[4 * k], ARGV[4 * k + 1], ARGV[4 * k + 2]
  local fields = {}
  for i = 1, #packedFields, 2 do fields[#fields + 1] = string.sub(packedFields, i, i + 1) end
  local found = {}
  if #fields > 0 then found = redis.call('HMGET', KEYS[k], unpack(fields)) end
  local matches = {}
  for i = 1, #lookups / 3 do
    local high, low, first = string.byte(lookups, 3 * i - 2, 3 * i)
    local old = found[256 * high + low + 1]
    if old then
      local byte, at = string.char(first), 1
      while true do
        at = string.find(old, byte, at, true)
        if not at then break end
        if at % 4 == 1 then matches[#matches + 1] = string.char(math.floor((i - 1) / 256), (i - 1) % 256) .. string.sub(old, at, at + 3) end
        at = at + 4 - (at - 1) % 4
      end
    end
  end
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
    redis.call('HSET', KEYS[k], unpack(values))
    redis.call('PEXPIRE', KEYS[k], ARGV[1])
  end
  results[k] = table.concat(matches)
end
return results`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNdReserveChunks(key: string, ttlMs: number, chunks: number): Result<number, Context>;
    heraldNdAppendEntries(key: string, ttlMs: number, entrySize: number, perChunk: number, ordinals: Buffer, entries: Buffer, ...longIds: Buffer[]): Result<number[], Context>;
    heraldNdReadEntriesBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>): Result<Buffer[], Context>;
    heraldNdFindAndAddRecordsBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>): Result<Buffer[], Context>;
  }
}

/** Defines the near-duplicate scripts on a connection (idempotent). */
export function withNearDuplicateScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldNdAppendEntries) {
    redis.defineCommand('heraldNdReserveChunks', { numberOfKeys: 1, lua: RESERVE_CHUNKS });
    redis.defineCommand('heraldNdAppendEntries', { numberOfKeys: 1, lua: APPEND_ENTRIES });
    redis.defineCommand('heraldNdReadEntries', { lua: READ_ENTRIES });
    redis.defineCommand('heraldNdFindAndAddRecords', { lua: FIND_AND_ADD_RECORDS });
  }
  return redis;
}
