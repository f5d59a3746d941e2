/**
 * A rate limiter shared by every worker process through Redis. Each bucket is a sliding log:
 * at most `limit` admissions in any window of `perMs`. A caller reserves the earliest instant
 * at which all its buckets admit one more (one atomic Lua call), then sleeps until then: no
 * polling, no thundering herd, first come first served across processes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/** One limit to honour, e.g. `{ key: 'telegram:chat:42', limit: 1, perMs: 1000 }`. */
export interface RateBucket {
  key: string;
  /** Admissions allowed in any window of `perMs`. */
  limit: number;
  perMs: number;
}

/** A reserved slot: when (Redis clock, ms since the epoch) and how long to wait for it. */
export interface Reservation {
  atMs: number;
  waitMs: number;
}

/*
 * Times are whole microseconds (exact in doubles), so a reservation computed as "an earlier
 * admission + the window" lands exactly on the window edge and never a rounding error inside.
 *
 * A reservation may sit between two reservations made earlier (a message held back by its
 * chat's limit must not hold back the global bucket for other chats), so each position in the
 * log is tried. With instants e[1..n] sorted, placing t after e[k] keeps every run of
 * limit+1 consecutive instants at least perMs wide iff:
 *   t >= e[k+1-L] + P,  t <= e[k+L] - P,  and no run of L instants around t spans less than P.
 */
const RESERVE_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local member = ARGV[1]

local function earliest(e, L, P, from)
  local n = #e
  -- tightUpTo[k]: the last i <= k where the L instants e[i..i+L-1] span less than P.
  local tightUpTo, last = {}, 0
  for i = 1, n do
    if i + L - 1 <= n and e[i + L - 1] - e[i] < P then last = i end
    tightUpTo[i] = last
  end
  for k = 0, n do
    if k == n or e[k + 1] >= from then
      local lo, hi = from, math.huge
      if k >= 1 and e[k] > lo then lo = e[k] end
      if k >= L and e[k + 1 - L] + P > lo then lo = e[k + 1 - L] + P end
      if k < n then hi = e[k + 1] end
      if n - k >= L and e[k + L] - P < hi then hi = e[k + L] - P end
      local tight = k >= 1 and tightUpTo[k] > 0 and tightUpTo[k] >= k + 2 - L
      if lo <= hi and not tight then return lo end
    end
  end
end

local buckets = {}
for i, key in ipairs(KEYS) do
  local L, P = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - P))
  local flat = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local e = {}
  for j = 2, #flat, 2 do e[#e + 1] = tonumber(flat[j]) end
  buckets[i] = { e = e, L = L, P = P }
end

-- Each round moves 'at' to an instant taken from the logs, so this settles quickly; the cap
-- only keeps a bug from ever blocking Redis.
local at = now
for round = 1, 10000 do
  local latest = at
  for _, b in ipairs(buckets) do
    local t = earliest(b.e, b.L, b.P, at)
    if t > latest then latest = t end
  end
  if latest == at then break end
  if round == 10000 then return redis.error_reply('rate limiter: no common slot found') end
  at = latest
end

for i, key in ipairs(KEYS) do
  local b = buckets[i]
  local newest = math.max(at, b.e[#b.e] or at)
  redis.call('ZADD', key, string.format('%.0f', at), member)
  redis.call('PEXPIRE', key, math.ceil((newest + b.P - now) / 1000) + 1)
end
return { string.format('%.0f', at), string.format('%.0f', at - now) }
`;

const RESERVE_SHA = createHash('sha1').update(RESERVE_SCRIPT).digest('hex');

function validate(buckets: readonly RateBucket[]): void {
  if (buckets.length === 0) throw new RangeError('rate limiter: acquire needs at least one bucket');
  for (const { key, limit, perMs } of buckets) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limiter: bucket "${key}" needs a whole limit of at least 1, got ${limit}`);
    if (!(perMs > 0)) throw new RangeError(`rate limiter: bucket "${key}" needs a window above 0 ms, got ${perMs}`);
  }
}

/** Rate limiting shared through Redis by every process that uses the same client prefix. */
export class RedisRateLimiter {
  private readonly instance = randomUUID();
  private sequence = 0;

  /**
   * @param redis any ioredis connection (not one in subscriber mode).
   * @param prefix put before every bucket key. On Redis Cluster, include a hash tag
   *   (e.g. `herald:ratelimit:{telegram}:`) so the buckets of one call share a slot.
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Records an admission in every bucket at the earliest instant all of them allow, and
   * returns it without waiting. The slot is taken even if the caller never uses it.
   */
  async reserve(buckets: readonly RateBucket[]): Promise<Reservation> {
    validate(buckets);
    const keys = buckets.map((bucket) => this.prefix + bucket.key);
    const args = [`${this.instance}:${this.sequence++}`, ...buckets.flatMap((b) => [b.limit, Math.round(b.perMs * 1000)])];
    const [atMicros, waitMicros] = (await this.evaluate(keys, args)) as [string, string];
    return { atMs: Number(atMicros) / 1000, waitMs: Number(waitMicros) / 1000 };
  }

  /**
   * Waits until every bucket admits one more and takes that slot in all of them.
   * @returns the admission instant (Redis clock, ms since the epoch).
   */
  async acquire(buckets: readonly RateBucket[]): Promise<number> {
    const { atMs, waitMs } = await this.reserve(buckets);
    const wakeAt = performance.now() + waitMs;
    // Node starts a timer from the event loop's cached clock, so it can fire a little early.
    for (let left = waitMs; left > 0; left = wakeAt - performance.now()) await sleep(Math.ceil(left));
    return atMs;
  }

  private async evaluate(keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.redis.evalsha(RESERVE_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(RESERVE_SCRIPT, keys.length, ...keys, ...args);
    }
  }
}
