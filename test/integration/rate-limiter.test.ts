import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter, type Lane, type RateBucket, type Reservation } from '../../src/platforms/rate-limiter.js';
import { commandCallsDuring, startRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
let clientA: Redis;
let clientB: Redis;
let prefixCounter = 0;

beforeAll(async () => {
  redis = await startRedis();
  clientA = redis.client();
  clientB = redis.client();
});
afterAll(async () => redis.stop());

/** Two limiters on separate connections sharing fresh buckets, as two worker processes would. */
function twoProcesses(): [RedisRateLimiter, RedisRateLimiter] {
  const prefix = `test${prefixCounter++}:rl:`;
  return [new RedisRateLimiter(clientA, prefix), new RedisRateLimiter(clientB, prefix)];
}

const micros = (ms: number) => Math.round(ms * 1000);

/** The most admissions that fall in any window [t, t + perMs). */
function mostInAnyWindow(instantsMs: number[], perMs: number): number {
  const sorted = instantsMs.map(micros).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! - sorted[start]! < micros(perMs)) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

/** Sends made, in flight and planned in a bucket. */
async function booked(redis: Redis, key: string): Promise<number> {
  return (await redis.zcard(key)) + (await redis.zcard(`${key}:flight`)) + (await redis.zcard(`${key}:plan:bulk`)) + (await redis.zcard(`${key}:plan:interactive`));
}

describe('RedisRateLimiter', () => {
  it('keeps two processes together within every bucket while they acquire concurrently', async () => {
    const [first, second] = twoProcesses();
    const global: RateBucket = { key: 'global', limit: 4, perMs: 300 };
    const chat = (id: number): RateBucket => ({ key: `chat:${id}`, limit: 1, perMs: 250 });
    const admissions: Array<{ chat: number; atMs: number; resolvedAtMs: number }> = [];
    await Promise.all(
      Array.from({ length: 24 }, async (_, index) => {
        const limiter = index % 2 === 0 ? first : second;
        const chatId = index % 5;
        const { atMs, ticket } = await limiter.acquire([global, chat(chatId)]);
        await limiter.settle(ticket);
        admissions.push({ chat: chatId, atMs, resolvedAtMs: Date.now() });
      }),
    );
    expect(admissions).toHaveLength(24);
    expect(mostInAnyWindow(admissions.map((a) => a.atMs), global.perMs)).toBeLessThanOrEqual(global.limit);
    for (let chatId = 0; chatId < 5; chatId++) {
      expect(mostInAnyWindow(admissions.filter((a) => a.chat === chatId).map((a) => a.atMs), 250)).toBe(1);
    }
    // Nobody went ahead of its slot (Date.now() is whole milliseconds, hence the 1 ms).
    for (const { atMs, resolvedAtMs } of admissions) expect(resolvedAtMs).toBeGreaterThanOrEqual(atMs - 1);
  });

  it('admits a send its buckets have room for in its first call, in flight at once rather than planned and committed', async () => {
    const [limiter] = twoProcesses();
    const bucket = { key: 'room-now', limit: 2, perMs: 60_000 };
    const key = `test${prefixCounter - 1}:rl:room-now`;
    expect(await limiter.reserve([bucket])).toMatchObject({ admitted: true, waitMs: 0 });
    expect([await clientA.zcard(`${key}:flight`), await clientA.zcard(`${key}:plan:bulk`)]).toEqual([1, 0]);
  });

  it('grants a full window at once, then each further slot one window after the one it replaces', async () => {
    const [limiter] = twoProcesses();
    const bucket = { key: 'burst', limit: 3, perMs: 60_000 };
    const slots = [];
    for (let i = 0; i < 9; i++) slots.push(await limiter.reserve([bucket]));
    expect(slots.slice(0, 3).map((s) => s.waitMs)).toEqual([0, 0, 0]);
    // Those three are in flight, counting as arriving now: their replacements are planned a window after now.
    for (let i = 3; i < 6; i++) expect(micros(slots[i]!.atMs) - micros(slots[i - 3]!.atMs)).toBeGreaterThanOrEqual(micros(60_000));
    // Found to a tenth of a millisecond past the edge.
    for (let i = 6; i < 9; i++) expect(micros(slots[i]!.atMs) - micros(slots[i - 3]!.atMs)).toBeGreaterThanOrEqual(micros(60_000));
    for (let i = 6; i < 9; i++) expect(micros(slots[i]!.atMs) - micros(slots[i - 3]!.atMs)).toBeLessThanOrEqual(micros(60_000.1));
  });

  it('spaces the next send a window after the answer to the one before, not after its admission', async () => {
    const [limiter] = twoProcesses();
    const bucket = { key: 'answered', limit: 1, perMs: 300 };
    const first = await limiter.acquire([bucket]);
    await sleep(200);
    const answeredAt = await limiter.settle(first.ticket);
    const second = await limiter.acquire([bucket]);
    expect(answeredAt - first.atMs).toBeGreaterThanOrEqual(150);
    expect(second.atMs - answeredAt).toBeGreaterThanOrEqual(300);
  });

  it('counts a send in flight as arriving now: nothing else is admitted in its window until it is answered', async () => {
    const [limiter, other] = twoProcesses();
    const bucket = { key: 'flight', limit: 1, perMs: 100 };
    const slow = await limiter.acquire([bucket]);
    const waiting = other.acquire([bucket]).then((admission) => admission.atMs);
    // Far longer than the window: while the first send has no answer, the second keeps waiting.
    await sleep(600);
    const answeredAt = await limiter.settle(slow.ticket);
    expect(await waiting).toBeGreaterThanOrEqual(answeredAt + 100);
  });

  it('checks a send\'s confirmation at its slot and, when it calls the send off, frees the slot at once', async () => {
    const [limiter] = twoProcesses();
    const bucket = { key: 'confirmed', limit: 1, perMs: 150 };
    await limiter.send([bucket], async () => undefined);
    let requests = 0;
    const lockLost = new Error('taken over');
    // Waits for its slot, then is called off by the confirmation that runs alongside its commit.
    await expect(limiter.send([bucket], async () => requests++, { confirm: async () => Promise.reject(lockLost) })).rejects.toBe(lockLost);
    expect(requests).toBe(0);
    // Settled rather than left in flight until its lease ends: the next send waits one window, not five seconds.
    expect(await clientA.zcard(`test${prefixCounter - 1}:rl:confirmed:flight`)).toBe(0);
    let confirmations = 0;
    await limiter.send([bucket], async () => requests++, { confirm: async () => void confirmations++ });
    expect([requests, confirmations]).toEqual([1, 1]);
  });

  it('plans behind a send in flight for as long as its sends have been taking to be answered, a refused commit too', async () => {
    const [limiter] = twoProcesses();
    const bucket = { key: 'slow', limit: 1, perMs: 200 };
    // Sends that each take over 100 ms to be answered…
    for (let i = 0; i < 2; i++) await limiter.send([bucket], () => sleep(100));
    const inFlight = await limiter.acquire([bucket]);
    // …so the next is planned a window after the answer this one can be expected to get, not after now.
    const next = await limiter.reserve([bucket]);
    expect(next.atMs - inFlight.atMs).toBeGreaterThanOrEqual(290);
    // Committed before its instant, while that send is still out: refused, and planned again as far.
    const again = await limiter.commit(next.ticket);
    expect(again.admitted).toBe(false);
    expect(again.atMs - inFlight.atMs).toBeGreaterThanOrEqual(290);
    await limiter.settle(inFlight.ticket);
  });

  it('admits a commit made before its planned instant at once when the send it waited on was answered sooner than planned for', async () => {
    const [limiter, other] = twoProcesses();
    const bucket = { key: 'answered-sooner', limit: 1, perMs: 200 };
    const first = await limiter.acquire([bucket]);
    const answeredAt = performance.now();
    await sleep(300);
    // Planned while the first is still in flight, as if arriving now: a window from now.
    const next = await other.reserve([bucket]);
    expect(next.admitted).toBe(false);
    await limiter.settle(first.ticket, answeredAt);
    // Its answer was back more than a window ago, so the slot is free already.
    expect((await other.commit(next.ticket)).admitted).toBe(true);
  });

  it('moves a plan made over half a window ahead to the slot its line leaves once the send before it is answered, so its commit is not refused', async () => {
    const [limiter, other] = twoProcesses();
    const bucket = { key: 'far-plan', limit: 1, perMs: 3_000 };
    const first = await limiter.acquire([bucket]);
    // Planned while the first is in flight, as if arriving now: a window from now.
    const second = other.send([bucket], async () => undefined);
    // The first is answered later than that plan allowed for, but well before halfway to it.
    await sleep(300);
    await limiter.settle(first.ticket);
    await second;
    expect(other.stats).toMatchObject({ sends: 1, refusedCommits: 0 });
  });

  it('tells a plan set by a settled send\'s answer from one that rests on the guessed answer of a send in flight or planned', async () => {
    const [limiter] = twoProcesses();
    const chat = { key: 'exact-chat', limit: 1, perMs: 60_000 };
    await limiter.send([chat], async () => undefined);
    expect(await limiter.reserve([chat])).toMatchObject({ admitted: false, guessed: false });
    const busyChat = { key: 'guessed-chat', limit: 1, perMs: 60_000 };
    const inFlight = await limiter.acquire([busyChat]);
    expect(await limiter.reserve([busyChat])).toMatchObject({ admitted: false, guessed: true });
    await limiter.settle(inFlight.ticket);
    // A shared line: the first two plans are freed by the settled sends, the third by the first plan.
    const global = { key: 'exact-global', limit: 2, perMs: 60_000 };
    for (let i = 0; i < 2; i++) await limiter.send([global], async () => undefined);
    const plans = [await limiter.reserve([global]), await limiter.reserve([global]), await limiter.reserve([global])];
    expect(plans.map((plan) => plan.guessed)).toEqual([false, false, true]);
  });

  it('makes no call between a plan set by a settled send\'s answer and its commit, however far ahead it is', async () => {
    const [limiter] = twoProcesses();
    const chat = { key: 'no-refresh', limit: 1, perMs: 1_500 };
    await limiter.send([chat], async () => undefined);
    const calls = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await clientA.info('commandstats'))?.[1] ?? 0);
    const before = await calls();
    await limiter.send([chat], async () => undefined);
    // Plan, commit, settle: nothing else, unless the commit is refused.
    expect((await calls()) - before).toBe(3 + limiter.stats.refusedCommits);
  });

  it('places a plan behind a full shared bucket of settled sends where the earliest answer leaves it, in a few counts rather than a bisection\'s', async () => {
    const [limiter] = twoProcesses();
    const global = { key: 'settled-line', limit: 40, perMs: 60_000 };
    const answers: number[] = [];
    for (let i = 0; i < global.limit; i++) {
      const { ticket } = await limiter.acquire([global]);
      answers.push(await limiter.settle(ticket));
    }
    let plan: Reservation | undefined;
    const zcounts = await commandCallsDuring(clientA, 'zcount', async () => (plan = await limiter.reserve([global])));
    // A window after the first answer, to the tenth of a millisecond the search goes to.
    expect(micros(plan!.atMs) - micros(answers[0]! + global.perMs)).toBeGreaterThanOrEqual(0);
    expect(micros(plan!.atMs) - micros(answers[0]! + global.perMs)).toBeLessThanOrEqual(100);
    // Probing each of the bisection's twenty steps would count each of its sets twenty times.
    expect(zcounts).toBeLessThanOrEqual(12);
  });

  it('does not let a chat held back by its own limit hold back other chats in the shared bucket', async () => {
    const [limiter] = twoProcesses();
    const global = { key: 'global', limit: 2, perMs: 60_000 };
    const chatA = { key: 'chat:a', limit: 1, perMs: 60_000 };
    await limiter.send([global, chatA], async () => undefined);
    const secondToA = await limiter.reserve([global, chatA]);
    const firstToB = await limiter.reserve([global, { key: 'chat:b', limit: 1, perMs: 60_000 }]);
    expect(secondToA.waitMs).toBeGreaterThan(50_000);
    expect(firstToB.waitMs).toBe(0);
    const thirdInGlobal = await limiter.reserve([global]);
    expect(thirdInGlobal.waitMs).toBeGreaterThan(50_000);
  });

  it('keeps the place of a chat held back by its own limit in a busy shared line, so the plans made meanwhile for other chats leave room for it', async () => {
    const [limiter] = twoProcesses();
    // Windows far longer than any stall of a busy machine between the sends and the plans.
    const global = { key: 'global', limit: 2, perMs: 30_000 };
    const chat = (id: string) => ({ key: `chat:${id}`, limit: 1, perMs: 30_000 });
    // The global bucket is full for a window; chat a, answered last, is held back by its own limit a little longer.
    await Promise.all([limiter.send([global, chat('a')], () => sleep(300)), limiter.send([global, chat('b')], async () => undefined)]);
    const plans = [await limiter.reserve([global, chat('a')]), await limiter.reserve([global, chat('c')]), await limiter.reserve([global, chat('d')])];
    expect(plans[0]!.waitMs).toBeGreaterThan(20_000);
    expect(mostInAnyWindow(plans.map((plan) => plan.atMs), global.perMs)).toBeLessThanOrEqual(global.limit);
  });

  it('admits at once no more than any bucket allows, whatever the mix of buckets and processes (property)', async () => {
    const bucketSpecs: RateBucket[] = [
      { key: 'g', limit: 3, perMs: 40_000 },
      { key: 'c1', limit: 1, perMs: 10_000 },
      { key: 'c2', limit: 1, perMs: 25_000 },
      { key: 'grp', limit: 2, perMs: 30_000 },
    ];
    const call = fc.record({
      process: fc.constantFrom(0, 1),
      buckets: fc.subarray(bucketSpecs, { minLength: 1 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 30 }), async (calls) => {
        const limiters = twoProcesses();
        const reservations = await Promise.all(calls.map(({ process, buckets }) => limiters[process]!.reserve(buckets)));
        // Those admitted at once (plans are re-checked when they commit, see the next property).
        for (const spec of bucketSpecs) {
          const instants = reservations.filter((r, i) => r.admitted && calls[i]!.buckets.includes(spec)).map((r) => r.atMs);
          expect(mostInAnyWindow(instants, spec.perMs)).toBeLessThanOrEqual(spec.limit);
        }
        // The very first reservation of a fresh set of buckets never waits.
        expect(Math.min(...reservations.map((r) => r.waitMs))).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps sends a window apart when a busy event loop wakes two waiting callers at once', async () => {
    const prefix = `test${prefixCounter++}:rl:`;
    const limiter = new RedisRateLimiter(clientA, prefix);
    const bucket = { key: 'late', limit: 1, perMs: 400 };
    await limiter.send([bucket], async () => undefined);
    const resolved: number[] = [];
    const waiting = [0, 1].map(() => limiter.send([bucket], async () => resolved.push(performance.now())));
    // Both now hold a slot (at +400 and +800 ms); then the event loop is busy past both.
    await expect.poll(() => booked(clientA, `${prefix}late`), { timeout: 10_000, interval: 5 }).toBe(3);
    const busyUntil = performance.now() + 1_000;
    while (performance.now() < busyUntil);
    await Promise.all(waiting);
    // The second goes a full window after the first, not in the same instant (some slack for the round trip).
    expect(resolved[1]! - resolved[0]!).toBeGreaterThan(300);
  });

  it('puts a reply ahead of the briefing parts already waiting, within the same limit', async () => {
    const prefix = `test${prefixCounter++}:rl:`;
    const limiter = new RedisRateLimiter(clientA, prefix);
    const bucket = { key: 'lanes', limit: 1, perMs: 250 };
    const order: string[] = [];
    const instants: number[] = [];
    const take = (name: string, lane: Lane) =>
      limiter.send([bucket], async () => {
        order.push(name);
        instants.push(Date.now());
      }, { lane });
    await take('first', 'bulk');
    const parts = [take('part 1', 'bulk'), take('part 2', 'bulk'), take('part 3', 'bulk')];
    await expect.poll(() => booked(clientA, `${prefix}lanes`), { timeout: 10_000, interval: 5 }).toBe(4);
    await Promise.all([...parts, take('reply', 'interactive')]);
    expect(order.slice(0, 2)).toEqual(['first', 'reply']);
    expect(order.slice(2).sort()).toEqual(['part 1', 'part 2', 'part 3']);
    expect(mostInAnyWindow(instants, bucket.perMs)).toBe(1);
  });

  it('never admits sends closer than the limits, however late callers wake and whatever their lane (property)', async () => {
    const bucketSpecs: RateBucket[] = [
      { key: 'g', limit: 3, perMs: 100 },
      { key: 'c1', limit: 1, perMs: 60 },
      { key: 'grp', limit: 2, perMs: 150 },
    ];
    const call = fc.record({
      process: fc.constantFrom(0, 1),
      lane: fc.constantFrom<Lane>('bulk', 'interactive'),
      buckets: fc.subarray(bucketSpecs, { minLength: 1 }),
      lateMs: fc.integer({ min: 0, max: 120 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 2, maxLength: 12 }), async (calls) => {
        const limiters = twoProcesses();
        // Like acquire, but each wake-up comes lateMs after the planned instant.
        const admittedAt = await Promise.all(
          calls.map(async ({ process, lane, buckets, lateMs }) => {
            const limiter = limiters[process]!;
            let reservation = await limiter.reserve(buckets, lane);
            while (!reservation.admitted) {
              await sleep(reservation.waitMs + lateMs);
              reservation = await limiter.commit(reservation.ticket);
            }
            await limiter.settle(reservation.ticket);
            return reservation.atMs;
          }),
        );
        for (const spec of bucketSpecs) {
          const instants = admittedAt.filter((_, i) => calls[i]!.buckets.includes(spec));
          expect(mostInAnyWindow(instants, spec.perMs)).toBeLessThanOrEqual(spec.limit);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('never lets requests arrive closer than the limits, however late each one goes out after its admission (property)', async () => {
    const bucketSpecs: RateBucket[] = [
      { key: 'g', limit: 3, perMs: 100 },
      { key: 'c1', limit: 1, perMs: 60 },
    ];
    const call = fc.record({
      process: fc.constantFrom(0, 1),
      buckets: fc.subarray(bucketSpecs, { minLength: 1 }),
      // A request reaches the platform any time between its admission and its answer.
      goesOutAfterMs: fc.integer({ min: 0, max: 80 }),
      answeredAfterMs: fc.integer({ min: 0, max: 80 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 2, maxLength: 10 }), async (calls) => {
        const limiters = twoProcesses();
        const arrivals = await Promise.all(
          calls.map(({ process, buckets, goesOutAfterMs, answeredAfterMs }) =>
            limiters[process]!.send(buckets, async () => {
              await sleep(goesOutAfterMs);
              const arrivedAt = performance.now();
              await sleep(answeredAfterMs);
              return arrivedAt;
            }),
          ),
        );
        for (const spec of bucketSpecs) {
          const instants = arrivals.filter((_, i) => calls[i]!.buckets.includes(spec));
          expect(mostInAnyWindow(instants, spec.perMs)).toBeLessThanOrEqual(spec.limit);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('keeps the next send a window after an answer, however long its settle takes to reach Redis', async () => {
    const chat: RateBucket = { key: 'slow-settle', limit: 1, perMs: 100 };
    const [limiter, other] = twoProcesses();
    const arrivals: number[] = [];
    const first = await limiter!.acquire([chat]);
    // Out a while, so its admission and its answer lie apart; it may have arrived up to the answer.
    await sleep(60);
    const answeredAt = performance.now();
    arrivals.push(answeredAt);
    // The settle reaches Redis well after the answer (a busy Redis), yet within a window of it:
    // placed at its admission, or anywhere before its answer, the next send would come too soon.
    await sleep(30);
    await limiter!.settle(first.ticket, answeredAt);
    await other!.send([chat], async () => arrivals.push(performance.now()));
    expect(mostInAnyWindow(arrivals, chat.perMs)).toBe(1);
  });

  it('keeps counting a send still out past its lease while its process waits for the answer', async () => {
    const chat: RateBucket = { key: 'long-send', limit: 1, perMs: 100 };
    const [limiter, other] = twoProcesses();
    const events: string[] = [];
    let admitted!: () => void;
    const firstAdmitted = new Promise<void>((resolve) => (admitted = resolve));
    // Out for longer than the 5 s lease a crashed process's send is held to (a starved machine).
    const first = limiter!.send([chat], async () => {
      admitted();
      await sleep(7_000);
      events.push('first answered');
    });
    await firstAdmitted;
    await other!.send([chat], async () => events.push('second went out'));
    await first;
    expect(events).toEqual(['first answered', 'second went out']);
  }, 20_000);

  it('lets a hung send go once it has been renewed for long enough: its lease lapses, and the next send goes out', async () => {
    const chat: RateBucket = { key: 'hung-send', limit: 1, perMs: 100 };
    const prefix = `test${prefixCounter++}:rl:`;
    const limiter = new RedisRateLimiter(clientA, prefix, 1_000);
    const other = new RedisRateLimiter(clientB, prefix);
    const events: string[] = [];
    let admitted!: () => void;
    const firstAdmitted = new Promise<void>((resolve) => (admitted = resolve));
    // Renewed for 1 s, then held to the 5 s lease: out far longer than both.
    const first = limiter.send([chat], async () => {
      admitted();
      await sleep(12_000);
      events.push('first answered');
    });
    await firstAdmitted;
    await other.send([chat], async () => events.push('second went out'));
    await first;
    expect(events).toEqual(['second went out', 'first answered']);
  }, 30_000);

  it('lets its keys expire so idle buckets do not pile up in Redis', async () => {
    const limiter = new RedisRateLimiter(clientA, 'expiry:');
    await limiter.send([{ key: 'once', limit: 5, perMs: 2_000 }], async () => undefined);
    const ttl = await clientA.pttl('expiry:once');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_000);
    expect(await clientA.exists('expiry:once:flight')).toBe(0);
  });

  it('refuses buckets that could never admit anything', async () => {
    const limiter = new RedisRateLimiter(clientA, 'invalid:');
    await expect(limiter.acquire([])).rejects.toThrow(/at least one bucket/);
    await expect(limiter.acquire([{ key: 'zero', limit: 0, perMs: 1000 }])).rejects.toThrow(/"zero" needs a whole limit/);
    await expect(limiter.acquire([{ key: 'instant', limit: 1, perMs: 0 }])).rejects.toThrow(/"instant" needs a window/);
  });
});
