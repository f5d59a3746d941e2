import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { feedIdFor } from '../../src/feeds/feed-id.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { COMPOSE_JOB_NAME } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { ItemStore } from '../../src/store/items.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, rigSender } from '../support/delivery-rig.js';
import { newsFeedXml } from '../support/news-feed.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { telegramChat } from '../support/subscription-fixtures.js';

const FEEDS = 6;
const ITEMS_PER_FEED = 5;
const CHATS = 60;

let server: TestRedis;
let redis: Redis;
let feeds: FeedServer;
let emulator: TelegramEmulator;

beforeAll(async () => {
  server = await startRedis({ appendOnly: true });
  redis = createRedisConnection(server.url);
  // Slow feeds keep polls in flight while Redis goes down.
  feeds = await startFeedServer({ latencyMs: 300 });
  for (let i = 0; i < FEEDS; i++) feeds.setFeed(`/feed-${i}.xml`, newsFeedXml(`source${i}`, ITEMS_PER_FEED));
  // Paced delivery keeps the fan-out in flight while Redis goes down.
  emulator = await startTelegramEmulator({ token: RIG_TOKEN });
});
afterAll(async () => {
  redis.disconnect();
  await emulator.close();
  await feeds.close();
  await server.stop();
});

it('loses no item, subscription or delivery when Redis restarts mid-poll and mid-fan-out; the workers reconnect by themselves', { timeout: 120_000 }, async () => {
  const config = parseConfig({
    feeds: Array.from({ length: FEEDS }, (_, i) => ({ url: feeds.url(`/feed-${i}.xml`) })),
    fetch: { allowHosts: [feeds.host] },
    telegram: { token: RIG_TOKEN, apiRoot: emulator.apiRoot },
  });
  const keys = createKeys(config.redis.prefix);
  const subscriptions = new SubscriptionStore(redis, keys);
  const subs = Array.from({ length: CHATS }, (_, i) => telegramChat(900 + i));
  for (const sub of subs) {
    emulator.addChat({ id: Number(sub.destination.chatId), type: 'private' });
    await subscriptions.upsert(sub);
  }
  const telegram = rigSender(redis, emulator.apiRoot, { pacing: { global: { limit: 40, perMs: 1000 }, perChat: { limit: 100, perMs: 1000 }, perGroup: { limit: 100, perMs: 1000 } } });
  const workers = await startWorkers({ config, connection: redis, senders: { telegram, console: new ConsoleSender() }, logger: createLogger({ level: 'silent' }), roles: { worker: true, scheduler: true } });
  try {
    for (let i = 0; i < FEEDS; i++) await workers.queues.poll.requestPoll(feedIdFor(feeds.url(`/feed-${i}.xml`)));
    await expect.poll(() => feeds.requests.length, { timeout: 30_000, interval: 10 }).toBeGreaterThan(0);
    await server.restart();

    const items = new ItemStore(redis, keys, { retentionDays: 7 });
    await expect.poll(async () => (await items.inWindow(new Date(0), new Date(Date.now() + 60_000))).length, { timeout: 60_000 }).toBe(FEEDS * ITEMS_PER_FEED);

    // One planned run for all, as their schedulers give it: jobs stamped a millisecond apart would
    // be windows of their own, and the later ones would find the stories already delivered.
    const at = Date.now();
    await workers.queues.compose.addBulk(subs.map((sub) => ({ name: COMPOSE_JOB_NAME, data: { subscriptionId: sub.id }, opts: { prevMillis: at } })));
    await expect.poll(() => emulator.stats.sent, { timeout: 60_000, interval: 10 }).toBeGreaterThan(CHATS / 2);
    await server.restart();

    await expect.poll(async () => (await workers.queues.deliver.getJobCounts('completed')).completed, { timeout: 90_000, interval: 200 }).toBe(CHATS);
    expect((await subscriptions.list({ active: true })).map((s) => s.id).sort()).toEqual(subs.map((s) => s.id).sort());
    const parts = emulator.messages(900).map((m) => m.text);
    expect(parts.length).toBeGreaterThan(0);
    for (const sub of subs) expect(emulator.messages(Number(sub.destination.chatId)).map((m) => m.text)).toEqual(parts);
  } finally {
    await workers.close();
  }
});
