import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feed } from '../../src/feeds/item.js';
import { createComposeQueue, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { createDeliverQueue, fanOut, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { createPollQueue, type PollQueue } from '../../src/queue/poll-jobs.js';
import { syncFeedSchedule } from '../../src/queue/schedulers.js';
import { syncSubscriptionSchedulers } from '../../src/queue/subscription-schedulers.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, saveTestBriefing } from './delivery-rig.js';
import { newsFeedXml } from './news-feed.js';
import type { RedisClient } from '../../src/store/client.js';
import { telegramChat } from './subscription-fixtures.js';
import { scrapeCounter, scrapeCounterSum, startScaleOutWorker, type ScaleOutProcess } from './scale-out-process.js';

/** The Redis a scale-out run uses: a single server or a cluster. */
export interface ScaleOutBackend {
  /** A connection for the test itself. */
  connect(): RedisClient;
  /** What a worker process needs in its environment to reach it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Scaling out: two worker processes (worker + scheduler roles) against one Redis share the
 * polls and the deliveries, and nothing is done twice: each poll fetches its feed once, each
 * chat gets each part once, and the duplicated scheduler roles leave each feed scheduled once.
 * Run against a single Redis (test/integration/scale-out.test.ts) and a cluster (test/cluster).
 */
export function describeScaleOut(title: string, startBackend: () => Promise<ScaleOutBackend>): void {

  const PREFIX = 'scaleout';
  const FEEDS = 40;
  const CHATS = 120;
  const PARTS = 3;
  const WORKERS = ['alpha', 'beta'];

  let server: ScaleOutBackend;
  let redis: RedisClient;
  let feedServer: FeedServer;
  let telegram: TelegramEmulator;
  let pollQueue: PollQueue;
  let composeQueue: ComposeQueue;
  let deliverQueue: DeliverQueue;
  let feeds: Feed[];
  let subscriptions: Subscription[];
  const processes: ScaleOutProcess[] = [];

  /** A time of day twelve hours away, so no scheduled briefing falls inside the test. */
  function farFromNow(): string {
    const hour = (new Date().getUTCHours() + 12) % 24;
    return `${String(hour).padStart(2, '0')}:00`;
  }

  async function startWorkerProcess(name: string): Promise<void> {
    processes.push(await startScaleOutWorker(name, { ...server.env, HERALD_PREFIX: PREFIX, TELEGRAM_API_ROOT: telegram.apiRoot, HERALD_FEED_HOST: feedServer.host }));
  }

  /** Telegram parts a worker process sent, by its /metrics. */
  const sentBy = async (metricsUrl: string) => (await scrapeCounter(metricsUrl, 'herald_messages_sent_total')).get('platform="telegram"') ?? 0;

  beforeAll(async () => {
    [server, feedServer, telegram] = await Promise.all([startBackend(), startFeedServer({ latencyMs: 100 }), startTelegramEmulator({ token: RIG_TOKEN })]);
    redis = server.connect();
    pollQueue = createPollQueue(redis, PREFIX);
    composeQueue = createComposeQueue(redis, PREFIX);
    deliverQueue = createDeliverQueue(redis, PREFIX);
    const keys = createKeys(PREFIX);

    const feedStore = new FeedStore(redis, keys);
    feeds = [];
    for (let index = 0; index < FEEDS; index++) {
      feedServer.setFeed(`/feeds/${index}.xml`, newsFeedXml(`source${index}`, 5));
      // A day between scheduled polls: the polls in this test are the ones it asks for.
      feeds.push((await feedStore.add({ url: feedServer.url(`/feeds/${index}.xml`), intervalMinutes: 1440 })).feed);
    }
    const subscriptionStore = new SubscriptionStore(redis, keys);
    subscriptions = [];
    for (let index = 0; index < CHATS; index++) {
      const chatId = 70_000 + index;
      telegram.addChat({ id: chatId, type: 'private' });
      const subscription = telegramChat(chatId, { schedule: { weekdays: [farFromNow()], timezone: 'UTC' } });
      await subscriptionStore.upsert(subscription);
      subscriptions.push(subscription);
    }
    await saveTestBriefing(new BriefingStore(redis, keys), 'scaleout-briefing', PARTS);
    await Promise.all(WORKERS.map(startWorkerProcess));
    // Both processes take deliveries before any is queued, so neither gets them all by starting first (each process polls from its start).
    const deadline = Date.now() + 30_000;
    while ((await deliverQueue.getWorkersCount()) < WORKERS.length) {
      if (Date.now() > deadline) throw new Error(`${deliverQueue.name}: fewer than ${WORKERS.length} workers connected after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    for (const { child } of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all([composeQueue.close(), deliverQueue.close()]);
    redis.disconnect();
    await Promise.all([feedServer.close(), telegram.close()]);
    await server.stop();
  });

  describe(title, () => {
    it('leave exactly the schedules one process would: running the scheduler role twice is safe', async () => {
      expect([...(await pollQueue.dueTimes()).keys()].sort()).toEqual(feeds.map((feed) => feed.id).sort());
      expect(await syncFeedSchedule(pollQueue, await new FeedStore(redis, createKeys(PREFIX)).listWithState())).toEqual({ scheduled: 0, removed: 0 });
      const composeSchedulers = (await composeQueue.getJobSchedulers()).map((scheduler) => scheduler.key);
      expect(new Set(composeSchedulers).size).toBe(composeSchedulers.length);
      expect((await syncSubscriptionSchedulers(composeQueue, redis, subscriptions)).removed).toBe(0);
      expect((await composeQueue.getJobSchedulers()).length).toBe(composeSchedulers.length);
    });

    it('share the polls, and each poll fetches its feed once', { timeout: 120_000 }, async () => {
      const keys = createKeys(PREFIX);
      const feedStore = new FeedStore(redis, keys);
      const asked = new Date().toISOString();
      for (const feed of feeds) await pollQueue.requestPoll(feed.id);
      // The scheduler role also polls never-polled feeds at start, so a feed may be polled more than once: wait for every feed.
      const polledSince = async () => (await feedStore.listWithState()).filter(({ state }) => state.lastSuccessAt !== undefined && state.lastSuccessAt >= asked).length;
      await expect.poll(polledSince, { timeout: 90_000, interval: 200 }).toBe(FEEDS);
      // Let any poll still running finish (its lease released), so every fetch below belongs to a recorded poll.
      await expect.poll(() => redis.zcard(keys.pollLeases()), { timeout: 30_000, interval: 200 }).toBe(0);

      const polls = await scrapeCounterSum(processes, 'herald_feed_polls_total');
      const [fetched, notModified, failed, skipped] = ['fetched', 'not-modified', 'failed', 'skipped'].map((status) => polls.get(`status="${status}"`) ?? 0);
      // A scheduled poll falling inside the test would find the feed unchanged (304), and still fetch once.
      expect({ failed, skipped }).toEqual({ failed: 0, skipped: 0 });
      const fetches = feedServer.requests.filter((request) => request.path.startsWith('/feeds/'));
      expect(fetches).toHaveLength(fetched! + notModified!);
      const fetchedBy = new Set(fetches.map((request) => String(request.headers['user-agent']).split('/')[1]));
      expect(fetchedBy).toEqual(new Set(WORKERS));
    });

    it('share the deliveries, and every chat gets every part once, in order', { timeout: 120_000 }, async () => {
      await fanOut(deliverQueue, 'scaleout-briefing', subscriptions);
      await expect.poll(async () => (await deliverQueue.getJobCounts('completed')).completed, { timeout: 90_000, interval: 200 }).toBe(CHATS);

      const expected = Array.from({ length: PARTS }, (_, i) => `Part ${i + 1}/${PARTS} of scaleout-briefing`);
      const wrong = subscriptions.filter((s) => JSON.stringify(telegram.messages(Number(s.destination.chatId)).map((m) => m.plainText)) !== JSON.stringify(expected));
      expect(wrong).toEqual([]);
      const perProcess = await Promise.all(processes.map(({ metricsUrl }) => sentBy(metricsUrl)));
      for (const sent of perProcess) expect(sent).toBeGreaterThan(0);
      expect(perProcess.reduce((sum, sent) => sum + sent, 0)).toBe(CHATS * PARTS);
    });

    it('stop cleanly on SIGTERM', { timeout: 60_000 }, async () => {
      const exits = processes.map(({ child }) => once(child, 'exit'));
      for (const { child } of processes) child.kill('SIGTERM');
      for (const [code] of await Promise.all(exits)) expect(code).toBe(0);
    });
  });
}
