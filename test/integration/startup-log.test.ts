/**
 * What `herald start` says about its state: the feeds loaded (a warning when there are none),
 * each subscription's next briefing in its own time zone, and a dead Redis explained while it
 * is waited for.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComposeQueue, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { nextBriefingTimes, syncSubscriptionSchedulers } from '../../src/queue/subscription-schedulers.js';
import { deadRedisAdvice, waitForRedis } from '../../src/runtime/redis-wait.js';
import { countFeeds, logFeedSummary, logNextBriefings, summarizeActive } from '../../src/runtime/startup-summary.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { memoryLogger, type LogLine } from '../support/memory-logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { telegramChat } from '../support/subscription-fixtures.js';

/** pino's levels. */
const WARN = 40;
const ERROR = 50;

let server: TestRedis;
let redis: Redis;
const queues: ComposeQueue[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});
afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await server.stop();
});

function storesUnder(prefix: string) {
  const keys = createKeys(prefix);
  const composeQueue = createComposeQueue(redis, prefix);
  queues.push(composeQueue);
  return { feeds: new FeedStore(redis, keys), subscriptions: new SubscriptionStore(redis, keys), composeQueue };
}

describe('the start-up summary', () => {
  it('counts the feeds loaded and gives each subscription its next briefing, in its own time zone', async () => {
    const stores = storesUnder('summary');
    await stores.feeds.add({ url: 'https://city.example/feed.xml', name: 'City Desk', intervalMinutes: 15 });
    const { feed: broken } = await stores.feeds.add({ url: 'https://broken.example/feed.xml', intervalMinutes: 15 });
    await stores.feeds.saveState(broken.id, { consecutiveFailures: 10, disabledReason: 'HTTP 404 ten times in a row' });
    const tokyo = telegramChat(1001, { schedule: { weekdays: ['07:30'], timezone: 'Asia/Tokyo' } });
    const stJohns = telegramChat(1002, { schedule: { weekdays: ['18:00'], timezone: 'America/St_Johns' } });
    for (const subscription of [tokyo, stJohns]) await stores.subscriptions.upsert(subscription);
    await syncSubscriptionSchedulers(stores.composeQueue, redis, [tokyo, stJohns]);

    const { logger, lines } = memoryLogger();
    logFeedSummary(countFeeds(await stores.feeds.listWithState()), logger);
    await logNextBriefings({ active: summarizeActive([tokyo, stJohns]), composeQueue: stores.composeQueue, logger });

    expect(lines.map((line) => line.msg)).toContain('2 feeds loaded, 1 polled (1 disabled after repeated failures: see /status or `npx herald doctor`)');
    const next = await nextBriefingTimes(stores.composeQueue, [tokyo, stJohns]);
    const tokyoLine = lines.find((line) => line.msg.startsWith('next briefing for telegram 1001: '));
    expect(tokyoLine?.msg).toMatch(/^next briefing for telegram 1001: \d{4}-\d\d-\d\dT07:30:00\+09:00 \(Asia\/Tokyo\)$/);
    const stJohnsLine = lines.find((line) => line.msg.startsWith('next briefing for telegram 1002: '));
    expect(stJohnsLine?.msg).toMatch(/^next briefing for telegram 1002: \d{4}-\d\d-\d\dT18:00:00-0[23]:30 \(America\/St_Johns\)$/);
    // The time shown is the one BullMQ will run.
    const shown = (line: LogLine | undefined) => Date.parse(line!.msg.split(': ')[1]!.split(' ')[0]!);
    expect(shown(tokyoLine)).toBe(next.get(tokyo.id)!.getTime());
    expect(shown(stJohnsLine)).toBe(next.get(stJohns.id)!.getTime());
  });

  it('warns when there are no feeds: every briefing would be empty', async () => {
    const { logger, lines } = memoryLogger();
    const stores = storesUnder('empty');
    logFeedSummary(countFeeds(await stores.feeds.listWithState()), logger);
    await logNextBriefings({ active: summarizeActive([]), composeQueue: stores.composeQueue, logger });
    const warning = lines.find((line) => line.level === WARN);
    expect(warning?.msg).toMatch(/^no feeds: every briefing will be empty\. Add feeds under `feeds:` in herald\.config\.yaml/);
    expect(lines.map((line) => line.msg)).toContain('no subscriptions yet: /subscribe in a Telegram chat or /herald subscribe in a Discord channel');
  });
});

describe('a dead Redis at start', () => {
  it('says what to check, reminds while waiting, and goes on once Redis answers', { timeout: 60_000 }, async () => {
    const dead = await startRedis();
    await dead.down();
    const connection = createRedisConnection(dead.url);
    const { logger, lines } = memoryLogger();
    let answered = false;
    const endpoint = { kind: 'single', url: dead.url } as const;
    const waiting = waitForRedis(connection, endpoint, logger, { adviseAfterMs: 5_000, remindEveryMs: 200 }).then(() => (answered = true));
    try {
      await expect.poll(() => lines.filter((line) => line.msg.startsWith('still waiting for Redis')).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      const advice = lines.find((line) => line.level === ERROR);
      expect(advice?.msg).toBe(deadRedisAdvice(endpoint, `connect ECONNREFUSED 127.0.0.1:${dead.port}`));
      expect(advice?.msg).toContain(`Redis at ${dead.url} does not answer (connect ECONNREFUSED 127.0.0.1:${dead.port})`);
      expect(advice?.msg).toContain(`redis-cli -u ${dead.url} ping`);
      expect(advice?.msg).toContain('REDIS_URL');
      expect(advice?.msg).toContain('`npx herald doctor`');
      expect(lines.filter((line) => line.level === ERROR)).toHaveLength(1);
      expect(answered).toBe(false);

      await dead.up();
      await waiting;
      expect(lines.at(-1)?.msg).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${dead.port} answers after \\d+ s: starting$`));
    } finally {
      connection.disconnect();
      await dead.stop();
    }
  });

  it('never shows the password of the URL', () => {
    const advice = deadRedisAdvice({ kind: 'single', url: 'redis://herald:s3cret-pass@redis.internal:6380/2' }, 'getaddrinfo ENOTFOUND redis.internal');
    expect(advice).not.toContain('s3cret-pass');
    expect(advice).toMatch(/^Redis at redis:\/\/redis\.internal:6380\/2 does not answer \(getaddrinfo ENOTFOUND redis\.internal\)/);
  });

  it('says what to check for a Redis Cluster and for Sentinels', () => {
    const cluster = deadRedisAdvice({ kind: 'cluster', nodes: [{ host: '10.0.0.5', port: 7000 }] }, 'connect ETIMEDOUT');
    expect(cluster).toMatch(/^Redis Cluster via 10\.0\.0\.5:7000 does not answer \(connect ETIMEDOUT\)\. Check that the cluster's nodes are running \(redis-cli -h 10\.0\.0\.5 -p 7000 cluster info\)/);
    expect(cluster).toContain('REDIS_CLUSTER_NODES');
    const sentinel = deadRedisAdvice({ kind: 'sentinel', sentinels: [{ host: 'sentinel-1', port: 26379 }], name: 'mymaster' }, 'All sentinels are unreachable');
    expect(sentinel).toContain('redis-cli -h sentinel-1 -p 26379 sentinel get-master-addr-by-name mymaster');
    expect(sentinel).toContain('`npx herald doctor`');
  });
});
