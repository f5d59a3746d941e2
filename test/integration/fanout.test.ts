import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { feedIdFor } from '../../src/feeds/feed-id.js';
import { createLogger } from '../../src/log.js';
import { HeraldMetrics } from '../../src/observability/metrics.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { COMPOSE_JOB_NAME } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startWorkers, type RunningWorkers } from '../../src/runtime/workers.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, rigSender } from '../support/delivery-rig.js';
import { newsFeedXml } from '../support/news-feed.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { telegramChat } from '../support/subscription-fixtures.js';

let server: TestRedis;
let redis: Redis;
let feeds: FeedServer;
let emulator: TelegramEmulator;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url);
  feeds = await startFeedServer();
  feeds.setFeed('/world.xml', newsFeedXml('world', 8));
});
afterAll(async () => {
  redis.disconnect();
  await feeds.close();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
  emulator = await startTelegramEmulator({ token: RIG_TOKEN });
  return () => emulator.close();
});

function configFor(telegramToken?: string) {
  return parseConfig({ feeds: [{ url: feeds.url('/world.xml'), name: 'World' }], fetch: { allowHosts: [feeds.host] }, ...(telegramToken ? { telegram: { token: telegramToken, apiRoot: emulator.apiRoot } } : {}) });
}

/** Polls the feed now (the start made it due now, as it was never polled) and waits until the poll is recorded, its items stored. */
async function pollAll(workers: RunningWorkers): Promise<void> {
  const feedId = feedIdFor(feeds.url('/world.xml'));
  await workers.queues.poll.requestPoll(feedId);
  const store = new FeedStore(redis, createKeys());
  await expect.poll(async () => (await store.getState(feedId)).lastSuccessAt, { timeout: 30_000 }).toBeDefined();
}

describe('startWorkers', () => {
  it('with no bot token, subscribes the console and prints the briefing there', async () => {
    let printed = '';
    const out = new Writable({ write: (chunk: Buffer, _encoding, done) => ((printed += chunk.toString()), done()) });
    const config = configFor();
    const workers = await startWorkers({ config, connection: redis, senders: { console: new ConsoleSender(out) }, logger, roles: { worker: true, scheduler: true } });
    try {
      const subscriptions = new SubscriptionStore(redis, createKeys(config.redis.prefix));
      expect((await subscriptions.list()).map((s) => s.id)).toEqual(['console/console']);
      expect((await workers.queues.compose.getJobSchedulers()).map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([{ key: 'compose-console/console-daily-0730', pattern: '30 7 * * *', tz: 'UTC' }]);
      await pollAll(workers);
      await workers.queues.compose.add(COMPOSE_JOB_NAME, { subscriptionId: 'console/console' });
      await expect.poll(() => printed, { timeout: 30_000 }).toContain('News about the harbour world 0');
      expect(printed).toContain('→ console');
    } finally {
      await workers.close();
    }
  });

  it('composes once for 40 subscribers of one bundle and delivers every part to each exactly once', async () => {
    const config = configFor(RIG_TOKEN);
    const subscriptions = new SubscriptionStore(redis, createKeys(config.redis.prefix));
    const subs = Array.from({ length: 40 }, (_, i) => telegramChat(700 + i));
    for (const sub of subs) {
      emulator.addChat({ id: Number(sub.destination.chatId), type: 'private' });
      await subscriptions.upsert(sub);
    }
    const senders = { telegram: rigSender(redis, emulator.apiRoot), console: new ConsoleSender() };
    const metrics = new HeraldMetrics();
    const workers = await startWorkers({ config, connection: redis, senders, logger, roles: { worker: true, scheduler: true }, metrics });
    try {
      expect((await subscriptions.list()).some((s) => s.destination.platform === 'console')).toBe(false);
      expect(await workers.queues.compose.getJobSchedulers()).toHaveLength(40);
      await pollAll(workers);
      // As the schedulers would at 07:30: every subscription's compose job for the same minute.
      // The scheduled instant comes after the polls, as at 07:30 (a window ends there: items first seen later wait for the next).
      const at = Date.now();
      await workers.queues.compose.addBulk(subs.map((sub) => ({ name: COMPOSE_JOB_NAME, data: { subscriptionId: sub.id }, opts: { prevMillis: at } })));
      await expect.poll(async () => (await workers.queues.deliver.getJobCounts('completed')).completed, { timeout: 60_000 }).toBe(40);

      expect(await redis.keys(`${config.redis.prefix}:briefing:*`)).toHaveLength(1);
      const reference = emulator.messages(700).map((m) => m.text);
      expect(reference.length).toBeGreaterThan(0);
      expect(reference.join('\n')).toContain('News about the harbour world 0');
      for (const sub of subs) expect(emulator.messages(Number(sub.destination.chatId)).map((m) => m.text)).toEqual(reference);
      expect(emulator.stats.sent).toBe(40 * reference.length);
      const { body } = await metrics.exposition();
      expect(body).toMatch(/^herald_briefings_composed_total 40$/m);
      expect(body).toMatch(/^herald_stories_created_total 8$/m);
    } finally {
      await workers.close();
    }
  });
});
