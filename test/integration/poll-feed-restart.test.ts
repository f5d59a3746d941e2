import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { nextPollAt } from '../../src/queue/schedulers.js';
import { createPollFeedDeps } from '../../jobs/poll-feed.js';
import { startPollWorker } from '../../jobs/poll-worker.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let redisServer: TestRedis;
let feedServer: FeedServer;
const logLines: { msg: string }[] = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  }),
});

beforeAll(async () => {
  redisServer = await startRedis({ appendOnly: true });
  feedServer = await startFeedServer();
});
afterAll(async () => {
  await feedServer.close();
  await redisServer.stop();
});

it('keeps polling through a Redis restart, logging the outage once and the recovery once', async () => {
  const connection = createRedisConnection(redisServer.url, { name: 'restart-test', logger });
  const deps = createPollFeedDeps(connection, parseConfig({ fetch: { allowHosts: [feedServer.host] } }));
  const worker = startPollWorker(deps, { concurrency: 2, logger });
  try {
    feedServer.setFeed('/feed.xml', '<rss version="2.0"><channel><title>T</title><item><guid>urn:a</guid><title>A</title></item></channel></rss>');
    const { feed } = await deps.feeds.add({ url: feedServer.url('/feed.xml'), intervalMinutes: 15 });

    await redisServer.restart();
    const polled = once(worker, 'polled');
    await deps.queue.requestPoll(feed.id);
    expect(await polled).toEqual([{ feedId: feed.id, feed: feed.url, status: 'fetched', newItems: 1 }]);
    const messages = logLines.map((line) => line.msg);
    // A restart this quick may be back before the first reconnection fails: then one line says both.
    expect(messages.filter((msg) => /^Redis (is unreachable|connection dropped)/.test(msg))).toHaveLength(1);
    expect(messages.filter((msg) => /back after \d+\.\d s$/.test(msg))).toHaveLength(1);
  } finally {
    await worker.close();
    connection.disconnect();
  }
});

it('closes a worker only once the polls in flight have finished', async () => {
  const connection = createRedisConnection(redisServer.url);
  const deps = createPollFeedDeps(connection, parseConfig({ fetch: { allowHosts: [feedServer.host] } }));
  const worker = startPollWorker(deps, { concurrency: 2 });
  const release: (() => void)[] = [];
  feedServer.setRoute('/held.xml', (_req, res) =>
    release.push(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss version="2.0"><channel><title>H</title><item><guid>urn:held</guid><title>Held</title></item></channel></rss>')),
  );
  try {
    const { feed } = await deps.feeds.add({ url: feedServer.url('/held.xml'), intervalMinutes: 15 });
    // This feed's poll: the worker also polls what earlier tests left due on the same Redis.
    const polled = new Promise<unknown[]>((resolve) => worker.on('polled', (result: { feedId: string }) => result.feedId === feed.id && resolve([result])));
    await deps.queue.requestPoll(feed.id);
    await expect.poll(() => release.length, { timeout: 30_000 }).toBe(1);

    let closed = false;
    const closing = worker.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(false);
    release[0]!();
    await closing;
    // Recorded before close() resolved: its state, its next due time, its lease released.
    expect(await polled).toEqual([{ feedId: feed.id, feed: feed.url, status: 'fetched', newItems: 1 }]);
    expect((await deps.feeds.getState(feed.id)).lastSuccessAt).toBeDefined();
    expect(await deps.queue.dueAt(feed.id)).toBeGreaterThan(Date.now());
    expect(await connection.zcard(deps.queue.keys.pollLeases())).toBe(0);
    expect((await deps.items.inWindow(new Date(0), new Date(Date.now() + 60_000))).map((item) => item.title)).toContain('Held');
  } finally {
    await worker.close();
    connection.disconnect();
  }
});

it('logs a poll that throws (a bug, not the feed’s fault), leaves the feed’s state alone and keeps it scheduled at its next slot', async () => {
  const connection = createRedisConnection(redisServer.url);
  const deps = createPollFeedDeps(connection, parseConfig({ fetch: { allowHosts: [feedServer.host] } }), {
    onNewItems: () => Promise.reject(new Error('story engine bug')),
  });
  const worker = startPollWorker(deps, { concurrency: 2, logger });
  try {
    feedServer.setFeed('/buggy.xml', '<rss version="2.0"><channel><title>B</title><item><guid>urn:buggy</guid><title>Buggy</title></item></channel></rss>');
    const { feed } = await deps.feeds.add({ url: feedServer.url('/buggy.xml'), intervalMinutes: 15 });
    const failed = once(worker, 'failed');
    const asked = Date.now();
    await deps.queue.requestPoll(feed.id, asked);
    const [feedId, error] = (await failed) as [string, Error];
    expect({ feedId, message: error.message }).toEqual({ feedId: feed.id, message: 'story engine bug' });
    expect(logLines.some((line) => line.msg === 'poll failed')).toBe(true);
    expect(await deps.feeds.getState(feed.id)).toEqual({ consecutiveFailures: 0 });
    const due = await deps.queue.dueAt(feed.id);
    expect(due).toBeGreaterThan(asked);
    expect(due).toBe(nextPollAt(feed, due! - 1));
    expect(await connection.zcard(deps.queue.keys.pollLeases())).toBe(0);
  } finally {
    await worker.close();
    connection.disconnect();
  }
});
