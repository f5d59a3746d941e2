import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/queue/connection.js';
import { pollSchedulerId } from '../../src/queue/names.js';
import { createPollQueue, requestPoll, type PollQueue } from '../../src/queue/poll-jobs.js';
import { MIN_POLL_INTERVAL_MS, pollJitterMs, removeFeedScheduler, syncFeedSchedulers, upsertFeedScheduler } from '../../src/queue/schedulers.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;
let queue: PollQueue;
const connections: Redis[] = [];

/** A queue on its own connection, as a separate process would have. */
function openQueue(): PollQueue {
  const connection = createRedisConnection(server.url);
  connections.push(connection);
  return createPollQueue(connection, 'sched');
}

beforeAll(async () => {
  server = await startRedis();
  queue = openQueue();
});
afterAll(async () => {
  await queue.close();
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

describe('feed schedulers', () => {
  it('polls each feed every interval at its own phase, and keeps that phase across upserts and restarts', async () => {
    await upsertFeedScheduler(queue, feed('abc', 15));
    const every = 15 * 60_000;
    const scheduler = await queue.getJobScheduler(pollSchedulerId('abc'));
    expect(scheduler).toMatchObject({ every, offset: pollJitterMs('abc', every), template: { data: { feedId: 'abc' } } });
    expect(scheduler!.next! % every).toBe(pollJitterMs('abc', every));
    expect(scheduler!.next! - Date.now()).toBeLessThanOrEqual(every);

    await upsertFeedScheduler(queue, feed('abc', 15));
    const restarted = openQueue();
    await upsertFeedScheduler(restarted, feed('abc', 15));
    await restarted.close();
    expect((await queue.getJobScheduler(pollSchedulerId('abc')))?.next).toBe(scheduler!.next);
    expect(await queue.getDelayedCount()).toBe(1);
  });

  it('never polls more often than once a minute', async () => {
    await upsertFeedScheduler(queue, feed('fast', 0.25));
    expect((await queue.getJobScheduler(pollSchedulerId('fast')))?.every).toBe(MIN_POLL_INTERVAL_MS);
  });

  it('removes a feed scheduler with its pending poll', async () => {
    await upsertFeedScheduler(queue, feed('gone'));
    expect(await removeFeedScheduler(queue, 'gone')).toBe(true);
    expect(await queue.getJobScheduler(pollSchedulerId('gone'))).toBeUndefined();
    expect(await queue.getDelayedCount()).toBe(0);
    expect(await removeFeedScheduler(queue, 'gone')).toBe(false);
  });

  it('reconciles schedulers with the feeds: adds, updates, removes, and leaves the rest alone', async () => {
    expect(await syncFeedSchedulers(queue, [feed('a'), feed('b'), feed('c')])).toEqual({ upserted: 3, removed: 0 });
    const nextOfA = (await queue.getJobScheduler(pollSchedulerId('a')))?.next;
    expect(await syncFeedSchedulers(queue, [feed('a'), feed('b', 60), feed('d')])).toEqual({ upserted: 2, removed: 1 });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(['poll-a', 'poll-b', 'poll-d']);
    expect(schedulers.find((s) => s.key === 'poll-b')?.every).toBe(3_600_000);
    expect((await queue.getJobScheduler(pollSchedulerId('a')))?.next).toBe(nextOfA);
    expect(await syncFeedSchedulers(queue, [feed('a'), feed('b', 60), feed('d')])).toEqual({ upserted: 0, removed: 0 });
  });

  it('leaves schedulers that are not feed polls alone', async () => {
    await queue.upsertJobScheduler('housekeeping-daily', { every: 86_400_000 });
    await syncFeedSchedulers(queue, []);
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['housekeeping-daily']);
  });

  it('queues one immediate poll per feed however often it is asked for', async () => {
    await requestPoll(queue, 'now');
    await requestPoll(queue, 'now');
    await requestPoll(queue, 'other');
    const waiting = await queue.getWaiting();
    expect(waiting.map((job) => job.data.feedId).sort()).toEqual(['now', 'other']);
  });
});
