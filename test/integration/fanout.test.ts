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

/** Polls the feed served at `path` now and waits until the poll is recorded: its items stored, placed into stories and alerted on. */
async function pollNow(workers: RunningWorkers, path = '/world.xml'): Promise<void> {
  const feedId = feedIdFor(feeds.url(path));
  const store = new FeedStore(redis, createKeys());
  const before = (await store.getState(feedId)).lastSuccessAt;
  await workers.queues.poll.requestPoll(feedId);
  await expect.poll(async () => (await store.getState(feedId)).lastSuccessAt, { timeout: 30_000 }).not.toBe(before);
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
      await pollNow(workers);
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
      await pollNow(workers);
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

const FLOOD = 'River flood closes the old town bridge';

/** An aggregator's RSS document named `name`: one report of the flood from each outlet, credited to it. */
function floodReports(name: string, outlets: string[]): string {
  const now = Date.now();
  const items = outlets.map((outlet, index) => {
    const page = `https://${outlet.toLowerCase()}.example/flood`;
    return (
      `<item><guid>${page}</guid><link>${page}</link><title>${FLOOD}</title><source url="https://${outlet.toLowerCase()}.example/rss">${outlet}</source>` +
      `<description>Rising water closed the old town bridge at dawn. Engineers expect it to reopen on Friday, ${outlet} reports.</description>` +
      `<pubDate>${new Date(now - (index + 1) * 300_000).toUTCString()}</pubDate></item>`
    );
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${name}</title><link>https://${name}.example/</link>${items.join('')}</channel></rss>`;
}

/** Waits until every queued delivery is done. */
async function deliveriesDone(workers: RunningWorkers): Promise<void> {
  const queued = async () => Object.values(await workers.queues.deliver.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce((sum, count) => sum + count, 0);
  await expect.poll(queued, { timeout: 30_000 }).toBe(0);
}

/**
 * An entry two feeds list is stored once, under the feed polled first, and only recorded as a
 * copy for the other (see shared-entries.test.ts): a chat following only the other feed must
 * still get the alert of a story its copies make breaking for it, once, and no chat twice.
 */
describe('startWorkers: breaking news from entries two feeds list', () => {
  it('alerts a chat following only the feed polled second once, and no chat a second time', async () => {
    const OUTLETS = ['One', 'Two', 'Three'];
    // The digest and the mirror list nothing yet, so the wire is the feed that stores the reports.
    feeds.setFeed('/wire.xml', floodReports('wire', OUTLETS));
    feeds.setFeed('/digest.xml', floodReports('digest', []));
    feeds.setFeed('/mirror.xml', floodReports('mirror', []));
    const feedId = (path: string) => feedIdFor(feeds.url(path));
    const config = parseConfig({
      feeds: ['Wire', 'Digest', 'Mirror'].map((name) => ({ url: feeds.url(`/${name.toLowerCase()}.xml`), name })),
      fetch: { allowHosts: [feeds.host] },
      telegram: { token: RIG_TOKEN, apiRoot: emulator.apiRoot },
    });
    const subscriptions = new SubscriptionStore(redis, createKeys(config.redis.prefix));
    const following = (chatId: number, paths: string[]) => telegramChat(chatId, { feedIds: paths.map(feedId), breakingMinSources: 3 });
    const chats = {
      wire: following(801, ['/wire.xml']),
      digest: following(802, ['/digest.xml']),
      both: following(803, ['/wire.xml', '/digest.xml']),
      copiesOnly: following(804, ['/digest.xml', '/mirror.xml']),
    };
    for (const chat of Object.values(chats)) {
      emulator.addChat({ id: Number(chat.destination.chatId), type: 'private' });
      await subscriptions.upsert(chat);
    }
    const alertsTo = (chat: { destination: { chatId: string } }) => emulator.messages(Number(chat.destination.chatId)).map((message) => message.text);
    const senders = { telegram: rigSender(redis, emulator.apiRoot), console: new ConsoleSender() };
    const workers = await startWorkers({ config, connection: redis, senders, logger, roles: { worker: true, scheduler: true } });
    try {
      for (const path of ['/wire.xml', '/digest.xml', '/mirror.xml']) await pollNow(workers, path);
      await deliveriesDone(workers);
      expect(alertsTo(chats.wire)).toEqual([expect.stringContaining(FLOOD)]);
      expect(alertsTo(chats.both)).toEqual(alertsTo(chats.wire));
      expect(alertsTo(chats.digest)).toEqual([]);
      expect(alertsTo(chats.copiesOnly)).toEqual([]);

      // The digest picks the reports up: copies of the wire's, which make the story breaking for its followers.
      feeds.setFeed('/digest.xml', floodReports('digest', OUTLETS));
      await pollNow(workers, '/digest.xml');
      await deliveriesDone(workers);
      expect(alertsTo(chats.digest)).toEqual([expect.stringContaining(FLOOD)]);
      expect(alertsTo(chats.copiesOnly)).toEqual(alertsTo(chats.digest));

      // More copies (the mirror's) and the digest listing them again alert nobody again.
      feeds.setFeed('/mirror.xml', floodReports('mirror', OUTLETS));
      feeds.setFeed('/digest.xml', floodReports('digest', [...OUTLETS].reverse()));
      await pollNow(workers, '/mirror.xml');
      await pollNow(workers, '/digest.xml');
      await deliveriesDone(workers);
      for (const chat of Object.values(chats)) expect(alertsTo(chat)).toHaveLength(1);
      expect(emulator.stats.sent).toBe(4);
    } finally {
      await workers.close();
    }
  });
});
