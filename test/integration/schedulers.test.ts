import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/queue/connection.js';
import { openQueue, QUEUE_NAMES } from '../../src/queue/names.js';
import { createPollQueue, type PollQueue } from '../../src/queue/poll-jobs.js';
import { MIN_POLL_INTERVAL_MS, nextPollAt, pollJitterMs, retireFeedSchedulers, syncFeedSchedule, unscheduleFeed } from '../../src/queue/schedulers.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;
let queue: PollQueue;
const connections: Redis[] = [];

const keys = createKeys('sched');

/** A poll queue on its own connection, as a separate process would have. */
function openPollQueue(): PollQueue {
  const connection = createRedisConnection(server.url);
  connections.push(connection);
  return createPollQueue(connection, 'sched');
}

beforeAll(async () => {
  server = await startRedis();
  queue = openPollQueue();
});
afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await server.client().flushall();
});

const feed = (id: string, intervalMinutes = 15) => ({ id, intervalMinutes });

describe('pollJitterMs', () => {
  it('is a stable point inside the interval, never zero', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 2, max: 7 * 86_400_000 }), (id, interval) => {
        const jitter = pollJitterMs(id, interval);
        expect(jitter).toBeGreaterThanOrEqual(1);
        expect(jitter).toBeLessThan(interval);
        expect(pollJitterMs(id, interval)).toBe(jitter);
      }),
    );
  });

  it('spreads feeds evenly over the interval', () => {
    const interval = 15 * 60_000;
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 2000; i++) buckets[Math.floor((pollJitterMs(`feed-${i}`, interval) / interval) * 10)]! += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(140);
  });
});

const MINUTE = 60_000;
const NOW = Date.parse('2026-03-02T09:00:00Z');

describe('nextPollAt', () => {
  it('is the feed’s next slot: within one interval, at its own phase, the same wherever in the interval it is asked', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 24 * 60 }), fc.integer({ min: 0, max: 10 * 86_400_000 }), (id, minutes, offset) => {
        const every = minutes * MINUTE;
        const now = NOW + offset;
        const next = nextPollAt(feed(id, minutes), now);
        expect(next).toBeGreaterThan(now);
        expect(next - now).toBeLessThanOrEqual(every);
        expect((next - pollJitterMs(id, every)) % every).toBe(0);
        expect(nextPollAt(feed(id, minutes), next - 1)).toBe(next);
      }),
    );
  });

  it('never polls more often than once a minute', () => {
    const next = nextPollAt(feed('fast', 0.25), NOW);
    expect(next - NOW).toBeLessThanOrEqual(MIN_POLL_INTERVAL_MS);
    expect(nextPollAt(feed('fast', 0.25), next) - next).toBe(MIN_POLL_INTERVAL_MS);
  });
});

describe('the poll schedule', () => {
  const polled = (at = NOW - MINUTE) => ({ lastPolledAt: new Date(at).toISOString() });

  it('puts a feed never polled at now, a polled one at its next slot, one backing off at the end of its backoff; a re-sync changes nothing', async () => {
    const retryAfter = NOW + 3 * 3_600_000;
    const feeds = [
      { feed: feed('new'), state: {} },
      { feed: feed('polled'), state: polled() },
      { feed: feed('failing'), state: { ...polled(), retryAfter: new Date(retryAfter).toISOString() } },
    ];
    expect(await syncFeedSchedule(queue, feeds, NOW)).toEqual({ scheduled: 3, removed: 0 });
    const expected = new Map([
      ['new', NOW],
      ['polled', nextPollAt(feed('polled'), NOW)],
      ['failing', retryAfter],
    ]);
    expect(await queue.dueTimes()).toEqual(expected);
    const restarted = openPollQueue();
    expect(await syncFeedSchedule(restarted, feeds, NOW + MINUTE)).toEqual({ scheduled: 0, removed: 0 });
    expect(await queue.dueTimes()).toEqual(expected);
  });

  it('drops feeds no longer listed, keeps a poll already due, and applies a shorter interval at once', async () => {
    await syncFeedSchedule(queue, [{ feed: feed('a', 60), state: polled() }, { feed: feed('b'), state: polled() }, { feed: feed('c'), state: {} }], NOW);
    const later = NOW + 2 * 3_600_000;
    expect(await syncFeedSchedule(queue, [{ feed: feed('a', 5), state: polled() }, { feed: feed('c'), state: polled() }], later)).toEqual({ scheduled: 0, removed: 1 });
    const due = await queue.dueTimes();
    expect([...due.keys()].sort()).toEqual(['a', 'c']);
    // 'c' was due at NOW and not polled yet: it stays due. 'a' now polls every 5 minutes.
    expect(due.get('c')).toBe(NOW);
    expect(due.get('a')).toBe(Math.min(nextPollAt(feed('a', 60), NOW), nextPollAt(feed('a', 5), later)));
  });

  it('holds one entry per feed however often a poll is asked for, and unschedules a feed', async () => {
    await queue.requestPoll('now');
    await queue.requestPoll('now');
    await queue.requestPoll('other');
    expect([...(await queue.dueTimes()).keys()].sort()).toEqual(['now', 'other']);
    expect(await unscheduleFeed(queue, 'now')).toBe(true);
    expect(await unscheduleFeed(queue, 'now')).toBe(false);
    expect([...(await queue.dueTimes()).keys()]).toEqual(['other']);
  });

  it('hands each due feed to one claimant only, earliest first, and again to another once the lease lapses', async () => {
    await queue.schedule(Array.from({ length: 30 }, (_, n) => ({ feedId: `f${String(n).padStart(2, '0')}`, dueAt: NOW - n })));
    await queue.schedule([{ feedId: 'later', dueAt: NOW + MINUTE / 2 }]);
    const [first, second, third] = await Promise.all([openPollQueue().claim(NOW, 12, MINUTE), openPollQueue().claim(NOW, 12, MINUTE), queue.claim(NOW, 12, MINUTE)]);
    const all = [...first!, ...second!, ...third!];
    expect(all.sort()).toEqual(Array.from({ length: 30 }, (_, n) => `f${String(n).padStart(2, '0')}`));
    expect(first!.length + second!.length + third!.length).toBe(30);
    expect(await queue.claim(NOW + MINUTE / 2, 100, MINUTE)).toEqual(['later']);
    // Leases lapse a minute after the claim: whoever claims then gets them back (the claimant died).
    expect((await queue.claim(NOW + MINUTE, 100, MINUTE)).length).toBe(30);
  });

  it('records finished polls: each state and next due time, a removed feed left out, a disabled one unscheduled, leases released', async () => {
    const feeds = new FeedStore(server.client(), keys);
    const ids: string[] = [];
    for (const name of ['kept', 'removed', 'disabled']) ids.push((await feeds.add({ url: `https://example.com/${name}.xml`, intervalMinutes: 15 })).feed.id);
    const [kept, removed, disabled] = ids as [string, string, string];
    await queue.schedule(ids.map((feedId) => ({ feedId, dueAt: NOW })));
    expect((await queue.claim(NOW, 10, MINUTE)).sort()).toEqual([...ids].sort());
    await feeds.saveState(kept, { consecutiveFailures: 0, etag: '"v1"', lastPolledAt: 'before' });
    await feeds.remove(removed);
    const previous = await feeds.getState(kept);
    await queue.finish(
      [
        { feedId: kept, nextDueAt: NOW + 15 * MINUTE, state: { ...previous, lastPolledAt: 'after' }, previous },
        { feedId: removed, nextDueAt: NOW + 15 * MINUTE, state: { consecutiveFailures: 1 } },
        { feedId: disabled, state: { consecutiveFailures: 10, disabledReason: 'gone' } },
      ],
      NOW,
    );
    expect(await feeds.getState(kept)).toEqual({ consecutiveFailures: 0, etag: '"v1"', lastPolledAt: 'after' });
    expect(await feeds.getState(disabled)).toEqual({ consecutiveFailures: 10, disabledReason: 'gone' });
    expect(await server.client().exists(keys.feedState(removed))).toBe(0);
    expect(await queue.dueTimes()).toEqual(new Map([[kept, NOW + 15 * MINUTE]]));
    expect(await server.client().zcard(keys.pollLeases())).toBe(0);
  });

  it('polls a feed asked for during its poll again right after, never at the same time', async () => {
    const busy = (await new FeedStore(server.client(), keys).add({ url: 'https://example.com/busy.xml', intervalMinutes: 15 })).feed.id;
    await queue.schedule([{ feedId: busy, dueAt: NOW }]);
    expect(await queue.claim(NOW, 10, MINUTE)).toEqual([busy]);
    await queue.requestPoll(busy, NOW + 1);
    expect(await openPollQueue().claim(NOW + 2, 10, MINUTE)).toEqual([]);
    await queue.finish([{ feedId: busy, nextDueAt: NOW + 15 * MINUTE }], NOW + 3);
    expect(await queue.dueAt(busy)).toBe(NOW + 3);
    expect(await queue.claim(NOW + 3, 10, MINUTE)).toEqual([busy]);
    await queue.finish([{ feedId: busy, nextDueAt: NOW + 15 * MINUTE }], NOW + 4);
    expect(await queue.dueAt(busy)).toBe(NOW + 15 * MINUTE);

    // Asked for again during a poll that finishes before any claim saw the request.
    expect(await queue.claim(NOW + 15 * MINUTE, 10, MINUTE)).toEqual([busy]);
    await queue.requestPoll(busy, NOW + 15 * MINUTE + 1);
    await queue.finish([{ feedId: busy, nextDueAt: NOW + 30 * MINUTE }], NOW + 15 * MINUTE + 2);
    expect(await queue.dueAt(busy)).toBe(NOW + 15 * MINUTE + 1);
  });
});

describe('retireFeedSchedulers', () => {
  it('removes the per-feed job schedulers and jobs of the poll-feed queue once', async () => {
    const connection = createRedisConnection(server.url);
    connections.push(connection);
    const old = openQueue(QUEUE_NAMES.pollFeed, connection, 'sched');
    await old.upsertJobScheduler('poll-abc', { every: 15 * MINUTE }, { name: 'poll', data: { feedId: 'abc' } });
    await old.add('poll', { feedId: 'abc' });
    await old.close();
    const otherQueues = openQueue(QUEUE_NAMES.compose, connection, 'sched');
    await otherQueues.upsertJobScheduler('compose-daily', { every: 86_400_000 });
    expect(await retireFeedSchedulers(connection, 'sched')).toBe(true);
    expect(await server.client().keys('{sched}:poll-feed:*')).toEqual([]);
    expect(await retireFeedSchedulers(connection, 'sched')).toBe(false);
    expect((await otherQueues.getJobSchedulers()).map((scheduler) => scheduler.key)).toEqual(['compose-daily']);
    await otherQueues.close();
  });
});
