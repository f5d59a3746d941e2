/**
 * A rate limiter shared by every worker process through Redis. Each bucket is a sliding log:
 * at most `limit` sends in any window of `perMs`.
 *
 * A caller first plans: one atomic Lua call finds the earliest instant all its buckets admit one
 * more and, unless that is now, books it as a plan so later callers line up behind it (no
 * polling, no thundering herd). When the planned instant comes, the caller commits: a second
 * call checks the buckets again at Redis's clock and only then records the send. The commit is
 * what makes pacing hold on a busy machine: a timer that fires late, or a reply that went
 * first, can never put two sends closer than the limits allow, because a send is admitted
 * against the sends actually made, at the instant it is made; a refused commit waits again.
 *
 * Two lanes: an interactive caller (a command's reply) plans around the sends made and other
 * replies only, so it goes ahead of every briefing part still waiting; a bulk caller (briefing
 * parts) commits only where it leaves room for the replies planned ahead of it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../store/client.js';

/** One limit to honour, e.g. `{ key: 'telegram:chat:42', limit: 1, perMs: 1000 }`. */
export interface RateBucket {
  key: string;
  /** Admissions allowed in any window of `perMs`. */
  limit: number;
  perMs: number;
}

/** Replies to people go ahead of broadcasts; both stay within the same limits. */
export type Lane = 'interactive' | 'bulk';

/** Where a caller stands: admitted now, or told to come back and commit at `atMs`. */
export interface Reservation {
  /** Admission instant, or the planned one (Redis clock, ms since the epoch). */
  atMs: number;
  /** How long to wait before committing; 0 once admitted. */
  waitMs: number;
  /** The send was recorded in every bucket; go ahead. */
  admitted: boolean;
}

/** A plan's identity, so its commit finds it again. */
export interface LimiterTicket {
  buckets: readonly RateBucket[];
  lane: Lane;
  member: string;
  /** The planned instant (µs): the caller's place in its lane's line. */
  rankMicros: string;
}

/*
 * Times are whole microseconds (exact in doubles), so a slot computed as "an earlier admission
 * + the window" lands exactly on the window edge and never a rounding error inside.
 *
 * Each bucket has three sorted sets: the sends made (`key`) and the plans of each lane
 * (`key:plan:interactive`, `key:plan:bulk`). Which plans a caller respects:
 *   plan, interactive:   sends + interactive plans
 *   plan, bulk:          sends + every plan
 *   commit, interactive: sends + interactive plans ranked ahead of it
 *   commit, bulk:        sends + interactive plans + bulk plans ranked ahead of it
 * Only the sends made decide safety; plans only order the callers.
 *
 * A slot may sit between two instants already in the log (a message held back by its chat's
 * limit must not hold back the global bucket for other chats), so each position is tried. With
 * instants e[1..n] sorted, placing t after e[k] keeps every run of limit+1 consecutive
 * instants at least perMs wide iff:
 *   t >= e[k+1-L] + P,  t <= e[k+L] - P,  and no run of L instants around t spans less than P.
 */
const LIMITER_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
-- rank: a committing caller's planned instant; plans of its lane before it are ahead of it.
local mode, member, lane, rank, grace = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])

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

local function addScores(e, flat)
  for j = 2, #flat, 2 do e[#e + 1] = tonumber(flat[j]) end
end

local buckets = {}
for i = 1, #KEYS / 3 do
  local sent, interactive, bulk = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local L, P = tonumber(ARGV[4 + 2 * i]), tonumber(ARGV[5 + 2 * i])
  -- A commit may land up to the grace before now, so keep what lies within a window of that.
  local stale = string.format('%.0f', now - grace - P)
  for _, key in ipairs({ sent, interactive, bulk }) do redis.call('ZREMRANGEBYSCORE', key, '-inf', stale) end
  local own = lane == 'interactive' and interactive or bulk
  if mode == 'commit' then redis.call('ZREM', own, member) end
  local e = {}
  addScores(e, redis.call('ZRANGE', sent, 0, -1, 'WITHSCORES'))
  local ahead = mode == 'commit' and '(' .. rank or '+inf'
  addScores(e, redis.call('ZRANGEBYSCORE', interactive, '-inf', lane == 'interactive' and ahead or '+inf', 'WITHSCORES'))
  if lane == 'bulk' then addScores(e, redis.call('ZRANGEBYSCORE', bulk, '-inf', ahead, 'WITHSCORES')) end
  table.sort(e)
  buckets[i] = { sent = sent, own = own, e = e, L = L, P = P }
end

-- A commit only a little late may still take its planned instant (see COMMIT_GRACE_MS).
local from = now
if mode == 'commit' then from = math.max(now - grace, tonumber(rank)) end

-- Each round moves 'at' to an instant taken from the logs, so this settles quickly; the cap
-- only keeps a bug from ever blocking RedisClient.
local at = from
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

local admitted = at <= now
local score = string.format('%.0f', at)
for _, b in ipairs(buckets) do
  local key = admitted and b.sent or b.own
  redis.call('ZADD', key, score, member)
  local newest = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
  redis.call('PEXPIRE', key, math.ceil((math.max(newest, at) + b.P + grace - now) / 1000) + 1)
end
return { score, string.format('%.0f', at - now), admitted and 1 or 0 }
`;

/**
 * A commit at most this late keeps its planned instant. Timers fire a millisecond or two late
 * even on an idle machine; re-timing every send by that would cost some 4% of the rate, and
 * the pacing's margins (Telegram's windows are paced 10% longer) cover a few milliseconds.
 * A send later than this is admitted, or refused, at the instant it is really made.
 */
const COMMIT_GRACE_MS = 5;

const LIMITER_SHA = createHash('sha1').update(LIMITER_SCRIPT).digest('hex');

function validate(buckets: readonly RateBucket[]): void {
  if (buckets.length === 0) throw new RangeError('rate limiter: acquire needs at least one bucket');
  for (const { key, limit, perMs } of buckets) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limiter: bucket "${key}" needs a whole limit of at least 1, got ${limit}`);
    if (!(perMs > 0)) throw new RangeError(`rate limiter: bucket "${key}" needs a window above 0 ms, got ${perMs}`);
  }
}

/** Sleeps `ms` by the monotonic clock: Node starts a timer from the event loop's cached clock, so one can fire a little early. */
async function sleepFully(ms: number): Promise<void> {
  const wakeAt = performance.now() + ms;
  for (let left = ms; left > 0; left = wakeAt - performance.now()) await sleep(Math.ceil(left));
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
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /**
   * Admits one send now if every bucket allows it, or plans it at the earliest instant they all
   * do (call `commit` then). A plan holds its place even if the caller never commits.
   */
  async reserve(buckets: readonly RateBucket[], lane: Lane = 'bulk'): Promise<Reservation & { ticket: LimiterTicket }> {
    validate(buckets);
    const member = `${this.instance}:${this.sequence++}`;
    return this.run('plan', { buckets, lane, member, rankMicros: '0' });
  }

  /**
   * Checks a planned send again at Redis's clock: admitted if the buckets still allow it now,
   * else a new instant to try again at (a late caller, or a reply that went ahead).
   */
  async commit(ticket: LimiterTicket): Promise<Reservation & { ticket: LimiterTicket }> {
    return this.run('commit', ticket);
  }

  /**
   * Waits until every bucket admits one more and records the send in all of them.
   * @returns the admission instant (Redis clock, ms since the epoch).
   */
  async acquire(buckets: readonly RateBucket[], options: { lane?: Lane } = {}): Promise<number> {
    let reservation = await this.reserve(buckets, options.lane);
    while (!reservation.admitted) {
      await sleepFully(reservation.waitMs);
      reservation = await this.commit(reservation.ticket);
    }
    return reservation.atMs;
  }

  private async run(mode: 'plan' | 'commit', ticket: LimiterTicket): Promise<Reservation & { ticket: LimiterTicket }> {
    const keys = ticket.buckets.flatMap(({ key }) => {
      const full = this.prefix + key;
      return [full, `${full}:plan:interactive`, `${full}:plan:bulk`];
    });
    const args = [mode, ticket.member, ticket.lane, ticket.rankMicros, COMMIT_GRACE_MS * 1000, ...ticket.buckets.flatMap((b) => [b.limit, Math.round(b.perMs * 1000)])];
    const [atMicros, waitMicros, admitted] = (await this.evaluate(keys, args)) as [string, string, number];
    return { atMs: Number(atMicros) / 1000, waitMs: Number(waitMicros) / 1000, admitted: admitted === 1, ticket: { ...ticket, rankMicros: atMicros } };
  }

  private async evaluate(keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.redis.evalsha(LIMITER_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(LIMITER_SCRIPT, keys.length, ...keys, ...args);
    }
  }
}
