import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts of the near-duplicate index (layout: near-duplicate-index.ts). Each touches one
 * key, or several keys of one band (which share a hash tag), so each runs on one node of a
 * Redis Cluster; a batch of items costs one call per band and one per entry shard.
 */

/**
 * KEYS[1] an entry string (one shard, one time bucket). ARGV[1] ttl (ms), ARGV[2] largest offset
 * allowed, ARGV[3…] encoded entries. Appends each entry and returns its offset, or -1 when the
 * string is full (the item is then left out of the index: a missed match, never a wrong one).
 */
const APPEND_ENTRIES = `
local offsets = {}
for i = 3, #ARGV do
  local offset = redis.call('STRLEN', KEYS[1])
  if offset > tonumber(ARGV[2]) then
    offsets[#offsets + 1] = -1
  else
    redis.call('APPEND', KEYS[1], ARGV[i])
    offsets[#offsets + 1] = offset
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return offsets`;

/**
 * KEYS[1] an entry string. ARGV: offsets. Returns the entry at each offset (its first two bytes
 * give its length), or an empty string where the string has expired meanwhile.
 */
const READ_ENTRIES = `
local entries = {}
for i = 1, #ARGV do
  local offset = tonumber(ARGV[i])
  local size = redis.call('GETRANGE', KEYS[1], offset, offset + 1)
  if #size < 2 then
    entries[i] = ''
  else
    entries[i] = redis.call('GETRANGE', KEYS[1], offset, offset + string.byte(size, 1) + 256 * string.byte(size, 2) - 1)
  end
end
return entries`;

/**
 * KEYS: the band's bucket hashes (one band, several time buckets). ARGV[1] ttl (ms), then
 * triples: key index (1-based), field, record. Appends each record to its field.
 */
const ADD_RECORDS = `
for i = 2, #ARGV, 3 do
  local key = KEYS[tonumber(ARGV[i])]
  redis.call('HSET', key, ARGV[i + 1], (redis.call('HGET', key, ARGV[i + 1]) or '') .. ARGV[i + 2])
end
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return 1`;

/**
 * KEYS: the band's bucket hashes. ARGV: per query, five values: first and last key index
 * (1-based) of its time range, field, the two tail bytes to match (the second's low four bits
 * belong to the handle). Returns per query one string: for every match, the key index (one
 * byte) and the record's last four bytes (four tail bits, then the handle).
 */
const FIND_RECORDS = `
local found = {}
for q = 1, #ARGV, 5 do
  local matches = {}
  local tail1, tail2 = tonumber(ARGV[q + 3]), tonumber(ARGV[q + 4])
  for k = tonumber(ARGV[q]), tonumber(ARGV[q + 1]) do
    local records = redis.call('HGET', KEYS[k], ARGV[q + 2])
    if records then
      for r = 1, #records, 5 do
        local second = string.byte(records, r + 1)
        if string.byte(records, r) == tail1 and second - second % 16 == tail2 then
          matches[#matches + 1] = string.char(k) .. string.sub(records, r + 1, r + 4)
        end
      end
    end
  end
  found[#found + 1] = table.concat(matches)
end
return found`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldNdAppendEntries(key: string, ttlMs: number, maxOffset: number, ...entries: Buffer[]): Result<number[], Context>;
    heraldNdReadEntriesBuffer(key: string, ...offsets: number[]): Result<Buffer[], Context>;
    heraldNdAddRecords(numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>): Result<number, Context>;
    heraldNdFindRecordsBuffer(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Result<Buffer[], Context>;
  }
}

/** Defines the near-duplicate scripts on a connection (idempotent). */
export function withNearDuplicateScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldNdAppendEntries) {
    redis.defineCommand('heraldNdAppendEntries', { numberOfKeys: 1, lua: APPEND_ENTRIES });
    redis.defineCommand('heraldNdReadEntries', { numberOfKeys: 1, lua: READ_ENTRIES });
    redis.defineCommand('heraldNdAddRecords', { lua: ADD_RECORDS });
    redis.defineCommand('heraldNdFindRecords', { lua: FIND_RECORDS });
  }
  return redis;
}
