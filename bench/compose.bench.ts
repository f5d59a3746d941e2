/**
 * Compose for 10,000 subscriptions due at one minute: all on one bundle (one compose, the rest
 * read it) against each on its own feed set (10,000 composes). Wall time of the compose jobs'
 * work (composeAndQueue, 20 at a time like a compose worker), delivery jobs queued included.
 */
import { composeAndQueue, type ComposeJobDeps } from '../jobs/compose.js';
import { createRedisConnection, openQueueConnection } from '../src/queue/connection.js';
import { createDeliverQueue } from '../src/queue/deliver-jobs.js';
import { BriefingStore } from '../src/store/briefings.js';
import { FeedStore } from '../src/store/feeds.js';
import { ItemStore } from '../src/store/items.js';
import { createKeys } from '../src/store/keys.js';
import { RedisStoryEngine } from '../src/store/story-engine.js';
import { SubscriptionStore } from '../src/store/subscriptions.js';
import type { Subscription } from '../src/subscriptions/model.js';
import { ComposeCache } from '../src/subscriptions/compose-cache.js';
import { startRedis } from '../test/support/redis.js';
import { newsItem, TEST_CONFIG, telegramChat } from '../test/support/subscription-fixtures.js';
import { timeIt, withRatio, type Benchmark } from './harness.js';

const SUBSCRIPTIONS = 10_000;
const FEEDS = 150;
const ITEMS_PER_FEED = 4;
const IN_FLIGHT = 20;
const PREFIX = 'bench-compose';

/** Runs `task` over `values`, `inFlight` at a time. */
async function eachLimited<T>(values: T[], inFlight: number, task: (value: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < values.length) await task(values[next++]!);
  }));
}

/** The i-th distinct pair of feeds (150 feeds give 11,175 pairs). */
function feedPair(feedIds: string[], index: number): string[] {
  let first = 0;
  let remaining = index;
  while (remaining >= FEEDS - 1 - first) remaining -= FEEDS - 1 - first++;
  return [feedIds[first]!, feedIds[first + 1 + remaining]!];
}

const bench: Benchmark = {
  title: `Compose: ${SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions on one bundle vs on distinct feed sets`,
  async run(log) {
    const server = await startRedis();
    const redis = createRedisConnection(server.url);
    const keys = createKeys(PREFIX);
    // As startWorkers opens it: on a connection of its own, so BullMQ's scripts stay off the store's.
    const queueRedis = openQueueConnection(redis);
    const deliverQueue = createDeliverQueue(queueRedis, PREFIX);
    const subscriptions = new SubscriptionStore(redis, keys);
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    try {
      const topics = ['harbour', 'railway', 'orchestra', 'glacier', 'satellite', 'vineyard', 'marathon', 'library', 'bridge', 'telescope'];
      const feedStore = new FeedStore(redis, keys);
      const feedIds: string[] = [];
      for (let i = 0; i < FEEDS; i++) feedIds.push((await feedStore.add({ url: `https://feed${i}.example/rss`, intervalMinutes: 15 })).feed.id);
      const items = Array.from({ length: FEEDS * ITEMS_PER_FEED }, (_, i) =>
        newsItem(`item${i}`, { feedId: feedIds[i % FEEDS]!, source: `Source ${i % FEEDS}`, title: `The ${topics[i % topics.length]} number ${i} reopens`, publishedAt: new Date(at.getTime() - (i + 1) * 60_000) }),
      );
      await new RedisStoryEngine(redis, PREFIX).addItems(await new ItemStore(redis, keys, { retentionDays: 7 }).addNew(items));

      const deleteMatching = async (pattern: string) => {
        const found = await redis.keys(pattern);
        if (found.length > 0) await redis.del(...found);
      };
      const runCase = async (name: string, make: (i: number) => Subscription) => {
        await deleteMatching(`${PREFIX}:sub*`);
        await deliverQueue.obliterate({ force: true });
        const subs = Array.from({ length: SUBSCRIPTIONS }, (_, i) => make(i));
        await eachLimited(subs, 100, (sub) => subscriptions.upsert(sub));
        // A fresh process: nothing composed or cached yet.
        const deps: ComposeJobDeps = { redis, prefix: PREFIX, config: TEST_CONFIG, subscriptions, briefings: new BriefingStore(redis, keys), feeds: feedStore, cache: new ComposeCache(), deliverQueue };
        const { ms } = await timeIt(() => eachLimited(subs, IN_FLIGHT, (sub) => composeAndQueue(sub.id, at, deps)));
        const briefings = (await redis.keys(`${PREFIX}:briefing:*`)).length;
        await deleteMatching(`${PREFIX}:briefing:*`);
        log(`${name}: ${(ms / 1000).toFixed(1)} s, ${briefings} briefing(s) composed, ${await deliverQueue.count()} deliveries queued`);
        return { ms, briefings };
      };
      const shared = await runCase('one bundle', (i) => telegramChat(i));
      const distinct = await runCase('distinct feed sets', (i) => telegramChat(i, { feedIds: feedPair(feedIds, i) }));
      const note = `${FEEDS * ITEMS_PER_FEED} items from ${FEEDS} feeds in the window; ${IN_FLIGHT} compose jobs in flight in one process`;
      return [
        { name: 'compose 10,000 subscriptions, one bundle', value: shared.ms / 1000, unit: 's', note: `${shared.briefings} briefing composed; ${note}` },
        withRatio({ name: 'compose 10,000 subscriptions, distinct feed sets', value: distinct.ms / 1000, unit: 's', baseline: shared.ms / 1000, note: `${distinct.briefings} briefings composed; baseline = one bundle; ${note}` }),
      ];
    } finally {
      await deliverQueue.close();
      queueRedis.disconnect();
      redis.disconnect();
      await server.stop();
    }
  },
};

export default bench;
