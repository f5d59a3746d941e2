/**
 * A rate limiter shared by every worker process through Redis. Each bucket is a sliding log:
 * at most `limit` sends in any window of `perMs`.
 *
 * A caller first plans: one atomic Lua call finds the earliest instant all its buckets admit one
 * more and, unless that is now, books it as a plan so later callers line up behind it (no
 * polling, no thundering herd). When the planned instant comes, the caller commits: a second
 * call checks the buckets again at Redis's clock and only then records the send. The commit is
 * what keeps a timer that fires late, or a reply that went first, from putting two sends closer
 * than the limits allow: a send is admitted against the sends actually made, at the instant it
 * is made; a refused commit waits again. A plan far ahead rests on guesses of when the sends
 * before it will be answered; halfway there they are back, and it is moved to the slot they
 * leave, so its commit is not refused for a guess that was off.
 *
 * And a send counts from its admission until its answer is back. The platform counts a message
 * when it arrives, which may be any time between the two: a process stalled after its admission
 * (a busy machine, a garbage collection, a slow network) writes the request late. So while a
 * send is in flight it counts at the present instant, as if arriving just now, and once settled
 * at the instant its answer was back, the latest it can have arrived. However late a request
 * goes out, the sends admitted after it keep their distance from it; no margin has to guess
 * how late that can be (see `send`).
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
  /** How long to wait before committing; once admitted, before sending (a slot just ahead), else 0 or less. */
  waitMs: number;
  /** The send was recorded in every bucket; go ahead. */
  admitted: boolean;
  /**
   * Not admitted, the instant rests on guesses of when answers still to come will be back (sends
   * in flight, or plans): it may move once they are. Else a settled send's answer fixed it.
   */
  guessed: boolean;
}

/** A plan's identity, so its commit finds it again. */
export interface LimiterTicket {
  buckets: readonly RateBucket[];
  lane: Lane;
  member: string;
  /** The planned instant (µs): the caller's place in its lane's line. */
  rankMicros: string;
}

/**
 * Platforms' windows are paced this much longer. A send counts from its admission until its
 * answer is back, so no delay between Herald and the platform can bunch messages; the margin
 * only covers clocks: Redis's and the platform's need not tick at exactly the same rate (NTP
 * keeps them within a few hundred parts per million), and a window's edge is met to the
 * microsecond here but maybe counted to the millisecond there. 0.2% covers both twice over
 * (2 ms a second); every tenth of a percent more is as much throughput lost.
 */
export const PACING_MARGIN = 1.002;

/** A platform's limit of `limit` sends per `perMs`, paced with PACING_MARGIN. */
export function pacedWindow(limit: number, perMs: number): Pick<RateBucket, 'limit' | 'perMs'> {
  return { limit, perMs: perMs * PACING_MARGIN };
}

/*
 * Times are whole microseconds (exact in doubles), so no rounding error ever puts a slot inside
 * a window; slots are found to a tenth of a millisecond past the window's edge.
 *
 * Each bucket has four sorted sets: the sends settled (`key`, at the instant their answer was
 * back), the sends in flight (`key:flight`, at their admission), and the plans of each lane
 * (`key:plan:interactive`, `key:plan:bulk`). A send in flight counts at `now` (it may arrive
 * any moment), or at the end of its lease once that has passed (its process died mid-send).
 *
 * An instant t is free in a bucket when fewer than `limit` of the entries a caller respects lie
 * after t - perMs: then no window of perMs holding t holds `limit` others, whatever comes later.
 * That count only falls as t grows, so the earliest free instant is found by bisection, each
 * step a few ZCOUNTs: the cost grows with the log of the entries, not with them (a bucket of
 * 1,000 per second holds a thousand). Which entries a caller respects:
 *   plan, interactive:   sends + interactive plans
 *   plan, bulk:          sends + every plan
 *   commit, interactive: sends + interactive plans ranked ahead of it
 *   commit, bulk:        sends + interactive plans + bulk plans ranked ahead of it
 *   refresh:             as its commit, but answers still to come are guessed as for a plan
 *                        (so is a refused commit's next instant)
 * Only the sends made decide safety; plans only order the callers. A plan is booked in the
 * buckets that hold it back, and in those with a line of their own reaching within a window of
 * it: one held back by its chat's limit takes its place in a busy global line, so the plans made
 * meanwhile leave room for it (else they fill its instant, and its commit is refused and goes
 * again). In a global bucket with room now it keeps no place, so it never holds back other
 * chats there.
 */
const LIMITER_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
-- rank: a committing caller's planned instant; plans of its lane before it are ahead of it.
local mode, member, lane, rank = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
-- A refresh is a commit that only moves its plan (see refreshFarPlan): it never admits.
local rechecks = mode == 'commit' or mode == 'refresh'
local grace, lease = tonumber(ARGV[5]), tonumber(ARGV[6])
-- A send's expected time in flight, for plans only (a refused commit's new one included, see
-- below): the send a plan stands for, or one in flight, counts until its answer, so a plan
-- placed after it lands where its commit is admitted.
local flightGuess = (mode == 'plan' or mode == 'refresh') and tonumber(ARGV[7]) or 0
-- For a settle: how long before this call its answer was back (the caller's clock).
local answeredAgo = mode == 'settle' and tonumber(ARGV[7]) or 0
-- How long before its slot a caller may be admitted (it waits the rest out before sending).
-- Under half of every window, so a send in flight always counts against the slots admitted.
local early = tonumber(ARGV[8])
local count = #KEYS / 4

local function micros(t) return string.format('%.0f', t) end

-- Keeps a key while its newest entry can still count: up to 'lasts' after it, then a window.
local function keepFor(key, P, lasts)
  local newest = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2] or now)
  redis.call('PEXPIRE', key, math.ceil((math.max(newest, now) + lasts + P + grace - now) / 1000) + 1)
end

if mode == 'renew' then
  -- Still in flight, its process alive: it counts a lease longer, from now (only if not settled meanwhile).
  for i = 1, count do
    local flight, P = KEYS[4 * i], tonumber(ARGV[8 + 2 * i])
    if redis.call('ZADD', flight, 'XX', 'GT', 'CH', micros(now), member) == 1 then keepFor(flight, P, lease) end
  end
  return micros(now)
end

if mode == 'settle' then
  -- At the instant its answer was back, the latest it can have arrived, rather than when this
  -- call got here: the trip here (queued behind other calls on a busy Redis) is no part of it.
  local answered = now - answeredAgo
  for i = 1, count do
    local sent, flight, P = KEYS[4 * i - 3], KEYS[4 * i], tonumber(ARGV[8 + 2 * i])
    -- No sooner than its slot, had it been admitted early (or called off before it).
    local at = math.max(answered, tonumber(redis.call('ZSCORE', flight, member) or answered))
    redis.call('ZREM', flight, member)
    redis.call('ZADD', sent, micros(at), member)
    keepFor(sent, P, 0)
  end
  return micros(answered)
end

-- The entries of bucket b this caller respects that lie after t - P: those settled, and those
-- placed by a guess of when their answer comes (plans, and sends in flight).
local function after(b, t)
  local edge = t - b.P
  local settled = redis.call('ZCOUNT', b.sent, '(' .. micros(edge), '+inf')
  local guessed = 0
  for _, plans in ipairs(b.plans) do guessed = guessed + redis.call('ZCOUNT', plans[1], '(' .. micros(edge - flightGuess), plans[2]) end
  -- In flight: at now, or its expected answer if later, until its lease ends.
  local flying = now > edge and edge - lease or edge - flightGuess
  return settled, guessed + redis.call('ZCOUNT', b.flight, '(' .. micros(flying), '+inf')
end

-- The newest entry of bucket b this caller respects (a send in flight as now), or nil, and
-- whether it is placed by a guess.
local function newestEntry(b)
  local newest, guessed
  local function consider(at, guess) if newest == nil or at > newest then newest, guessed = at, guess end end
  local sent = redis.call('ZRANGE', b.sent, -1, -1, 'WITHSCORES')
  if sent[2] then consider(tonumber(sent[2]), false) end
  for _, plans in ipairs(b.plans) do
    local plan = redis.call('ZREVRANGEBYSCORE', plans[1], plans[2], '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if plan[2] then consider(tonumber(plan[2]) + flightGuess, true) end
  end
  local flying = redis.call('ZRANGE', b.flight, -1, -1, 'WITHSCORES')
  if flying[2] then
    local admittedAt = tonumber(flying[2])
    consider(math.min(math.max(now, admittedAt + flightGuess), admittedAt + lease), true)
  end
  return newest, guessed
end

-- What a bisection from 'from' (where 'counted' entries count) can know without its steps: from
-- which instant on bucket b is free, and, when that is the first, before which it is taken. The
-- count only falls as t grows (while a send in flight is guessed to last no longer than its lease),
-- so the k-th settled send to leave the window, k being how many too many count at 'from', frees
-- it; and when one instant before that is still taken, no guessed entry left earlier, and the
-- bisection's every step is decided: it lands where probing each step would, in a few calls
-- instead of some fourteen steps of a few ZCOUNTs each. Else nil, and the steps are probed.
local function steps(b, from, counted, bisects, countAt)
  if not bisects or flightGuess > lease then return nil, nil end
  local kth = redis.call('ZRANGEBYSCORE', b.sent, '(' .. micros(from - b.P), '+inf', 'WITHSCORES', 'LIMIT', counted - b.L, 1)
  if not kth[2] then return nil, nil end
  local freeFrom = tonumber(kth[2]) + b.P
  if countAt(freeFrom - 1) >= b.L then return freeFrom, freeFrom end
  return freeFrom, nil
end

-- The earliest instant from 'from' on that bucket b leaves free, and whether it rests on a
-- guess: whether the entry whose leaving the window frees it is placed by one.
local function earliest(b, from)
  local settled, guessed = after(b, from)
  if settled + guessed < b.L then return from, false end
  local newest, newestGuessed = newestEntry(b)
  -- One at a time (a chat's own limit): free one window after the newest entry.
  if b.L == 1 then return math.max(from, newest + b.P), newestGuessed end
  -- To a tenth of a millisecond: a slot that much later costs nothing, and a third of the steps.
  -- The guessed entries counted at the last instant found taken and at the one found free: when
  -- fewer at the free one, an entry placed by a guess left the window in between.
  local taken, free = from, math.max(from, newest, now) + b.P
  local seen = { [from] = { settled, guessed } }
  local function countAt(t)
    if not seen[t] then seen[t] = { after(b, t) } end
    return seen[t][1] + seen[t][2], seen[t][2]
  end
  local freeFrom, takenBefore = steps(b, from, settled + guessed, free - taken > 100, countAt)
  while free - taken > 100 do
    local mid = math.floor((taken + free) / 2)
    local isFree
    if freeFrom and mid >= freeFrom then isFree = true
    elseif takenBefore and mid < takenBefore then isFree = false
    else isFree = countAt(mid) < b.L end
    if isFree then free = mid else taken = mid end
  end
  local _, guessedTaken = countAt(taken)
  local _, guessedFree = countAt(free)
  return free, guessedFree < guessedTaken
end

local buckets = {}
for i = 1, count do
  local sent, interactive, bulk, flight = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
  local L, P = tonumber(ARGV[7 + 2 * i]), tonumber(ARGV[8 + 2 * i])
  early = math.min(early, P / 2)
  -- A commit may land up to the grace before now, so keep what lies within a window of that.
  local stale = now - grace - P
  for _, key in ipairs({ sent, interactive, bulk }) do redis.call('ZREMRANGEBYSCORE', key, '-inf', micros(stale)) end
  redis.call('ZREMRANGEBYSCORE', flight, '-inf', micros(stale - lease))
  local own = lane == 'interactive' and interactive or bulk
  if rechecks then redis.call('ZREM', own, member) end
  local ahead = rechecks and '(' .. rank or '+inf'
  -- A line with no plans is left out: a bisection would count it at each of its steps.
  local plans = {}
  if redis.call('ZCARD', interactive) > 0 then plans[1] = { interactive, lane == 'interactive' and ahead or '+inf' } end
  if lane == 'bulk' and redis.call('ZCARD', bulk) > 0 then plans[#plans + 1] = { bulk, ahead } end
  buckets[i] = { sent = sent, flight = flight, own = own, plans = plans, L = L, P = P }
end

-- A commit only a little late may still take its planned instant (see COMMIT_GRACE_MS). One
-- made before it looks from now: its plan allowed for the answers it waits on to take as long
-- as they usually do, and when they came sooner its slot may already be free.
local from = now
if rechecks then from = math.min(now, math.max(now - grace, tonumber(rank))) end

-- Whether bucket b has no room at t (from on): its earliest free instant lies later.
local function full(b, t)
  local settled, guessed = after(b, t)
  return settled + guessed >= b.L
end

-- Each bucket's earliest free instant stays free later on, so the latest of them suits all.
-- The buckets of one at a time first (a chat's own limit), as they cost a lookup or two: a
-- shared bucket with room by their instant is not searched for its own (a bisection), since
-- only whether it lies within a window of the plan matters there (see booked). Returns whether
-- the instant rests on a guess in a bucket that sets it (see refreshFarPlan).
local at
local function place()
  at = from
  for _, b in ipairs(buckets) do
    b.freeBy = nil
    if b.L == 1 then
      b.at, b.guessed = earliest(b, from)
      if b.at > at then at = b.at end
    end
  end
  local held = at
  for _, b in ipairs(buckets) do
    if b.L > 1 then
      if held > from and not full(b, held) then
        b.at, b.guessed, b.freeBy = nil, false, held
      else
        b.at, b.guessed = earliest(b, held)
        if b.at > at then at = b.at end
      end
    end
  end
  local guessed = false
  for _, b in ipairs(buckets) do guessed = guessed or (b.at == at and b.guessed) end
  return guessed
end

-- A plan is booked in the buckets that hold it back, and in those with no room now whose first
-- free instant lies within a window of it.
local function booked(b)
  if not b.freeBy then return b.at == at or (b.at > now and at < b.at + b.P) end
  -- Its first free instant is from on and by freeBy, which is no later than at.
  return (now < from or full(b, now)) and at - b.P < b.freeBy and (at - b.P < from or full(b, at - b.P))
end

local guessed = place()
-- A plan with room now is admitted at once, as a commit is: booked and committed instead, each
-- send would cost a second call. Only a refresh never admits.
local admitted = mode ~= 'refresh' and at <= now + early
if mode == 'commit' and not admitted then
  -- Refused: planned again as a refresh is, allowing for the answers still to come. Else the
  -- next commit comes a flight time too early for the send just ahead, and is refused again.
  flightGuess = tonumber(ARGV[7])
  guessed = place()
end
local score = micros(at)
for _, b in ipairs(buckets) do
  if admitted then
    redis.call('ZADD', b.flight, score, member)
    keepFor(b.flight, b.P, lease)
  elseif booked(b) then
    redis.call('ZADD', b.own, score, member)
    keepFor(b.own, b.P, 0)
  end
end
return { score, micros(at - now), admitted and 1 or 0, guessed and 1 or 0 }
`;

/**
 * A commit at most this late keeps its planned instant. Timers fire a millisecond or two late
 * even on an idle machine; re-timing every send by that would cost some 4% of the rate. Safe
 * however late: the send is in flight, counting at the present instant, from its commit on.
 */
const COMMIT_GRACE_MS = 5;

/**
 * A send with no answer after this long counts at this mark, so the sends a crashed process
 * left in flight free their buckets again. Short, because the worker that takes over a dead
 * one's deliveries (within some 4 s, see DELIVERY_STALL) waits for exactly these buckets. A
 * live process renews the lease of each send still out (see IN_FLIGHT_RENEWAL_MS): on a
 * starved machine a request can take 10 s to reach the platform (its connection, its writing
 * and the server's reading all wait their turn), and one that lapsed would let others crowd it.
 */
const IN_FLIGHT_LEASE_MS = 5_000;

/**
 * How often a send still waiting for its answer renews its lease: four renewals a lease, so a
 * renewal that a busy event loop runs a second or two late, and its trip to a busy Redis, still
 * land before the lease runs out. Almost no send lives long enough to renew at all.
 */
const IN_FLIGHT_RENEWAL_MS = IN_FLIGHT_LEASE_MS / 4;

/**
 * How long a send still out is renewed at most. Past a minute the request is hung (grammY waits
 * 500 s by default), not slow: it lets its buckets go as a crashed process's send would, so a
 * few hung connections cannot hold a whole platform's sends back until their timeouts.
 */
const RENEW_FOR_MS = 60_000;

/**
 * How far one send moves the guess of the time in flight (a factor), toward its own: the guess
 * settles on the median (as many sends above as below), which a few very slow answers on a busy
 * machine do not drag up, and by a factor it comes down from a slow first send within some 50.
 * A plan placed too early costs one refused commit (a round trip); one placed too late leaves
 * its slot unused for the difference, so the guess must not be the mean.
 */
const FLIGHT_GUESS_STEP = 1.05;

/** The same for commit round trips. */
const ROUND_TRIP_GUESS_CALLS = 8;

/**
 * A send may be admitted up to this long before its slot and wait the rest out: a commit made a
 * round trip early lets the request leave at the slot itself, rather than a round trip and the
 * wake-up after it, all of which would count in flight and hold back the sends after it. Under
 * half of any window (the script caps it), so a send admitted early is in flight for every
 * caller admitted meanwhile, and it goes no sooner than its slot however its answer is delayed.
 */
const ADMIT_EARLY_MS = 30;

/** How early a send through `buckets` may be admitted. */
function earlyAdmissionMs(buckets: readonly RateBucket[]): number {
  return Math.min(ADMIT_EARLY_MS, ...buckets.map((b) => b.perMs / 2));
}

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

/** How a send waits for its slot. */
export interface SendOptions {
  lane?: Lane;
  /**
   * A check the send must pass at its slot, e.g. that the caller still owns the work; it calls
   * the send off by throwing. It runs alongside each commit rather than after the admission, so
   * its round trip is not part of the send's time in flight (which holds back the sends after it).
   */
  confirm?: () => Promise<void>;
}

/** A send admitted by every bucket: in flight until settled. */
export interface Admission {
  /** Admission instant (Redis clock, ms since the epoch). */
  atMs: number;
  ticket: LimiterTicket;
}

/** What one limiter saw of its sends, for benchmarks and diagnosis. */
export interface LimiterStats {
  /** Sends made through `send`. */
  sends: number;
  /** Their time in flight in all, admission to answer (Redis clock): what each adds to its window. */
  inFlightMs: number;
  /** Commits that found their planned instant taken and waited again. */
  refusedCommits: number;
}

/** Rate limiting shared through Redis by every process that uses the same client prefix. */
export class RedisRateLimiter {
  readonly stats: LimiterStats = { sends: 0, inFlightMs: 0, refusedCommits: 0 };
  private readonly instance = randomUUID();
  private sequence = 0;
  /** A running median of this limiter's sends' time in flight, which its plans allow for (see LIMITER_SCRIPT). */
  private expectedFlightMs = 0;
  /** A running mean of its commits' round trips (with their confirmations): how early to commit. */
  private commitRoundTripMs = 0;

  /**
   * @param redis any ioredis connection (not one in subscriber mode).
   * @param prefix put before every bucket key. On Redis Cluster, include a hash tag
   *   (e.g. `herald:ratelimit:{telegram}:`) so the buckets of one call share a slot.
   * @param renewForMs how long a send still out keeps its lease renewed (tests shorten it).
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly renewForMs = RENEW_FOR_MS,
  ) {}

  /**
   * Makes one request within the limits of every bucket: waits for its slot, makes it, and
   * settles it once the answer is back (or the request failed), so the sends after it keep
   * their distance from the latest instant it can have reached the platform.
   */
  async send<T>(buckets: readonly RateBucket[], request: () => Promise<T>, options: SendOptions = {}): Promise<T> {
    const { atMs, ticket } = await this.acquire(buckets, options);
    const renewUntil = performance.now() + this.renewForMs;
    const renewal = setInterval(() => {
      if (performance.now() > renewUntil) clearInterval(renewal);
      else void this.evaluate('renew', ticket).catch(() => undefined);
    }, IN_FLIGHT_RENEWAL_MS);
    try {
      return await request();
    } finally {
      clearInterval(renewal);
      // Not settled (Redis gone meanwhile), the send counts as in flight until its lease ends:
      // slower for a while, never too fast; and the request itself was made, so it stands.
      const settledAt = await this.settle(ticket).catch(() => undefined);
      if (settledAt !== undefined) {
        this.stats.sends++;
        const flightMs = settledAt - atMs;
        this.stats.inFlightMs += flightMs;
        const nudged = flightMs > this.expectedFlightMs ? this.expectedFlightMs * FLIGHT_GUESS_STEP : this.expectedFlightMs / FLIGHT_GUESS_STEP;
        // From 1 ms at least, so a guess can grow again from a run of instant answers.
        this.expectedFlightMs = this.stats.sends === 1 ? flightMs : Math.max(1, nudged);
      }
    }
  }

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
   * Waits until every bucket admits one more and records the send as in flight in all of them;
   * `settle` it once its answer is back (`send` does both).
   */
  async acquire(buckets: readonly RateBucket[], options: SendOptions = {}): Promise<Admission> {
    const confirm = async () => options.confirm?.();
    // When the call that gave the current wait left: Redis counted the wait from no sooner.
    let askedAt = performance.now();
    let reservation = await this.reserve(buckets, options.lane);
    let [confirmed] = reservation.admitted ? await Promise.allSettled([confirm()]) : [];
    if (!reservation.admitted) [reservation, askedAt] = await this.refreshFarPlan(reservation, askedAt);
    const lead = Math.min(this.commitRoundTripMs, earlyAdmissionMs(buckets) / 2);
    while (!reservation.admitted) {
      // A round trip early, so the send can leave at its slot (see ADMIT_EARLY_MS). Timed from
      // when the call left, so a reply that a busy event loop took long to hear makes it no later.
      await sleepFully(askedAt + reservation.waitMs - lead - performance.now());
      const committedFrom = performance.now();
      askedAt = committedFrom;
      const [committed, confirmation] = await Promise.allSettled([this.commit(reservation.ticket), confirm()]);
      this.commitRoundTripMs += (performance.now() - committedFrom - this.commitRoundTripMs) / ROUND_TRIP_GUESS_CALLS;
      if (committed.status === 'rejected') throw committed.reason;
      reservation = committed.value;
      confirmed = confirmation;
      if (confirmed.status === 'rejected') break;
      if (!reservation.admitted) this.stats.refusedCommits++;
    }
    if (confirmed?.status === 'rejected') {
      // Called off: an admitted send is settled unmade, so its slot is not held until its lease ends.
      if (reservation.admitted) await this.settle(reservation.ticket).catch(() => undefined);
      throw confirmed.reason;
    }
    // Admitted for a slot just ahead: Redis decided before this caller heard, so waiting the rest
    // from now sends no sooner than the slot.
    await sleepFully(reservation.waitMs);
    return { atMs: reservation.atMs, ticket: reservation.ticket };
  }

  /**
   * Records an admitted send as done: the request has its answer, or failed. Until this call is
   * through it counts as in flight; from then on at the instant the answer was back.
   * @param answeredAt when the answer was back (performance.now()); by default, this instant.
   * @returns that instant (Redis clock, ms since the epoch).
   */
  async settle(ticket: LimiterTicket, answeredAt = performance.now()): Promise<number> {
    return Number(await this.evaluate('settle', ticket, answeredAt)) / 1000;
  }

  /**
   * A plan over half a window ahead may rest on the answers to sends not made or not back yet:
   * the one a window before it in the line is itself a plan or in flight, and its answer a guess.
   * Halfway to its instant those answers are back, so the plan is moved to the slot they leave
   * (no more guessing there). Else its commit would be refused whenever a send ahead was answered
   * later than guessed, and each refusal costs a round trip and another late wake-up. A plan set
   * by a settled send (a chat's next part, a window after the last one's answer) is exact already:
   * a refresh would only cost a call.
   * @param askedAt when the plan's call left; returns the refreshed plan and when its call left.
   */
  private async refreshFarPlan(reservation: Reservation & { ticket: LimiterTicket }, askedAt: number): Promise<[Reservation & { ticket: LimiterTicket }, number]> {
    const halfWindow = Math.min(...reservation.ticket.buckets.map((b) => b.perMs)) / 2;
    if (!reservation.guessed || reservation.waitMs <= halfWindow) return [reservation, askedAt];
    await sleepFully(askedAt + reservation.waitMs - halfWindow - performance.now());
    const refreshedAt = performance.now();
    return [await this.run('refresh', reservation.ticket), refreshedAt];
  }

  private async run(mode: 'plan' | 'commit' | 'refresh', ticket: LimiterTicket): Promise<Reservation & { ticket: LimiterTicket }> {
    const [atMicros, waitMicros, admitted, guessed] = (await this.evaluate(mode, ticket)) as [string, string, number, number];
    return { atMs: Number(atMicros) / 1000, waitMs: Number(waitMicros) / 1000, admitted: admitted === 1, guessed: guessed === 1, ticket: { ...ticket, rankMicros: atMicros } };
  }

  /** @param answeredAt for a settle, when the answer was back (performance.now()). */
  private async evaluate(mode: 'plan' | 'commit' | 'refresh' | 'renew' | 'settle', ticket: LimiterTicket, answeredAt = 0): Promise<unknown> {
    const keys = ticket.buckets.flatMap(({ key }) => {
      const full = this.prefix + key;
      return [full, `${full}:plan:interactive`, `${full}:plan:bulk`, `${full}:flight`];
    });
    // Measured just before the call leaves, so the script places the answer no earlier than it came.
    const timing = mode === 'settle' ? Math.max(0, Math.floor((performance.now() - answeredAt) * 1000)) : Math.round(this.expectedFlightMs * 1000);
    const early = Math.round(earlyAdmissionMs(ticket.buckets) * 1000);
    const args = [mode, ticket.member, ticket.lane, ticket.rankMicros, COMMIT_GRACE_MS * 1000, IN_FLIGHT_LEASE_MS * 1000, timing, early, ...ticket.buckets.flatMap((b) => [b.limit, Math.round(b.perMs * 1000)])];
    try {
      return await this.redis.evalsha(LIMITER_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(LIMITER_SCRIPT, keys.length, ...keys, ...args);
    }
  }
}
