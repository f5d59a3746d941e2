import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedis } from '../../src/cli/doctor/redis-checks.js';
import { parseConfig } from '../../src/config/load.js';
import { fingerprintItem } from '../../src/dedup/fingerprint.js';
import { itemTime } from '../../src/dedup/item-time.js';
import { InMemoryNearDuplicateIndex } from '../../src/dedup/near-duplicate-index.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { COMPOSE_JOB_NAME, createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createDeliverQueue, fanOut } from '../../src/queue/deliver-jobs.js';
import { startWorkers, type RunningWorkers } from '../../src/runtime/workers.js';
import { BriefingStore } from '../../src/store/briefings.js';
import type { RedisClient } from '../../src/store/client.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { RedisNearDuplicateIndex } from '../../src/store/near-duplicate-index.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { loadLabelledSet } from '../fixtures/dedup/labelled-set.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, rigSender, saveTestBriefing } from '../support/delivery-rig.js';
import { newsFeedXml } from '../support/news-feed.js';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-cluster.js';
import { telegramChat } from '../support/subscription-fixtures.js';

/**
 * Herald on a real Redis Cluster (three masters, three replicas): the whole pipeline from poll
 * to a Telegram chat, the data spread over the masters, and a master failing mid-fan-out.
 */

let cluster: TestRedisCluster;
let feedServer: FeedServer;
let telegram: TelegramEmulator;
const connections: RedisClient[] = [];
const running: RunningWorkers[] = [];

/** Herald's workers in this process against the cluster, as `herald start --role worker` runs them. */
async function startHerald(prefix: string, deliverConcurrency = 10): Promise<{ redis: RedisClient; workers: RunningWorkers }> {
  const redis = createRedisConnection(cluster.endpoint, { name: `cluster-test-${prefix}` });
  connections.push(redis);
  const config = parseConfig({
    redis: { prefix, cluster: { nodes: cluster.endpoint.nodes.map(({ host, port }) => `${host}:${port}`) } },
    telegram: { token: RIG_TOKEN, apiRoot: telegram.apiRoot },
    fetch: { allowHosts: [feedServer.host] },
  });
  // Killing a master makes the workers log every command it cut short; the test counts what matters.
  const logger = createLogger({ destination: process.stderr, level: 'fatal' });
  const workers = await startWorkers({ config, connection: redis, senders: { telegram: rigSender(redis, telegram.apiRoot), console: new ConsoleSender(process.stderr) }, logger, roles: { worker: true, scheduler: false }, deliverConcurrency, shutdownGraceMs: 1_000 });
  running.push(workers);
  return { redis, workers };
}

/** A time of day twelve hours away, so no scheduled briefing falls inside the test. */
function farFromNow(): string {
  return `${String((new Date().getUTCHours() + 12) % 24).padStart(2, '0')}:00`;
}

beforeAll(async () => {
  [cluster, feedServer, telegram] = await Promise.all([startRedisCluster(), startFeedServer(), startTelegramEmulator({ token: RIG_TOKEN })]);
});

afterAll(async () => {
  // After a failover a close can wait on a command to the stopped master for as long as ioredis
  // retries; the cluster goes away below anyway, so a close gets some seconds, not the hook's time.
  const closing = Promise.all(running.map((workers) => workers.close().catch(() => undefined)));
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  for (const redis of connections) redis.disconnect();
  await Promise.all([feedServer?.close(), telegram?.close()]);
  await cluster?.stop();
}, 120_000);

describe('Herald on a Redis Cluster', () => {
  it('herald doctor checks the cluster and every master, naming the one at fault', async () => {
    const redis = createRedisConnection(cluster.endpoint);
    connections.push(redis);
    const results = await checkRedis(redis, cluster.endpoint);
    expect(results[0]).toMatchObject({ name: 'redis cluster', status: 'ok', detail: expect.stringContaining('16384 of 16384 slots assigned, 3 master(s), 6 node(s)') });
    // The test cluster runs without persistence: doctor says so for each master by address.
    const persistence = results.filter((result) => result.name === 'redis persistence');
    expect(persistence).toHaveLength(3);
    for (const result of persistence) expect(result).toMatchObject({ status: 'problem', detail: expect.stringMatching(/^master 127\.0\.0\.1:\d+: no persistence/) });
    expect(results.filter((result) => result.name === 'redis eviction policy').map((result) => result.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('matches near-duplicates on the cluster as the in-memory index does, batches from two connections at once', async () => {
    const connectionsUsed = [createRedisConnection(cluster.endpoint), createRedisConnection(cluster.endpoint)];
    connections.push(...connectionsUsed);
    const indexes = connectionsUsed.map((redis) => new RedisNearDuplicateIndex(redis, 'near-duplicates'));
    const items = loadLabelledSet()
      .map(({ item }) => ({ id: item.id, fingerprint: fingerprintItem(item), at: itemTime(item), feedId: item.feedId }))
      .sort((a, b) => a.at - b.at);
    const local = new InMemoryNearDuplicateIndex();
    const expected = items.map((item) => {
      const ids = local.querySync(item.fingerprint, item.at, item.feedId);
      local.addSync(item.id, item.fingerprint, item.at, item.feedId);
      return ids;
    });
    const half = Math.floor(items.length / 2);
    expect([...(await indexes[0]!.matchAndAdd(items.slice(0, half))), ...(await indexes[1]!.matchAndAdd(items.slice(half)))]).toEqual(expected);
    // Both indexes append to the same entry hashes at once, each into chunks of its own (one time
    // bucket, weeks after the set: appending trims records that look days older than the batch).
    const more = items.map((item) => ({ ...item, id: `${item.id}-again`, at: Date.parse('2025-04-15T00:00:00Z') }));
    await Promise.all(Array.from({ length: Math.ceil(more.length / 10) }, (_, batch) => indexes[batch % 2]!.matchAndAdd(more.slice(10 * batch, 10 * batch + 10))));
    const found = await Promise.all(more.map((item) => indexes[0]!.query(item.fingerprint, item.at, 'another-feed')));
    found.forEach((ids, index) => expect(ids).toContain(more[index]!.id));
  });

  it('polls, deduplicates, clusters, composes and delivers a briefing to a Telegram chat, its data spread over every master', { timeout: 120_000 }, async () => {
    const prefix = 'pipeline';
    const { redis, workers } = await startHerald(prefix);
    const keys = createKeys(prefix);
    // Two feeds carry the same wire story (one verbatim, so exact dedup drops it); a third has its own news.
    const wire = newsFeedXml('wire', 6);
    feedServer.setFeed('/wire.xml', wire);
    feedServer.setFeed('/paper.xml', wire.replaceAll('<title>wire</title>', '<title>paper</title>'));
    feedServer.setFeed('/city.xml', newsFeedXml('city', 6));
    const feedStore = new FeedStore(redis, keys);
    const feeds = await Promise.all(['/wire.xml', '/paper.xml', '/city.xml'].map(async (path) => (await feedStore.add({ url: feedServer.url(path), intervalMinutes: 1440 })).feed));
    telegram.addChat({ id: 5_001, type: 'private' });
    const subscription = telegramChat(5_001, { schedule: { weekdays: [farFromNow()], timezone: 'UTC' } });
    await new SubscriptionStore(redis, keys).upsert(subscription);

    // The wire first: of two verbatim copies, the one seen first is kept, so the order is fixed here.
    const [wireFeed, ...others] = feeds;
    await workers.queues.poll.requestPoll(wireFeed!.id);
    await expect.poll(() => storyOfCount(redis, prefix), { timeout: 60_000, interval: 250 }).toBe(6);
    for (const feed of others) await workers.queues.poll.requestPoll(feed.id);
    await expect.poll(() => storyOfCount(redis, prefix), { timeout: 60_000, interval: 250 }).toBe(12);

    const composeQueue = createComposeQueue(redis, prefix);
    await composeQueue.add(COMPOSE_JOB_NAME, { subscriptionId: subscription.id });
    await expect.poll(() => telegram.messages(5_001).length, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);
    await composeQueue.close();
    const briefing = telegram.messages(5_001).map((message) => message.plainText).join('\n');
    // Each wire story is told once: the paper's copies of its entries only add the paper to the
    // outlets credited (the chat follows every feed), and the city's matching reports join the story.
    for (let index = 0; index < 6; index += 1) expect(briefing.split(`News about the ${['harbour', 'railway', 'orchestra', 'glacier', 'satellite', 'vineyard'][index]} wire ${index}\n`)).toHaveLength(2);
    expect(briefing.split('\n').filter((line) => line.startsWith('🔗'))).toEqual(Array.from({ length: 6 }, () => '🔗 wire · paper · city'));

    // Herald's keys live on every master, not on one.
    const perMaster = await Promise.all((redis as Cluster).nodes('master').map((node) => node.dbsize()));
    for (const count of perMaster) expect(count).toBeGreaterThan(0);
  });

  it('delivers every briefing when the master holding the queues fails mid-fan-out, and counts the duplicates', { timeout: 120_000 }, async () => {
    const prefix = 'failover';
    const chats = 150;
    const parts = 3;
    const { redis } = await startHerald(prefix, 5);
    const keys = createKeys(prefix);
    const subscriptions = Array.from({ length: chats }, (_, index) => {
      telegram.addChat({ id: 9_000 + index, type: 'private' });
      return telegramChat(9_000 + index);
    });
    const subscriptionStore = new SubscriptionStore(redis, keys);
    for (const subscription of subscriptions) await subscriptionStore.upsert(subscription);
    await saveTestBriefing(new BriefingStore(redis, keys), 'failover-briefing', parts);
    const deliverQueue = createDeliverQueue(redis, prefix);
    const queueSlot = Number(await (redis as Cluster).cluster('KEYSLOT', `{${prefix}}`));
    const queueMaster = Number((redis as Cluster).slots[queueSlot]![0]!.split(':')[1]);

    await fanOut(deliverQueue, 'failover-briefing', subscriptions);
    const sent = () => subscriptions.reduce((total, subscription) => total + telegram.messages(Number(subscription.destination.chatId)).length, 0);
    await expect.poll(sent, { timeout: 60_000, interval: 50 }).toBeGreaterThan(chats / 3);
    await cluster.kill(queueMaster);
    await cluster.waitForFailover(queueMaster);

    await expect.poll(async () => (await deliverQueue.getJobCounts('completed')).completed, { timeout: 90_000, interval: 250 }).toBe(chats);
    const expected = Array.from({ length: parts }, (_, i) => `Part ${i + 1}/${parts} of failover-briefing`);
    let duplicates = 0;
    const lost: string[] = [];
    for (const subscription of subscriptions) {
      const texts = telegram.messages(Number(subscription.destination.chatId)).map((message) => message.plainText);
      duplicates += texts.length - new Set(texts).size;
      lost.push(...expected.filter((part) => !texts.includes(part)).map((part) => `${subscription.id}: ${part}`));
    }
    process.stdout.write(`failover of master :${queueMaster} mid-fan-out: ${chats * parts} parts, ${duplicates} sent twice, ${lost.length} lost\n`);
    expect(lost).toEqual([]);
    await deliverQueue.close();
    // The dead master is named until it is back.
    const [state] = await checkRedis(redis, cluster.endpoint);
    expect(state).toMatchObject({ name: 'redis cluster', status: 'warn', detail: expect.stringContaining(`127.0.0.1:${queueMaster}`) });
  });
});

/** How many items the story engine has placed (one story-of key each), over every master. */
async function storyOfCount(redis: RedisClient, prefix: string): Promise<number> {
  const counts = await Promise.all(
    (redis as Cluster).nodes('master').map(async (node) => {
      let cursor = '0';
      let count = 0;
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:story-of:*`, 'COUNT', 1000);
        cursor = next;
        count += keys.length;
      } while (cursor !== '0');
      return count;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
