import type { Result, ClientContext } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts the store needs for atomic check-and-write steps. A script runs as one unit on the
 * server, so two workers racing cannot interleave between the check and the write.
 */

/** KEYS[1] guard, KEYS[2] target hash; ARGV[1] '1' to replace the hash, then field/value pairs. */
const HSET_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' then redis.call('DEL', KEYS[2]) end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 1`;

/**
 * KEYS[1] a hash; ARGV[1] a field, ARGV[2] its value, ARGV[3] the hash's ttl (s). One write set
 * with its ttl, as a MULTI would, in one command: a delivery records each part it sends this way,
 * and ioredis builds every MULTI as a pipeline that copies each script defined on the connection
 * (BullMQ's dozens included), which cost more CPU than the rest of recording the part.
 */
const HSET_WITH_TTL = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('EXPIRE', KEYS[1], ARGV[3])`;

/**
 * A seen marker's value (an item's id) or a recorded copy, while the poll that wrote it has not
 * handed it on yet (placed the item into a story, alerted the copy: see ItemStore), is marked
 * pending since that poll's time: `~<ms>~<value>`.
 */
const PENDING_MARK = '~';
const PENDING_PATTERN = `^${PENDING_MARK}(%d+)${PENDING_MARK}(.*)$`;

/** `value` marked pending since `since` (ms). */
export function pendingValue(value: string, since: number): string {
  return `${PENDING_MARK}${since}${PENDING_MARK}${value}`;
}

/** A stored value without its pending mark, and since when it is pending (undefined: it is not). */
export function readPending(stored: string): { value: string; pendingSince: number | undefined } {
  if (!stored.startsWith(PENDING_MARK)) return { value: stored, pendingSince: undefined };
  const end = stored.indexOf(PENDING_MARK, PENDING_MARK.length);
  return { value: stored.slice(end + PENDING_MARK.length), pendingSince: Number(stored.slice(PENDING_MARK.length, end)) };
}

/**
 * KEYS[1] an item's copies (a hash); ARGV[1] the copy's feed, ARGV[2] the copy (marked pending),
 * ARGV[3] the hash's ttl (s), ARGV[4] a time (ms). Records the copy unless its feed's is recorded
 * already (the first stays), and renews the ttl either way. Returns 1 when recorded now, or still
 * pending since before that time (a poll recorded it and stopped before alerting it); 2 when
 * pending since that time or later (another poll's to alert, under way or just failed); else 0.
 */
const RECORD_COPY = `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
if not held then return 1 end
local since = string.match(held, '${PENDING_PATTERN}')
if not since then return 0 end
if tonumber(since) < tonumber(ARGV[4]) then return 1 end
return 2`;

/** KEYS[1] an item's copies; ARGV[1] a copy's feed. Takes the pending mark off the copy (it was alerted). */
const SETTLE_COPY = `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then return 0 end
local _, settled = string.match(held, '${PENDING_PATTERN}')
if settled then redis.call('HSET', KEYS[1], ARGV[1], settled) end
return 1`;

/**
 * KEYS[1] a seen marker; ARGV[1] an item's id, ARGV[2] ttl (s). Takes the pending mark off the
 * marker if it holds the item pending (the item was handed on). Returns 1 when it did. A breaking
 * alert's marker is settled the same way, holding the alert's briefing id (it was fanned out).
 */
const SETTLE_MARKER = `
local _, holder = string.match(redis.call('GET', KEYS[1]) or '', '${PENDING_PATTERN}')
if holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/**
 * KEYS[1] a seen marker; ARGV[1] the claiming item's id (marked pending, see pendingValue, when
 * the item may be stored), ARGV[2] ttl (s), ARGV[3] '1' to claim the marker when nobody holds
 * it, '0' only to look. Refreshes the ttl of a held marker. Returns the marker's value, pending
 * mark and all ('' when unheld and only looked at), and 1 when claimed just now, else 0.
 */
const CLAIM_MARKER = `
local owner = redis.call('GET', KEYS[1])
if owner then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return { owner, 0 }
end
if ARGV[3] ~= '1' then return { '', 0 } end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return { ARGV[1], 1 }`;

/**
 * KEYS[1] a seen marker of a duplicate; ARGV[1] the duplicate's id, ARGV[2] the id of the item
 * it duplicates, ARGV[3] ttl (s). The marker is handed to that item when the duplicate holds it
 * (pending or not) or nobody does (so what matches the copy matches the original), else only refreshed.
 */
const HAND_OVER_MARKER = `
local owner = redis.call('GET', KEYS[1])
local _, pendingOwner = string.match(owner or '', '${PENDING_PATTERN}')
if not owner or owner == ARGV[1] or pendingOwner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
else
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1`;

/**
 * KEYS[1] a breaking alert's marker; ARGV[1] the alert's briefing id, ARGV[2] the time (ms),
 * ARGV[3] ttl (s), ARGV[4] a time (ms). Claims the marker, pending since ARGV[2], when nobody
 * holds it or it is still pending since before ARGV[4] (its alert was claimed and never fanned
 * out): such a marker keeps its briefing id, so the alert it may have fanned out is not sent
 * again under another. Returns the briefing id claimed, or nil when held (alerted, or being alerted).
 */
const CLAIM_ALERT = `
local held = redis.call('GET', KEYS[1])
local since, briefing = string.match(held or '', '${PENDING_PATTERN}')
if held and not (since and tonumber(since) < tonumber(ARGV[4])) then return false end
briefing = briefing or ARGV[1]
redis.call('SET', KEYS[1], '${PENDING_MARK}' .. ARGV[2] .. '${PENDING_MARK}' .. briefing, 'EX', ARGV[3])
return briefing`;

/** KEYS[1] lock; ARGV[1] the holder's token, ARGV[2] ms. Extends the lock only if this holder still owns it. */
const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS[1] lock; ARGV[1] the holder's token. Deletes the lock only if this holder still owns it. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * KEYS hashes (all in one slot); ARGV the fields to read, or none for every field. Returns, for
 * each key in order, HMGET's values (null where absent) or HGETALL's flat field/value list.
 * Thousands of hashes in a few calls: ioredis spends ~20 µs of CPU on each command of a
 * pipeline, which 20,000 HGETALLs at start-up made the largest part of reading the catalogue.
 */
const READ_HASHES = `
local replies = {}
for i, key in ipairs(KEYS) do
  if #ARGV == 0 then replies[i] = redis.call('HGETALL', key) else replies[i] = redis.call('HMGET', key, unpack(ARGV)) end
end
return replies`;

/**
 * KEYS[1] the feed index, KEYS[2] the URL → id map, then for each new feed its record, its set of
 * URLs, and the record of the feed the caller found its URL leading to (its own record when none).
 * ARGV for each feed: id, URL, the id the caller found its URL leading to with no record behind it
 * ('' for none), index score, the number of field/value pairs, the pairs. Stores a batch of new
 * feeds in one step (FeedStore.addMany): a command or two a feed from the client made a first
 * start with 10,000 config feeds spend ~0.4 s of CPU in ioredis.
 * A feed whose URL leads to a feed already (another process stored it since the caller looked)
 * is left alone: it is stored once, by one process. Returns 1 for each feed stored, 0 for each left.
 * A URL still leading where the caller found no record is free, not taken: an older Herald, whose
 * removals and redirect moves were not one step each, can have left such an entry, and the caller, refused,
 * would find the same and try again for ever. That it is still free is checked here, on the record of
 * the feed it leads to: that feed can have come back since the caller looked (added again, by another
 * process or by an earlier feed of this very call, under the id of the URL it was first added with),
 * and the URL is then its, as the caller looking again would find.
 */
const ADD_FEEDS = `
local arg = 1
local stored = {}
for k = 3, #KEYS, 3 do
  local id, url, stale, score, count = ARGV[arg], ARGV[arg + 1], ARGV[arg + 2], ARGV[arg + 3], tonumber(ARGV[arg + 4])
  local holder = redis.call('HGET', KEYS[2], url)
  if not holder or (holder == stale and redis.call('EXISTS', KEYS[k + 2]) == 0) then
    redis.call('HSET', KEYS[2], url, id)
    redis.call('HSET', KEYS[k], unpack(ARGV, arg + 5, arg + 4 + 2 * count))
    redis.call('SADD', KEYS[k + 1], url)
    redis.call('ZADD', KEYS[1], 'NX', score, id)
    stored[#stored + 1] = 1
  else
    stored[#stored + 1] = 0
  end
  arg = arg + 5 + 2 * count
end
return stored`;

/**
 * KEYS[1] a feed record, KEYS[2] the URL → id map, KEYS[3] the feed's set of URLs, KEYS[4] the
 * record of the feed the caller found the new URL leading to (KEYS[1] when none); ARGV[1] the
 * feed's id, ARGV[2] the new URL, ARGV[3] the id the caller found it leading to ('' for none).
 * Moves the feed to the URL in one step (FeedStore.updateUrl), so no removal or add can come
 * between the record's write and the URL's. The URL is taken only while free, already the
 * feed's, or leading to a feed with no record; a URL leading to another feed stays that feed's.
 * A URL that changed hands since the caller looked is not taken either. Returns 1 when moved.
 */
const MOVE_FEED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local holder = redis.call('HGET', KEYS[2], ARGV[2]) or ''
if holder ~= ARGV[1] and (holder ~= ARGV[3] or (holder ~= '' and redis.call('EXISTS', KEYS[4]) == 1)) then return 0 end
redis.call('HSET', KEYS[1], 'url', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return 1`;

/**
 * KEYS[1] the feed index, KEYS[2] the URL → id map, KEYS[3] the feed's record, KEYS[4] its poll
 * state, KEYS[5] its set of URLs, KEYS[6..8] the poll schedule's due times, leases and asks
 * (what leavePollSchedule clears for PollQueue.unschedule); ARGV[1] the feed's id. Removes the
 * feed in one step (FeedStore.remove): its URLs are read and cleared with the rest, so a move
 * landing between the read and the write cannot leave a URL behind. A URL of its set that leads
 * to another feed now is left to that one. Returns 1 when the feed was in the index.
 */
const REMOVE_FEED = `
for _, url in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  if redis.call('HGET', KEYS[2], url) == ARGV[1] then redis.call('HDEL', KEYS[2], url) end
end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
redis.call('SREM', KEYS[8], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])`;

/**
 * KEYS[1] a counter, KEYS[2] the key of the newest thing it numbered; ARGV[1] the counter as read.
 * Deletes the counter when it still holds that value and that key is gone (expired), so no
 * writer is using it. Returns 1 when deleted.
 */
const DELETE_IDLE_COUNTER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return redis.call('DEL', KEYS[1])`;

/**
 * Key-layout migration (migrate-layout.ts). KEYS[1] an old key, KEYS[2] its new name; ARGV[1] '1' for the URL → id map. Renames, or, when
 * the new key exists (an older Herald still running wrote the old one after a migration),
 * merges a set or sorted set into it, and the URL map without changing a URL the new one
 * holds. A record (feed, state, subscription) the new layout holds already is left alone: the
 * new one is the newer. Returns 1 when the key moved.
 */
const MOVE_KEY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('RENAMENX', KEYS[1], KEYS[2]) == 1 then return 1 end
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'set' then
  redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[1])
elseif kind == 'zset' then
  redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], KEYS[1], 'AGGREGATE', 'MIN')
elseif ARGV[1] == '1' then
  local flat = redis.call('HGETALL', KEYS[1])
  for i = 1, #flat, 2 do redis.call('HSETNX', KEYS[2], flat[i], flat[i + 1]) end
else
  return 0
end
redis.call('DEL', KEYS[1])
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldAddFeeds(keyCount: number, ...keysThenArgs: (string | number)[]): Result<Array<0 | 1>, Context>;
    heraldMoveFeed(feedKey: string, urlMapKey: string, urlsOfFeedKey: string, holderFeedKey: string, feedId: string, url: string, holderId: string): Result<number, Context>;
    heraldRemoveFeed(
      feedIndexKey: string,
      urlMapKey: string,
      feedKey: string,
      feedStateKey: string,
      urlsOfFeedKey: string,
      pollDueKey: string,
      pollLeasesKey: string,
      pollAskedKey: string,
      feedId: string,
    ): Result<number, Context>;
    heraldReadHashes(keyCount: number, ...keysThenFields: string[]): Result<Array<Array<string | null>>, Context>;
    heraldHsetIfExists(guardKey: string, targetKey: string, replace: '0' | '1', ...fieldsAndValues: string[]): Result<number, Context>;
    heraldHsetWithTtl(key: string, field: string, value: string, ttlSeconds: string): Result<number, Context>;
    heraldRecordCopy(copiesKey: string, feedId: string, pendingCopy: string, ttlSeconds: string, staleBefore: number): Result<0 | 1 | 2, Context>;
    heraldSettleCopy(copiesKey: string, feedId: string): Result<number, Context>;
    heraldSettleMarker(markerKey: string, itemId: string, ttlSeconds: string): Result<number, Context>;
    heraldClaimMarker(markerKey: string, itemId: string, ttlSeconds: string, claim: '0' | '1'): Result<[string, number], Context>;
    heraldHandOverMarker(markerKey: string, itemId: string, ownerId: string, ttlSeconds: string): Result<number, Context>;
    heraldClaimAlert(markerKey: string, briefingId: string, now: number, ttlSeconds: string, staleBefore: number): Result<string | null, Context>;
    heraldRenewLock(lockKey: string, token: string, ttlMs: string): Result<number, Context>;
    heraldReleaseLock(lockKey: string, token: string): Result<number, Context>;
    heraldDeleteIdleCounter(counterKey: string, newestKey: string, value: string): Result<number, Context>;
    heraldMoveKey(oldKey: string, newKey: string, urlMap: '0' | '1'): Result<number, Context>;
  }
}

/**
 * Defines Herald's scripts on a connection (idempotent). ioredis then calls them by SHA and
 * reloads them by itself after a Redis restart.
 */
export function withStoreScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldReadHashes) {
    redis.defineCommand('heraldReadHashes', { lua: READ_HASHES });
    redis.defineCommand('heraldAddFeeds', { lua: ADD_FEEDS });
    redis.defineCommand('heraldMoveFeed', { numberOfKeys: 4, lua: MOVE_FEED });
    redis.defineCommand('heraldRemoveFeed', { numberOfKeys: 8, lua: REMOVE_FEED });
    redis.defineCommand('heraldHsetIfExists', { numberOfKeys: 2, lua: HSET_IF_EXISTS });
    redis.defineCommand('heraldHsetWithTtl', { numberOfKeys: 1, lua: HSET_WITH_TTL });
    redis.defineCommand('heraldRecordCopy', { numberOfKeys: 1, lua: RECORD_COPY });
    redis.defineCommand('heraldSettleCopy', { numberOfKeys: 1, lua: SETTLE_COPY });
    redis.defineCommand('heraldSettleMarker', { numberOfKeys: 1, lua: SETTLE_MARKER });
    redis.defineCommand('heraldClaimMarker', { numberOfKeys: 1, lua: CLAIM_MARKER });
    redis.defineCommand('heraldHandOverMarker', { numberOfKeys: 1, lua: HAND_OVER_MARKER });
    redis.defineCommand('heraldClaimAlert', { numberOfKeys: 1, lua: CLAIM_ALERT });
    redis.defineCommand('heraldRenewLock', { numberOfKeys: 1, lua: RENEW_LOCK });
    redis.defineCommand('heraldReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
    redis.defineCommand('heraldDeleteIdleCounter', { numberOfKeys: 2, lua: DELETE_IDLE_COUNTER });
    redis.defineCommand('heraldMoveKey', { numberOfKeys: 2, lua: MOVE_KEY });
  }
  return redis;
}
