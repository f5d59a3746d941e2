import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { composeAndQueue } from '../../jobs/compose.js';
import { runHousekeeping } from '../../jobs/housekeeping.js';
import type { Item } from '../../src/feeds/item.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createDeliverQueue, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { createLogger } from '../../src/log.js';
import { pollHooks } from '../../src/runtime/poll-hooks.js';
import { BriefingStore, type StoredBriefing } from '../../src/store/briefings.js';
import { deliveredStories } from '../../src/store/delivered-stories.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { FeedStore } from '../../src/store/feeds.js';
import { ItemStore } from '../../src/store/items.js';
import { createKeys } from '../../src/store/keys.js';
import { RedisStoryEngine } from '../../src/store/story-engine.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { alertBreakingStories, alertLeftPending } from '../../src/subscriptions/breaking.js';
import { bundleFamily } from '../../src/subscriptions/bundle.js';
import { composeForSubscription, type ComposeDeps } from '../../src/subscriptions/compose-for-subscription.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { newsItem, TEST_CONFIG, telegramChat } from '../support/subscription-fixtures.js';

const PREFIX = 'compose-test';
const HOUR = 3_600_000;
/** The scheduled run under test: a whole minute, close to the real clock (store ttls run on it). */
const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);

let server: TestRedis;
let redis: Redis;
let queue: DeliverQueue;
let subscriptions: SubscriptionStore;

function deps(briefings = new BriefingStore(redis, createKeys(PREFIX))) {
  return { redis, prefix: PREFIX, config: TEST_CONFIG, subscriptions, briefings, deliverQueue: queue } satisfies ComposeDeps & { deliverQueue: DeliverQueue };
}

async function ingest(items: Item[]): Promise<string[]> {
  const fresh = await new ItemStore(redis, createKeys(PREFIX), { retentionDays: 7 }).addNew(items);
  return (await new RedisStoryEngine(redis, PREFIX).addItems(fresh)).map((placement) => placement.storyId);
}

async function deliveryJobs(): Promise<{ id: string; briefingId: string; subscriptionId: string }[]> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs.map((job) => ({ id: job.id!, ...job.data })).sort((a, b) => a.id.localeCompare(b.id));
}

const headlines = (stored: { briefing: StoredBriefing['briefing'] } | null) => (stored?.briefing?.sections ?? []).flatMap((s) => s.bullets.map((b) => b.headline)).sort();

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url);
  queue = createDeliverQueue(redis, PREFIX);
  subscriptions = new SubscriptionStore(redis, createKeys(PREFIX));
});
afterAll(async () => {
  await queue.close();
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
  await ingest([
    newsItem('volcano', { feedId: 'geo', source: 'Geo Daily', title: 'Volcano erupts near Reykjavik', publishedAt: hoursAgo(2) }),
    newsItem('budget', { feedId: 'money', source: 'Money Times', title: 'Parliament passes the annual budget', publishedAt: hoursAgo(5) }),
    newsItem('old', { feedId: 'geo', source: 'Geo Daily', title: 'Glacier survey published last week', publishedAt: hoursAgo(30) }),
  ]);
});

describe('compose once, deliver many', () => {
  it('composes one briefing for every subscription of a bundle, across processes, and queues one delivery each', async () => {
    const subs = Array.from({ length: 30 }, (_, i) => telegramChat(1000 + i));
    for (const sub of subs) await subscriptions.upsert(sub);
    // Three "processes", each with its own in-memory cache, race on the same minute.
    const processes = [deps(), deps(), deps()];
    const results = await Promise.all(subs.map((sub, i) => composeAndQueue(sub.id, NOW, processes[i % 3]!)));

    const briefingIds = new Set(results.map((result) => result.briefingId));
    expect(briefingIds.size).toBe(1);
    const [briefingId] = briefingIds;
    expect(await redis.keys(`${PREFIX}:briefing:*`)).toEqual([`${PREFIX}:briefing:${briefingId}`]);
    const jobs = await deliveryJobs();
    expect(jobs.map((job) => job.subscriptionId).sort()).toEqual(subs.map((sub) => sub.id).sort());
    expect(jobs.every((job) => job.briefingId === briefingId && job.id === `${briefingId}-${job.subscriptionId}`)).toBe(true);

    const stored = await new BriefingStore(redis, createKeys(PREFIX)).get(briefingId!);
    expect(headlines(stored!)).toEqual(['Parliament passes the annual budget', 'Volcano erupts near Reykjavik']);
    expect(stored!.parts.telegram.length).toBeGreaterThan(0);
    expect(stored!.parts.text.length).toBeGreaterThan(0);
  });

  it('runs the compose function once however many stores ask at once', async () => {
    let composed = 0;
    const compose = async (): Promise<StoredBriefing> => {
      composed += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { id: 'b1', briefing: null, parts: { telegram: [], discord: [], text: [] }, window: { from: '', to: '' } };
    };
    const stores = Array.from({ length: 4 }, () => new BriefingStore(redis, createKeys(PREFIX)));
    const results = await Promise.all(stores.flatMap((store) => Array.from({ length: 10 }, () => store.getOrCompose('b1', compose))));
    expect(composed).toBe(1);
    expect(results.every((result) => result.id === 'b1')).toBe(true);
  });

  it('gives distinct feed sets distinct bundles, each with only its feeds', async () => {
    const geo = telegramChat(1, { feedIds: ['geo'] });
    const money = telegramChat(2, { feedIds: ['money'] });
    await subscriptions.upsert(geo);
    await subscriptions.upsert(money);
    const [geoResult, moneyResult] = await Promise.all([composeAndQueue(geo.id, NOW, deps()), composeAndQueue(money.id, NOW, deps())]);
    expect(geoResult.briefingId).not.toBe(moneyResult.briefingId);
    const store = new BriefingStore(redis, createKeys(PREFIX));
    expect(headlines((await store.get(geoResult.briefingId!))!)).toEqual(['Volcano erupts near Reykjavik']);
    expect(headlines((await store.get(moneyResult.briefingId!))!)).toEqual(['Parliament passes the annual budget']);
  });
});

describe('windows', () => {
  it('covers the last 24 h first, then exactly what came since the previous briefing', async () => {
    const sub = telegramChat(5);
    await subscriptions.upsert(sub);
    const first = await composeAndQueue(sub.id, NOW, deps());
    expect((await subscriptions.get(sub.id))!.lastWindowEnd).toBe(NOW.toISOString());
    const firstStored = await new BriefingStore(redis, createKeys(PREFIX)).get(first.briefingId!);
    expect(firstStored!.window).toEqual({ from: hoursAgo(24).toISOString(), to: NOW.toISOString() });
    expect(headlines(firstStored!)).not.toContain('Glacier survey published last week');

    await ingest([newsItem('quake', { feedId: 'geo', source: 'Geo Daily', title: 'Small earthquake felt in Naples', publishedAt: new Date(NOW.getTime() + HOUR) })]);
    const next = new Date(NOW.getTime() + 2 * HOUR);
    const second = await composeAndQueue(sub.id, next, deps());
    const secondStored = await new BriefingStore(redis, createKeys(PREFIX)).get(second.briefingId!);
    expect(secondStored!.window).toEqual({ from: NOW.toISOString(), to: next.toISOString() });
    expect(headlines(secondStored!)).toEqual(['Small earthquake felt in Naples']);
  });

  it('goes by when Herald first saw an item: a feed added after a briefing brings its recent items, not its archive', async () => {
    const sub = telegramChat(6);
    await subscriptions.upsert(sub);
    await composeAndQueue(sub.id, NOW, deps());
    const added = new Date(NOW.getTime() + HOUR);
    await ingest([
      newsItem('late', { feedId: 'late', source: 'Late Feed', title: 'Harbour bridge reopens to traffic', publishedAt: hoursAgo(3), firstSeenAt: added }),
      newsItem('archive', { feedId: 'late', source: 'Late Feed', title: 'Town hall roof repaired', publishedAt: hoursAgo(72), firstSeenAt: added }),
    ]);
    const second = await composeAndQueue(sub.id, new Date(NOW.getTime() + 2 * HOUR), deps());
    expect(headlines((await new BriefingStore(redis, createKeys(PREFIX)).get(second.briefingId!))!)).toEqual(['Harbour bridge reopens to traffic']);
  });

  it('says what the feeds held when a briefing has nothing new', async () => {
    await redis.flushall();
    const feeds = new FeedStore(redis, createKeys(PREFIX));
    const read = { consecutiveFailures: 0, lastSuccessAt: hoursAgo(1).toISOString(), newestEntryAt: '2022-05-01T09:00:00Z' };
    for (const [url, entryCount] of [['https://a.example/feed', 200], ['https://b.example/feed', 50]] as const) {
      const { feed } = await feeds.add({ url, intervalMinutes: 15 });
      await feeds.saveState(feed.id, { ...read, entryCount });
    }
    await feeds.add({ url: 'https://unread.example/feed', intervalMinutes: 15 });
    const sub = telegramChat(7);
    await subscriptions.upsert(sub);
    const first = await composeForSubscription(sub, { ...deps(), feeds }, { now: NOW });
    expect(first!.footer).toBe('2 feeds polled, 250 items, newest from 2022-05-01: none from the last 24 hours.');
    const later = await composeForSubscription((await subscriptions.get(sub.id))!, { ...deps(), feeds }, { now: new Date(NOW.getTime() + HOUR) });
    expect(later!.footer).toBe('2 feeds polled, 250 items, newest from 2022-05-01: none new since the last briefing.');
    const japanese = telegramChat(8, { settings: { ...sub.settings, locale: 'ja' } });
    const quietJa = await composeForSubscription(japanese, { ...deps(), feeds }, { now: NOW, preview: true });
    expect(quietJa!.footer).toBe('2件のフィードを確認、記事250件、最新は2022-05-01：直近24時間のニュースはありません。');
  });

  it('says so when no feed has been read yet', async () => {
    await redis.flushall();
    const feeds = new FeedStore(redis, createKeys(PREFIX));
    await feeds.add({ url: 'https://unread.example/feed', intervalMinutes: 15 });
    const briefing = await composeForSubscription(telegramChat(9), { ...deps(), feeds }, { now: NOW, preview: true });
    expect(briefing!.footer).toBe('Nothing yet: the feed has not been read yet.');
  });

  it('queues nothing twice when a compose job runs again for the same time', async () => {
    const sub = telegramChat(6);
    await subscriptions.upsert(sub);
    expect((await composeAndQueue(sub.id, NOW, deps())).status).toBe('queued');
    expect(await composeAndQueue(sub.id, NOW, deps())).toMatchObject({ status: 'skipped', detail: 'already composed' });
    expect(await deliveryJobs()).toHaveLength(1);
  });

  it('skips inactive and removed subscriptions', async () => {
    await subscriptions.upsert(telegramChat(8, { active: false }));
    expect((await composeAndQueue('telegram/8', NOW, deps())).detail).toBe('inactive');
    expect((await composeAndQueue('telegram/404', NOW, deps())).detail).toBe('unsubscribed');
    expect(await deliveryJobs()).toEqual([]);
  });
});

describe('composeForSubscription', () => {
  it('previews without recording anything, then composes for real and remembers what was shown', async () => {
    const sub = telegramChat(9);
    await subscriptions.upsert(sub);
    const preview = await composeForSubscription(sub, deps(), { now: NOW, preview: true });
    expect(headlines({ briefing: preview })).toEqual(['Parliament passes the annual budget', 'Volcano erupts near Reykjavik']);
    expect((await subscriptions.get(sub.id))!.lastWindowEnd).toBeUndefined();
    expect((await deliveredStories(redis, PREFIX, bundleFamily(sub))).size).toBe(0);

    const real = await composeForSubscription(sub, deps(), { now: NOW });
    expect(real).toEqual(preview);
    expect((await subscriptions.get(sub.id))!.lastWindowEnd).toBe(NOW.toISOString());
    expect((await deliveredStories(redis, PREFIX, bundleFamily(sub))).size).toBe(2);
  });

  it('marks a story shown before that gained items as an update', async () => {
    const sub = telegramChat(10);
    await subscriptions.upsert(sub);
    await composeForSubscription(sub, deps(), { now: NOW });
    await ingest([newsItem('volcano-2', { feedId: 'wire', source: 'Wire', title: 'Volcano erupts near Reykjavik', text: 'Volcano erupts near Reykjavik. More words about volcano erupts near reykjavik follow here.', publishedAt: new Date(NOW.getTime() + HOUR) })]);
    const updated = await composeForSubscription((await subscriptions.get(sub.id))!, deps(), { now: new Date(NOW.getTime() + 2 * HOUR) });
    const bullets = updated!.sections.flatMap((section) => section.bullets);
    expect(bullets).toHaveLength(1);
    expect(bullets[0]!.emoji).toBe('🔄');
    expect(bullets[0]!.sources.map((source) => source.name).sort()).toEqual(['Geo Daily', 'Wire']);
  });
});

describe('breaking news', () => {
  it('alerts once per story and subscription when the story reaches the threshold of sources, rendered as configured', async () => {
    const keen = telegramChat(20, { breakingMinSources: 3 });
    const calm = telegramChat(21);
    await subscriptions.upsert(keen);
    await subscriptions.upsert(calm);
    const render = { linkPreviews: true, discordStyle: 'content' } as const;
    const breakingDeps = { redis, keys: createKeys(PREFIX), subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)), deliverQueue: queue, render, maxItemAgeHours: 24 };
    const text = 'Flood waters rise across the Danube valley. Thousands evacuated as rivers burst their banks.';
    const storyIds = await ingest([newsItem('flood-1', { feedId: 'a', source: 'One', title: 'Floods along the Danube', text, publishedAt: hoursAgo(1) }), newsItem('flood-2', { feedId: 'b', source: 'Two', title: 'Floods along the Danube', text, publishedAt: hoursAgo(1) })]);
    expect(await alertBreakingStories(storyIds, breakingDeps)).toBe(0);

    const more = await ingest([newsItem('flood-3', { feedId: 'c', source: 'Three', title: 'Floods along the Danube', text, publishedAt: hoursAgo(0.5) })]);
    expect(new Set([...storyIds, ...more]).size).toBe(1);
    expect(await alertBreakingStories(more, breakingDeps)).toBe(1);
    expect(await alertBreakingStories(more, breakingDeps)).toBe(0);

    const jobs = await deliveryJobs();
    expect(jobs.map((job) => job.subscriptionId)).toEqual([keen.id]);
    const alert = await breakingDeps.briefings.get(jobs[0]!.briefingId);
    expect(alert!.briefing!.title).toBe('❗️ Floods along the Danube');
    expect(alert!.parts.telegram[0]!.text).toContain('Floods along the Danube');
    expect(alert!.parts.telegram[0]!.link_preview_options).toEqual({ is_disabled: false });
    expect(alert!.parts.discord[0]!.content).toContain('Floods along the Danube');
    expect(alert!.parts.discord[0]!.embeds).toBeUndefined();
  });

  it('alerts each chat with the story as it follows it: a chat following the feed that only copied an entry is credited that feed', async () => {
    const wireReader = telegramChat(22, { feedIds: ['wire'], breakingMinSources: 1 });
    const outletReader = telegramChat(23, { feedIds: ['outlet'], breakingMinSources: 1 });
    await subscriptions.upsert(wireReader);
    await subscriptions.upsert(outletReader);
    const breakingDeps = { redis, keys: createKeys(PREFIX), subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)), deliverQueue: queue, render: { linkPreviews: false, discordStyle: 'content' } as const, maxItemAgeHours: 24 };
    const report = newsItem('wire-flood', { feedId: 'wire', source: 'Wire', title: 'Floods along the Danube', publishedAt: hoursAgo(1) });
    const storyIds = await ingest([report]);
    // The outlet carries the same text on its own page: stored once, as the wire's, with the outlet's copy.
    expect(await ingest([{ ...report, id: 'outlet-flood', feedId: 'outlet', sourceName: 'Outlet', url: 'https://outlet.example/flood' }])).toEqual([]);
    expect(await alertBreakingStories(storyIds, breakingDeps)).toBe(2);

    const alerts = await Promise.all((await deliveryJobs()).map(async (job) => [job.subscriptionId, (await breakingDeps.briefings.get(job.briefingId))!.briefing!.sections[0]!.bullets[0]!.sources] as const));
    expect(Object.fromEntries(alerts)).toEqual({
      [wireReader.id]: [{ name: 'Wire', url: report.url }],
      [outletReader.id]: [{ name: 'Outlet', url: 'https://outlet.example/flood' }],
    });
  });

  it('alerts a chat following both feeds that listed an entry apart from one following only one of them: each is credited the feeds it follows', async () => {
    const wireReader = telegramChat(25, { feedIds: ['wire'], breakingMinSources: 1 });
    const bothReader = telegramChat(26, { feedIds: ['wire', 'outlet'], breakingMinSources: 1 });
    await subscriptions.upsert(wireReader);
    await subscriptions.upsert(bothReader);
    const breakingDeps = { redis, keys: createKeys(PREFIX), subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)), deliverQueue: queue, render: { linkPreviews: false, discordStyle: 'content' } as const, maxItemAgeHours: 24 };
    const report = newsItem('wire-storm', { feedId: 'wire', source: 'Wire', title: 'Storm closes the port', publishedAt: hoursAgo(1) });
    const storyIds = await ingest([report]);
    await ingest([{ ...report, id: 'outlet-storm', feedId: 'outlet', sourceName: 'Outlet', url: 'https://outlet.example/storm' }]);
    expect(await alertBreakingStories(storyIds, breakingDeps)).toBe(2);

    const alerts = await Promise.all((await deliveryJobs()).map(async (job) => [job.subscriptionId, (await breakingDeps.briefings.get(job.briefingId))!.briefing!.sections[0]!.bullets[0]!.sources.map((source) => source.name)] as const));
    expect(Object.fromEntries(alerts)).toEqual({ [wireReader.id]: ['Wire'], [bothReader.id]: ['Wire', 'Outlet'] });
  });

  it('alerts no chat of a story only old entries make breaking: another feed listing them days later is not news', async () => {
    const outletReader = telegramChat(24, { feedIds: ['outlet'], breakingMinSources: 1 });
    await subscriptions.upsert(outletReader);
    const breakingDeps = { redis, keys: createKeys(PREFIX), subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)), deliverQueue: queue, render: { linkPreviews: false, discordStyle: 'content' } as const, maxItemAgeHours: 24 };
    const report = newsItem('wire-quake', { feedId: 'wire', source: 'Wire', title: 'Earthquake shakes the coast', publishedAt: hoursAgo(72) });
    const storyIds = await ingest([report]);
    // The outlet (just added, or redirected onto the wire's document) lists it now.
    await ingest([{ ...report, id: 'outlet-quake', feedId: 'outlet', sourceName: 'Outlet', url: 'https://outlet.example/quake', firstSeenAt: NOW.toISOString() }]);
    expect(await alertBreakingStories(storyIds, breakingDeps, NOW)).toBe(0);

    // A fresh report of it in the outlet is news: the story is alerted then.
    const followUp = await ingest([newsItem('outlet-aftershock', { feedId: 'outlet', source: 'Outlet', title: 'Earthquake shakes the coast again', text: report.text, publishedAt: hoursAgo(0.5) })]);
    expect(followUp).toEqual(storyIds);
    expect(await alertBreakingStories(followUp, breakingDeps, NOW)).toBe(1);
  });

  describe('an alert cut short (the worker dies, or Redis, composing or the fan-out fails)', () => {
    const MINUTE = 60_000;
    const breakingDeps = (deliverQueue = queue) => ({ redis, keys: createKeys(PREFIX), subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)), deliverQueue, render: { linkPreviews: false, discordStyle: 'content' } as const, maxItemAgeHours: 24 });
    type Fails = (jobs: Parameters<DeliverQueue['addBulk']>[0]) => 'before' | 'after' | undefined;
    /** The deliver queue, whose adds fail where `fails` says: before adding their jobs, or after (the answer lost). */
    const failing = (fails: Fails): DeliverQueue =>
      new Proxy(queue, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property, target);
          // An alert queues its delivery with add (queueDelivery).
          if (property !== 'add') return typeof value === 'function' ? value.bind(target) : value;
          return async (...args: Parameters<DeliverQueue['add']>) => {
            const [name, data, opts] = args;
            const when = fails([{ name, data, ...(opts ? { opts } : {}) }]);
            if (when === 'before') throw new Error('injected failure before adding');
            const added = await target.add(...args);
            if (when === 'after') throw new Error('injected failure after adding');
            return added;
          };
        },
      });
    /** The deliver queue, whose next fan-out fails. */
    const failingOnce = (when: 'before' | 'after'): DeliverQueue => {
      let failed = false;
      return failing(() => {
        if (failed) return undefined;
        failed = true;
        return when;
      });
    };
    /** An hourly housekeeping run, `minutes` after NOW, sending alerts through `deliverQueue`. */
    const housekeeping = async (minutes: number, deliverQueue = queue) => {
      const composeQueue = createComposeQueue(redis, PREFIX);
      try {
        return await runHousekeeping({
          items: new ItemStore(redis, createKeys(PREFIX), { retentionDays: 7 }),
          deliveries: new DeliveryStore(redis, createKeys(PREFIX)),
          subscriptions,
          composeQueue,
          placeItems: async () => undefined,
          alertCopies: async () => undefined,
          alertLeftPending: (now) => alertLeftPending(breakingDeps(deliverQueue), now),
          now: () => new Date(NOW.getTime() + minutes * MINUTE),
        });
      } finally {
        await composeQueue.close();
      }
    };
    /** The stories listed in breakingClaimed for housekeeping to look at again. */
    const listed = async () => [...new Set((await redis.zrange(createKeys(PREFIX).breakingClaimed(), 0, -1)).map((entry) => entry.slice(entry.indexOf(':') + 1)))].sort();
    const flood = (id: string, feedId: string, hours: number) => newsItem(id, { feedId, source: feedId, title: 'Floods along the Danube', text: 'Flood waters rise across the Danube valley. Thousands evacuated as rivers burst their banks.', publishedAt: hoursAgo(hours) });

    it("is sent by the story's next alert, once: the story growing on after it is not alerted again", async () => {
      const keen = telegramChat(30, { breakingMinSources: 2 });
      await subscriptions.upsert(keen);
      const storyIds = await ingest([flood('flood-1', 'a', 1), flood('flood-2', 'b', 1)]);
      await expect(alertBreakingStories(storyIds, breakingDeps(failingOnce('before')), NOW)).rejects.toThrow('injected failure before adding');
      expect(await deliveryJobs()).toEqual([]);

      const grown = await ingest([flood('flood-3', 'c', 0.5)]);
      expect(new Set([...storyIds, ...grown]).size).toBe(1);
      expect(await alertBreakingStories(grown, breakingDeps(), new Date(NOW.getTime() + 10 * MINUTE))).toBe(1);
      expect((await deliveryJobs()).map((job) => job.subscriptionId)).toEqual([keen.id]);

      const later = await ingest([flood('flood-4', 'd', 0.2)]);
      expect(await alertBreakingStories(later, breakingDeps(), new Date(NOW.getTime() + 20 * MINUTE))).toBe(0);
      expect(await deliveryJobs()).toHaveLength(1);
    });

    it('holds back no other alert of the same call: those go out, and the call still fails', async () => {
      const reader = telegramChat(33, { breakingMinSources: 1 });
      await subscriptions.upsert(reader);
      const storyIds = await ingest([flood('flood-1', 'a', 1), newsItem('quake-1', { feedId: 'a', title: 'Earthquake shakes the coast', publishedAt: hoursAgo(1) })]);
      expect(new Set(storyIds).size).toBe(2);
      await expect(alertBreakingStories(storyIds, breakingDeps(failingOnce('before')), NOW)).rejects.toThrow('injected failure before adding');
      expect(await deliveryJobs()).toHaveLength(1);
    });

    it('is sent by housekeeping when the story brings no next alert, once: one whose fan-out went through and only its answer was lost is not sent again', async () => {
      const reader = telegramChat(31, { breakingMinSources: 1 });
      await subscriptions.upsert(reader);
      const [lost] = await ingest([flood('flood-1', 'a', 1)]);
      await expect(alertBreakingStories([lost!], breakingDeps(failingOnce('before')), NOW)).rejects.toThrow('injected failure before adding');
      const [answerLost] = await ingest([newsItem('quake-1', { feedId: 'a', title: 'Earthquake shakes the coast', publishedAt: hoursAgo(1) })]);
      await expect(alertBreakingStories([answerLost!], breakingDeps(failingOnce('after')), NOW)).rejects.toThrow('injected failure after adding');
      const queued = await deliveryJobs();
      expect(queued).toHaveLength(1);
      // Grown since: the alert it fanned out is taken for sent, not composed afresh under another id.
      expect(await ingest([newsItem('quake-2', { feedId: 'b', title: 'Earthquake shakes the coast', publishedAt: hoursAgo(0.5) })])).toEqual([answerLost]);

      // Not while the alerts may still be under way.
      expect(await housekeeping(1)).toMatchObject({ leftAlertsSent: 0 });
      // The one whose fan-out went through is settled, not counted as sent.
      expect(await housekeeping(60)).toMatchObject({ leftAlertsSent: 1 });
      expect(await housekeeping(120)).toMatchObject({ leftAlertsSent: 0 });
      const jobs = await deliveryJobs();
      expect(jobs).toHaveLength(2);
      expect(jobs).toContainEqual(queued[0]);
      expect(await redis.zcard(createKeys(PREFIX).breakingClaimed())).toBe(0);
    });

    it('before its claim (Redis failing as the check reads the subscriptions): housekeeping sends it, once, to the chats still wanting it while it is still news', async () => {
      const reader = telegramChat(34, { breakingMinSources: 1 });
      const quitter = telegramChat(35, { breakingMinSources: 1 });
      await subscriptions.upsert(reader);
      await subscriptions.upsert(quitter);
      const storyIds = await ingest([flood('flood-1', 'a', 1), newsItem('quake-1', { feedId: 'a', title: 'Earthquake shakes the coast', publishedAt: hoursAgo(23.5) })]);
      expect(new Set(storyIds).size).toBe(2);
      // A Redis user that may read which chats have alerts on and list the stories for housekeeping, and read or write nothing else.
      await redis.acl('SETUSER', 'lists-only', 'on', 'nopass', `~${createKeys(PREFIX).breakingClaimed()}`, `~${createKeys(PREFIX).breakingSubscriptions()}`, '+@all');
      const listsOnly = new Redis(server.port, '127.0.0.1', { username: 'lists-only', password: 'any', maxRetriesPerRequest: 0 });
      try {
        const cutShort = { ...breakingDeps(), redis: listsOnly, subscriptions: new SubscriptionStore(listsOnly, createKeys(PREFIX)) };
        await expect(alertBreakingStories(storyIds, cutShort, NOW)).rejects.toThrow(/NOPERM/);
      } finally {
        listsOnly.disconnect();
      }
      await subscriptions.upsert({ ...quitter, breakingMinSources: undefined });

      expect(await housekeeping(1)).toMatchObject({ leftAlertsSent: 0 });
      // The quake, news when the check failed, is a day old by then.
      expect(await housekeeping(60)).toMatchObject({ leftAlertsSent: 1 });
      expect(await housekeeping(120)).toMatchObject({ leftAlertsSent: 0 });
      const jobs = await deliveryJobs();
      expect(jobs.map((job) => job.subscriptionId)).toEqual([reader.id]);
      expect((await breakingDeps().briefings.get(jobs[0]!.briefingId))!.briefing!.title).toBe('❗️ Floods along the Danube');
      expect(await listed()).toEqual([]);
    });

    it('for good (its fan-out always fails): housekeeping tries it each run while it is news, then drops it; the other alerts of its check are not looked at again', async () => {
      const reader = telegramChat(36, { feedIds: ['a'], breakingMinSources: 1 });
      const poisoned = telegramChat(37, { feedIds: ['b'], breakingMinSources: 1 });
      await subscriptions.upsert(reader);
      await subscriptions.upsert(poisoned);
      const [flooded, quaked] = await ingest([flood('flood-1', 'a', 1), newsItem('quake-1', { feedId: 'b', title: 'Earthquake shakes the coast', publishedAt: hoursAgo(1) })]);
      const poisonQueue = failing((jobs) => (jobs.some((job) => job.data.subscriptionId === poisoned.id) ? 'before' : undefined));
      await expect(alertBreakingStories([flooded!, quaked!], breakingDeps(poisonQueue), NOW)).rejects.toThrow('injected failure before adding');
      expect((await deliveryJobs()).map((job) => job.subscriptionId)).toEqual([reader.id]);
      expect(await listed()).toEqual([quaked]);

      for (const hours of [1, 2]) {
        await expect(housekeeping(hours * 60, poisonQueue)).rejects.toThrow('injected failure before adding');
        expect(await listed()).toEqual([quaked]);
      }
      // A day on, its report is no news: the alert is no longer due, and the story is dropped.
      expect(await housekeeping(24 * 60, poisonQueue)).toMatchObject({ leftAlertsSent: 0 });
      expect(await listed()).toEqual([]);
      expect(await deliveryJobs()).toHaveLength(1);
    });
  });

  describe("from the poll worker's hooks (story engine, then alerts)", () => {
    const breakingDeps = () => ({ redis, keys: createKeys(PREFIX), subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)), deliverQueue: queue, render: { linkPreviews: false, discordStyle: 'content' } as const, maxItemAgeHours: 24 });
    const stored = (items: Item[]) => new ItemStore(redis, createKeys(PREFIX), { retentionDays: 7 }).addNew(items);
    const report = (id: string, feedId: string) => newsItem(id, { feedId, source: feedId, title: 'Dam bursts upstream of the town', text: 'The old dam gave way at night. Villages below were evacuated in time.', publishedAt: hoursAgo(0.5) });

    it('lists nothing for housekeeping while no chat has alerts on: placing new items sends no command about alerts', async () => {
      await subscriptions.upsert(telegramChat(40));
      const hooks = pollHooks(new RedisStoryEngine(redis, PREFIX), breakingDeps(), createLogger({ level: 'silent' }));
      const items = await stored([report('dam-1', 'a'), report('dam-2', 'b')]);
      const monitor = await server.client().monitor();
      const sent: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => sent.push(args));
      try {
        await hooks.placeItems(items);
        // MONITOR shows the commands in the order Redis ran them: a PING after placing marks the end.
        const marker = `end-${Date.now()}`;
        await redis.ping(marker);
        await vi.waitFor(() => expect(sent.some((args) => args.includes(marker))).toBe(true), { timeout: 10_000 });
      } finally {
        monitor.disconnect();
      }
      expect(sent.filter((args) => args.includes(createKeys(PREFIX).breakingClaimed()))).toEqual([]);
      expect(await deliveryJobs()).toEqual([]);
    });

    it('alerts a chat that turns its alerts on while the poll places the story that reaches its threshold', async () => {
      // No chat has its alerts on as the poll begins.
      const turning = telegramChat(42);
      await subscriptions.upsert(turning);
      /** The story engine of a worker during whose placing the chat turns its alerts on. */
      class TurnedOnWhilePlacing extends RedisStoryEngine {
        override async addItems(items: Item[]) {
          const placements = await super.addItems(items);
          await subscriptions.upsert({ ...turning, breakingMinSources: 2 });
          return placements;
        }
      }
      const hooks = pollHooks(new TurnedOnWhilePlacing(redis, PREFIX), breakingDeps(), createLogger({ level: 'silent' }));
      await hooks.placeItems(await stored([report('dam-1', 'a'), report('dam-2', 'b')]));
      expect((await deliveryJobs()).map((job) => job.subscriptionId)).toEqual([turning.id]);
      expect(await redis.zcard(createKeys(PREFIX).breakingClaimed())).toBe(0);
    });
  });

  it('alerts a story two workers see at once to each chat once', async () => {
    const reader = telegramChat(32, { breakingMinSources: 1 });
    await subscriptions.upsert(reader);
    const storyIds = await ingest([newsItem('wire-fire', { feedId: 'wire', title: 'Forest fire spreads in the hills', publishedAt: hoursAgo(1) })]);
    const worker = () => alertBreakingStories(storyIds, { redis, keys: createKeys(PREFIX), subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)), deliverQueue: queue, render: { linkPreviews: false, discordStyle: 'content' } as const, maxItemAgeHours: 24 }, NOW);
    expect((await Promise.all([worker(), worker()])).sort()).toEqual([0, 1]);
    expect((await deliveryJobs()).map((job) => job.subscriptionId)).toEqual([reader.id]);
  });
});
