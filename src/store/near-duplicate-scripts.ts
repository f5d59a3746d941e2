import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts of the near-duplicate index (layout: near-duplicate-index.ts). On a cluster each
 * call touches one key (an entry hash or a band group's hash) or entry hashes of one shard (one
 * hash tag), so each runs on one node; on one server a call may take keys of several tags (the
 * band script: all band groups and the entry hashes whose entries it reads).
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
 * Lua: appends entries to an entry hash (one shard, one time bucket). `ordinals` the entries'
 * ordinals (3 bytes each, big-endian) in the order the caller took them from the chunks it holds,
 * `fixed` their fixed-size parts one after another; the long ids of those flagged as having one
 * are the arguments after ARGV[long], in order. Appends each run of one chunk if the chunk holds
 * exactly the entries before the run's first ordinal (it is then the caller's alone, and nothing
 * went missing before); otherwise writes none of the run. Returns the chunks not written (their
 * entries are left out of the index: a missed match, never a wrong one) and the last long id's
 * argument.
 */
const APPEND_AT = `
local appendByte, appendSub, appendFloor, appendCall = string.byte, string.sub, math.floor, redis.call
local function appendEntries(key, ttl, size, per, ordinals, fixed, long)
  local failed, missed, chunk, old, from, ok = {}, 0, nil, '', 1, false
  local function flush(to)
    if ok and to > from then appendCall('HSET', key, chunk, old .. appendSub(fixed, from, to - 1)) end
  end
  local at = 1 - size
  for i = 1, #ordinals, 3 do
    local b1, b2, b3 = appendByte(ordinals, i, i + 2)
    local ordinal = 65536 * b1 + 256 * b2 + b3
    local c = appendFloor(ordinal / per)
    at = at + size
    if c ~= chunk then
      flush(at)
      chunk, from = c, at
      old = appendCall('HGET', key, c) or ''
      ok = #old == (ordinal - c * per) * size
      if not ok then
        missed = missed + 1
        failed[missed] = c
      end
    end
    if appendByte(fixed, at + 14) % 4 >= 2 then
      long = long + 1
      if ok then appendCall('HSET', key, 'i' .. ordinal, ARGV[long]) end
    end
  end
  flush(at + size)
  appendCall('PEXPIRE', key, ttl)
  return failed, long
end`;

/**
 * KEYS[1] an entry hash: field `c` the number of chunks handed out, field `<chunk>` the chunk's
 * fixed-size entries one after another, field `i<ordinal>` the id of an entry whose id is not 16
 * hex digits. ARGV[1] ttl (ms), ARGV[2] entry size, ARGV[3] entries per chunk, ARGV[4] the
 * ordinals, ARGV[5] the fixed parts, ARGV[6…] the long ids (as APPEND_AT takes them). Returns the
 * chunks not written.
 */
const APPEND_ENTRIES = `${APPEND_AT}
local failed = appendEntries(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], 5)
return failed`;

/**
 * Lua: the entry at ordinal `n` of an entry hash (as APPEND_ENTRIES writes them), its long id
 * appended if it has one, or a shorter string where there is none (expired, or never written).
 * `chunks` caches the chunks read, by key and chunk, for the rest of the call (in tables keyed
 * by number: Lua formats a number into a string by printf, and hashes every string it makes
 * byte by byte, which in these scripts was a fifth of Redis's time).
 */
const ENTRY_AT = `
local entrySub, entryByte, entryFloor, entryCall = string.sub, string.byte, math.floor, redis.call
local function entryAt(key, n, size, per, chunks)
  local c = entryFloor(n / per)
  local ofKey = chunks[key]
  if ofKey == nil then
    ofKey = {}
    chunks[key] = ofKey
  end
  local chunk = ofKey[c]
  if chunk == nil then
    chunk = entryCall('HGET', key, c) or ''
    ofKey[c] = chunk
  end
  local at = (n - c * per) * size
  local entry = entrySub(chunk, at + 1, at + size)
  if #entry == size and entryByte(entry, 15) % 4 >= 2 then entry = entry .. (entryCall('HGET', key, 'i' .. n) or '') end
  return entry
end`;

/**
 * KEYS: entry hashes (on a cluster, of one shard: its time buckets share the shard's hash tag).
 * ARGV[1] entry size, ARGV[2] entries per chunk, ARGV[3] the entries wanted, 4 bytes each: the
 * key's index (from 1), then the ordinal (3 bytes, big-endian). Returns the entry at each.
 */
const READ_ENTRIES = `${ENTRY_AT}
local size, per, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local chunks, entries = {}, {}
for i = 1, #wanted, 4 do
  local k, b1, b2, b3 = string.byte(wanted, i, i + 3)
  entries[#entries + 1] = entryAt(KEYS[k], 65536 * b1 + 256 * b2 + b3, size, per, chunks)
end
return entries`;

/**
 * KEYS: band groups' hashes (one on a cluster, where each is a slot of its own; all of a batch's
 * on one server), then, to read the entries found in this call, the entry hashes of the batch's
 * time buckets (from its first, 4 shards a bucket: the key of shard s in the batch's bucket b is
 * at 4b + s after the band groups), then the entry hashes to append entries to (on one server).
 *
 * ARGV[1] ttl (ms), ARGV[2] the trim reference (the batch's newest bucket modulo 8, or -1),
 * ARGV[3] the number of band groups. To read entries here: ARGV[4] per item looked up the first
 * and last bucket of its window (1 byte each, counted from the batch's first), ARGV[5] the
 * batch's first bucket modulo 8, ARGV[6] entry size, ARGV[7] entries per chunk; ARGV[4] empty
 * when entries are read by another call (on a cluster they live in other slots). Then per band
 * group four arguments: its fields (3 bytes each); per field the number of records to append to
 * it (uint16 BE; empty: none); those records (5 bytes each), field after field; and the lookups,
 * 7 bytes each: the field's position in the list (uint16 BE, from 0), the item (uint16 BE), the
 * tail wanted (its high 8 bits, a record's first byte; then its low 2 bits) and the check wanted
 * (a record's fifth byte, where below 128: 128 and up, the check is not known, and the tail alone
 * decides). Then the number of
 * entry hashes to append to (the last keys; 0 on a cluster, where they live in other slots), per
 * hash its ordinals and fixed parts, then all their long ids (as APPEND_AT takes them). Entries
 * are appended first, as when their own call went before: one server sends one call fewer.
 *
 * Lookups read the fields as they were before this call's appends, so a batch never finds its
 * own records; a plain search for the tail's first byte leaves C to sift ~25 records a field.
 * Returns two arrays: per entry hash appended to, the chunks not written; then, reading entries
 * here, for each item and entry it found (once each) the item (uint16 BE), the bucket (1 byte, as
 * in ARGV[4]) and the entry; otherwise per band group one string: for each record whose first
 * byte matched, the lookup's number (uint16 BE, from 0) and the record (the client checks the
 * rest of its tail, its check and its bucket).
 *
 * Before appending to a field, drops the records at its head that are 4 to 6 buckets older than
 * the reference (bits 3-5 of a record's second byte: its bucket modulo 8); records are appended
 * in arrival order, so that is where expired ones gather.
 */
const FIND_AND_ADD_RECORDS = `${ENTRY_AT}${APPEND_AT}
local byte, char, find, sub, floor = string.byte, string.char, string.find, string.sub, math.floor
local reference, groups, ranges = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local base, size, per = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local reading = #ranges > 0
local perGroup, entries, found, chunks, seen = {}, {}, 0, {}, {}
local appends, notWritten = tonumber(ARGV[4 * groups + 8]), {}
local long = 4 * groups + 8 + 2 * appends
for a = 1, appends do
  notWritten[a], long = appendEntries(KEYS[#KEYS - appends + a], ARGV[1], size, per, ARGV[4 * groups + 7 + 2 * a], ARGV[4 * groups + 8 + 2 * a], long)
end
local function read(item, low, check, b2, b3, b4, b5)
  local first, last = byte(ranges, 2 * item + 1, 2 * item + 2)
  local bucket = first + (floor(b2 / 8) - base - first) % 8
  if floor(b2 / 64) ~= low or bucket > last or (b5 ~= check and b5 < 128) then return end
  local k, n = groups + 4 * bucket + floor(b2 / 2) % 4 + 1, (b2 % 2) * 65536 + 256 * b3 + b4
  local handle = (256 * item + k) * 131072 + n
  if seen[handle] then return end
  seen[handle] = true
  local entry = entryAt(KEYS[k], n, size, per, chunks)
  if #entry >= size then
    found = found + 1
    entries[found] = char(floor(item / 256), item % 256, bucket) .. entry
  end
end
for k = 1, groups do
  local packedFields, counts, records, lookups = ARGV[4 * k + 4], ARGV[4 * k + 5], ARGV[4 * k + 6], ARGV[4 * k + 7]
  local fields, count = {}, #packedFields / 3
  for j = 1, count do fields[j] = sub(packedFields, 3 * j - 2, 3 * j) end
  local values = {}
  if count > 0 then values = redis.call('HMGET', KEYS[k], unpack(fields)) end
  local matches, matched = {}, 0
  for i = 1, #lookups / 7 do
    local p1, p2, i1, i2, high, low, check = byte(lookups, 7 * i - 6, 7 * i)
    local old = values[256 * p1 + p2 + 1]
    if old then
      local wanted, at = char(high), 1
      while true do
        at = find(old, wanted, at, true)
        if not at then break end
        if at % 5 == 1 then
          if reading then read(256 * i1 + i2, low, check, byte(old, at + 1, at + 4))
          else
            matched = matched + 1
            matches[matched] = char(floor((i - 1) / 256), (i - 1) % 256) .. sub(old, at, at + 4)
          end
        end
        at = at + 5 - (at - 1) % 5
      end
    end
  end
  if #counts > 0 then
    local writes, written, at = {}, 0, 1
    for j = 1, count do
      local c1, c2 = byte(counts, 2 * j - 1, 2 * j)
      local appended = 5 * (256 * c1 + c2)
      if appended > 0 then
        local old = values[j] or ''
        local from = 1
        while reference >= 0 and from < #old do
          local age = (reference - floor(byte(old, from + 1) / 8) % 8) % 8
          if age < 4 or age > 6 then break end
          from = from + 5
        end
        if from > 1 then old = sub(old, from) end
        writes[written + 1] = fields[j]
        writes[written + 2] = old .. sub(records, at, at + appended - 1)
        written = written + 2
        at = at + appended
      end
    end
    redis.call('HSET', KEYS[k], unpack(writes))
    redis.call('PEXPIRE', KEYS[k], ARGV[1])
  end
  perGroup[k] = table.concat(matches)
end
if reading then return {notWritten, entries} end
return {notWritten, perGroup}`;

/**
 * KEYS[1] a band group's hash. ARGV[1] the ttl (ms) of the layout-4 hash the records come from
 * (0: none), then pairs of a field and records migrated to it (see near-duplicate-migration.ts).
 * Puts each field's migrated records before those it holds (they are older: records are kept
 * in arrival order, and trimming drops them from the head), and keeps the longer ttl. Returns
 * the number of fields written.
 */
const PREPEND_RECORDS = `
local key, ttl = KEYS[1], tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1] .. (redis.call('HGET', key, ARGV[i]) or ''))
end
if ttl > 0 and redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return (#ARGV - 1) / 2`;

/**
 * KEYS[1] a band group's hash of layout 4. Takes it in one step: returns its ttl (ms; -1: none)
 * and its fields and values (flat), and deletes it; nothing when there is none. So of two
 * starts migrating at once only one moves the records (both would put them in twice), and a
 * record an older Herald appends meanwhile is either taken or left for the next start, never
 * deleted unmoved.
 */
const TAKE_HASH = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return false end
local flat = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return {ttl, flat}`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNdReserveChunks(key: string, ttlMs: number, chunks: number): Result<number, Context>;
    heraldNdPrependRecords(key: string, ttlMs: number, ...fieldsAndRecords: Buffer[]): Result<number, Context>;
    heraldNdTakeHashBuffer(key: string): Result<[number, Buffer[]] | null, Context>;
    heraldNdAppendEntries(key: string, ttlMs: number, entrySize: number, perChunk: number, ordinals: Buffer, entries: Buffer, ...longIds: Buffer[]): Result<number[], Context>;
    heraldNdReadEntriesBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>): Result<Buffer[], Context>;
    heraldNdFindAndAddRecordsBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>): Result<[number[][], Buffer[]], Context>;
  }
}

/** Defines the near-duplicate scripts on a connection (idempotent). */
export function withNearDuplicateScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldNdAppendEntries) {
    redis.defineCommand('heraldNdReserveChunks', { numberOfKeys: 1, lua: RESERVE_CHUNKS });
    redis.defineCommand('heraldNdPrependRecords', { numberOfKeys: 1, lua: PREPEND_RECORDS });
    redis.defineCommand('heraldNdTakeHash', { numberOfKeys: 1, lua: TAKE_HASH });
    redis.defineCommand('heraldNdAppendEntries', { numberOfKeys: 1, lua: APPEND_ENTRIES });
    redis.defineCommand('heraldNdReadEntries', { lua: READ_ENTRIES });
    redis.defineCommand('heraldNdFindAndAddRecords', { lua: FIND_AND_ADD_RECORDS });
  }
  return redis;
}
