import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from '../store/client.js';

/**
 * The poll schedule's Lua scripts (see PollQueue). Each runs as one unit, so workers racing for
 * due feeds never claim one feed twice, and a batch of finished polls is written at once: one
 * round trip and a handful of commands per batch rather than per feed.
 */

/**
 * KEYS[1] due, KEYS[2] leases, KEYS[3] asked; ARGV[1] now (ms), ARGV[2] at most this many feeds,
 * ARGV[3] lease (ms). Claims the feeds due by now, earliest first: each one's due time moves to
 * the end of its lease, so a worker that dies mid-poll leaves its feeds to be claimed again when
 * the lease lapses. A due feed whose poll is still in flight (asked for again meanwhile, or its
 * due time lowered by a re-sync) is not claimed twice: it is marked as asked, to be polled again
 * once that poll finishes, and waits for the end of its lease. Returns the claimed ids.
 */
const CLAIM_DUE = `
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
if #due == 0 then return due end
local held = redis.call('ZMSCORE', KEYS[2], unpack(due))
local expiry = now + tonumber(ARGV[3])
local rescored, leased, claimed, busy = {}, {}, {}, {}
for i, id in ipairs(due) do
  local until_ms = held[i] and tonumber(held[i])
  if until_ms and until_ms > now then
    busy[#busy + 1] = id
    rescored[#rescored + 1] = until_ms
  else
    claimed[#claimed + 1] = id
    rescored[#rescored + 1] = expiry
    leased[#leased + 1] = expiry
    leased[#leased + 1] = id
  end
  rescored[#rescored + 1] = id
end
redis.call('ZADD', KEYS[1], unpack(rescored))
if #claimed > 0 then redis.call('ZADD', KEYS[2], unpack(leased)) end
if #busy > 0 then redis.call('SADD', KEYS[3], unpack(busy)) end
return claimed`;

/**
 * KEYS[1] due, KEYS[2] leases, KEYS[3] asked, then for each finished poll its feed record and
 * its state. ARGV[1] now (ms), then for each poll: feed id, next due time ('' drops the feed
 * from the schedule: disabled), '1' to replace the state hash ('0' to update fields), the number
 * of field/value pairs, the pairs. A feed removed meanwhile (no record) gets no state and leaves
 * the schedule; one asked for during its poll is due again then (now, if a claim marked it as
 * asked; else at the earlier due time it was given). Every lease given is released.
 * Returns how many states were written.
 */
const FINISH_POLLS = `
local now = ARGV[1]
local arg = 2
local rescheduled, ids, dropped, released = {}, {}, {}, {}
local written = 0
for k = 4, #KEYS, 2 do
  local id, next_due, replace, count = ARGV[arg], ARGV[arg + 1], ARGV[arg + 2], tonumber(ARGV[arg + 3])
  released[#released + 1] = id
  if redis.call('EXISTS', KEYS[k]) == 1 then
    if replace == '1' then redis.call('DEL', KEYS[k + 1]) end
    if count > 0 then redis.call('HSET', KEYS[k + 1], unpack(ARGV, arg + 4, arg + 3 + 2 * count)) end
    written = written + 1
  else
    next_due = ''
  end
  if next_due == '' then
    dropped[#dropped + 1] = id
  else
    ids[#ids + 1] = id
    rescheduled[#rescheduled + 1] = next_due
    rescheduled[#rescheduled + 1] = id
  end
  arg = arg + 4 + 2 * count
end
if #ids > 0 then
  local asked = redis.call('SMISMEMBER', KEYS[3], unpack(ids))
  local due = redis.call('ZMSCORE', KEYS[1], unpack(ids))
  local held = redis.call('ZMSCORE', KEYS[2], unpack(ids))
  local again = {}
  for i, id in ipairs(ids) do
    if asked[i] == 1 then
      rescheduled[2 * i - 1] = now
      again[#again + 1] = id
    elseif due[i] and held[i] and tonumber(due[i]) < tonumber(held[i]) and tonumber(due[i]) < tonumber(rescheduled[2 * i - 1]) then
      -- Its due time was moved before its lease's end during the poll (asked for again before
      -- any claim saw it, or re-synced): that earlier time stands.
      rescheduled[2 * i - 1] = due[i]
    end
  end
  if #again > 0 then redis.call('SREM', KEYS[3], unpack(again)) end
  redis.call('ZADD', KEYS[1], unpack(rescheduled))
end
if #dropped > 0 then redis.call('ZREM', KEYS[1], unpack(dropped)) end
if #released > 0 then redis.call('ZREM', KEYS[2], unpack(released)) end
return written`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldClaimDuePolls(dueKey: string, leasesKey: string, askedKey: string, now: number, limit: number, leaseMs: number): Result<string[], Context>;
    heraldFinishPolls(keyCount: number, ...keysThenArgs: (string | number)[]): Result<number, Context>;
  }
}

/** Defines the poll schedule's scripts on a connection (idempotent); ioredis calls them by SHA. */
export function withPollScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldFinishPolls) {
    redis.defineCommand('heraldClaimDuePolls', { numberOfKeys: 3, lua: CLAIM_DUE });
    redis.defineCommand('heraldFinishPolls', { lua: FINISH_POLLS });
  }
  return redis;
}
