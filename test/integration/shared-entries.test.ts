/**
 * An entry two feeds list is stored once (exact dedup across feeds), under the feed polled
 * first; it must still reach a chat that follows only the other feed, and only once.
 *
 * And no entry is lost between being stored and being placed into a story: a poll that fails
 * after claiming its entries' seen markers (before storing them, after storing but before placing
 * them, or before alerting the copies it recorded) leaves them to the feed's next poll, which
 * hands them on once. The failures are real: a handler that throws, as a worker dying or a Redis
 * error there would end the poll, and Redis users that may claim markers but write nothing else,
 * or that the worker's alert hooks fail on.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runHousekeeping } from '../../jobs/housekeeping.js';
import { createPollFeedDeps, pollFeed, type PollFeedDeps, type PollResult } from '../../jobs/poll-feed.js';
import type { Briefing, Bullet } from '../../src/briefing/model.js';
import { parseConfig } from '../../src/config/load.js';
import type { Feed, Item } from '../../src/feeds/item.js';
import { createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createDeliverQueue, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { createLogger } from '../../src/log.js';
import { pollHooks, type PollHooks } from '../../src/runtime/poll-hooks.js';
import type { RedisClient } from '../../src/store/client.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { ItemStore } from '../../src/store/items.js';
import { createKeys } from '../../src/store/keys.js';
import { storiesInWindow } from '../../src/store/stories.js';
import { RedisStoryEngine } from '../../src/store/story-engine.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { composeForSubscription } from '../../src/subscriptions/compose-for-subscription.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { TEST_CONFIG, telegramChat } from '../support/subscription-fixtures.js';

const PREFIX = 'shared-test';
const HOUR_MS = 3_600_000;
/** When the entries were published; polls and briefings follow within hours. */
const START = Date.now();

let server: TestRedis;
let redis: Redis;
let feedServer: FeedServer;
let deps: PollFeedDeps;
let subscriptions: SubscriptionStore;
/** The poll worker's clock. */
let clock = START;
/** Where the poll's handlers fail next, once. */
let failing: 'before-placing' | 'after-placing' | 'alerting-copies' | undefined;
/** The titles of each batch placed, and the ids of each set of copied items alerted. */
let placed: string[][];
let copiesAlerted: string[][];
/** The poll's onNewItems: places the items into stories (failing where told). */
let onNewItems: (items: Item[]) => Promise<void>;

interface Entry {
  /** Its link (and guid) on the outlet's site. */
  link: string;
  title: string;
  text: string;
  minutesAgo: number;
}

/** One RSS document named `name`, listing the given entries. */
function rss(name: string, entries: Entry[]): string {
  const items = entries.map(
    (entry) =>
      `<item><guid>${entry.link}</guid><link>${entry.link}</link><title>${entry.title}</title>` +
      `<description>${entry.text}</description><pubDate>${new Date(START - entry.minutesAgo * 60_000).toUTCString()}</pubDate></item>`,
  );
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${name}</title><link>https://${name}.example/</link>${items.join('')}</channel></rss>`;
}

const wire: Entry = {
  link: 'https://news.example/wire/flood',
  title: 'River flood closes the old town bridge',
  text: 'Rising water closed the bridge at dawn. Engineers expect it to reopen on Friday.',
  minutesAgo: 30,
};
const outletOnly: Entry = {
  link: 'https://news.example/outlet/orchestra',
  title: 'Orchestra announces its winter season',
  text: 'Twelve concerts are planned, three of them premieres. Tickets go on sale next week.',
  minutesAgo: 50,
};
const aggregatorOnly: Entry = {
  link: 'https://news.example/other/marathon',
  title: 'Marathon route moves to the harbour',
  text: 'Runners will pass the lighthouse this year. The city expects forty thousand spectators.',
  minutesAgo: 40,
};

function failOnce(where: typeof failing): void {
  if (failing !== where) return;
  failing = undefined;
  throw new Error(`injected failure ${where}`);
}

async function addFeed(path: string, name: string): Promise<Feed> {
  return (await deps.feeds.add({ url: feedServer.url(path), name, intervalMinutes: 15 })).feed;
}

/** Polls the feed at `at` and records the poll, as the poll worker does (a poll that throws is not recorded). */
async function poll(feed: Feed, at: number, pollDeps = deps): Promise<PollResult> {
  clock = at;
  const { result, finished } = await pollFeed(feed.id, (await deps.feeds.get(feed.id))!, await deps.feeds.getState(feed.id), pollDeps);
  await deps.queue.finish([finished], at);
  return result;
}

/** A chat following only these feeds. */
async function chatFollowing(chatId: number, feeds: Feed[]): Promise<Subscription> {
  const chat = telegramChat(chatId, { feedIds: feeds.map((feed) => feed.id) });
  await subscriptions.upsert(chat);
  return chat;
}

/** The chat's scheduled briefing at `at` (recorded as delivered, its window moved on). */
async function briefingAt(chat: Subscription, at: number): Promise<Briefing | null> {
  const composeDeps = { redis, prefix: PREFIX, config: TEST_CONFIG, subscriptions, briefings: new BriefingStore(redis, createKeys(PREFIX)) };
  return composeForSubscription((await subscriptions.get(chat.id))!, composeDeps, { now: new Date(at) });
}

const bullets = (briefing: Briefing | null): Bullet[] => (briefing?.sections ?? []).flatMap((section) => section.bullets);
const headlines = (briefing: Briefing | null) => bullets(briefing).map((bullet) => bullet.headline).sort();

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url);
  feedServer = await startFeedServer();
  subscriptions = new SubscriptionStore(redis, createKeys(PREFIX));
  const config = parseConfig({ redis: { prefix: PREFIX }, fetch: { allowHosts: [feedServer.host] } });
  const engine = new RedisStoryEngine(redis, PREFIX);
  onNewItems = async (items: Item[]) => {
    failOnce('before-placing');
    await engine.addItems(items);
    placed.push(items.map((item) => item.title).sort());
    failOnce('after-placing');
  };
  const onCopies = async (originalIds: string[]) => {
    failOnce('alerting-copies');
    copiesAlerted.push(originalIds);
  };
  deps = { ...createPollFeedDeps(redis, config, { onNewItems, onCopies }), now: () => new Date(clock) };
});
afterAll(async () => {
  redis.disconnect();
  await feedServer.close();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
  [failing, placed, copiesAlerted] = [undefined, [], []];
});

describe('an entry two feeds list', () => {
  it('reaches a chat that follows only the feed polled second, credited to that feed, and is still counted as a duplicate there', async () => {
    feedServer.setFeed('/aggregator.xml', rss('aggregator', [wire, aggregatorOnly]));
    feedServer.setFeed('/outlet.xml', rss('outlet', [wire, outletOnly]));
    const aggregator = await addFeed('/aggregator.xml', 'Aggregator');
    const outlet = await addFeed('/outlet.xml', 'Outlet');
    expect(await poll(aggregator, START)).toMatchObject({ status: 'fetched', newItems: 2 });
    expect(await poll(outlet, START)).toMatchObject({ status: 'fetched', newItems: 1, duplicatesDropped: 1 });

    const briefing = await briefingAt(await chatFollowing(1, [outlet]), START + HOUR_MS);
    expect(headlines(briefing)).toEqual([outletOnly.title, wire.title].sort());
    expect(bullets(briefing).find((bullet) => bullet.headline === wire.title)).toMatchObject({ sources: [{ name: 'Outlet', url: wire.link }], items: [wire.link] });
  });

  it('reaches a chat that follows only a feed whose permanent redirect leads onto another feed’s URL', async () => {
    feedServer.setFeed('/followed.xml', rss('followed', [wire, aggregatorOnly]));
    feedServer.redirect('/moving.xml', feedServer.url('/followed.xml'), 301);
    const holder = await addFeed('/followed.xml', 'Followed');
    const moving = await addFeed('/moving.xml', 'Moving');
    await poll(holder, START);
    expect(await poll(moving, START)).toMatchObject({ status: 'fetched', newItems: 0, duplicatesDropped: 2 });
    expect((await deps.feeds.getState(moving.id)).redirectsToFeedId).toBe(holder.id);

    expect(headlines(await briefingAt(await chatFollowing(2, [moving]), START + HOUR_MS))).toEqual([aggregatorOnly.title, wire.title].sort());
  });

  it('reaches the chat once when the second feed lists it after a briefing, and not again a chat that had it from the first feed', async () => {
    feedServer.setFeed('/aggregator.xml', rss('aggregator', [wire, aggregatorOnly]));
    feedServer.setFeed('/outlet.xml', rss('outlet', [outletOnly]));
    const aggregator = await addFeed('/aggregator.xml', 'Aggregator');
    const outlet = await addFeed('/outlet.xml', 'Outlet');
    const outletReader = await chatFollowing(3, [outlet]);
    const bothReader = await chatFollowing(4, [aggregator, outlet]);
    await poll(aggregator, START);
    await poll(outlet, START);
    expect(headlines(await briefingAt(outletReader, START + HOUR_MS))).toEqual([outletOnly.title]);
    expect(headlines(await briefingAt(bothReader, START + HOUR_MS))).toEqual([aggregatorOnly.title, outletOnly.title, wire.title].sort());

    // The outlet picks up the wire story later.
    feedServer.setFeed('/outlet.xml', rss('outlet', [wire, outletOnly]));
    await poll(outlet, START + 2 * HOUR_MS);
    expect(headlines(await briefingAt(outletReader, START + 3 * HOUR_MS))).toEqual([wire.title]);
    expect(headlines(await briefingAt(bothReader, START + 3 * HOUR_MS))).toEqual([]);
    await poll(outlet, START + 4 * HOUR_MS);
    expect(headlines(await briefingAt(outletReader, START + 5 * HOUR_MS))).toEqual([]);
  });

  /** The wire's entry on the outlet's own page (same text, another link): the two feeds, not polled yet. */
  const outletLink = 'https://outlet.example/2026/flood';
  async function wireAndOutletPage(): Promise<{ aggregator: Feed; outlet: Feed }> {
    feedServer.setFeed('/aggregator.xml', rss('aggregator', [wire]));
    feedServer.setFeed('/outlet.xml', rss('outlet', [{ ...wire, link: outletLink }]));
    return { aggregator: await addFeed('/aggregator.xml', 'Aggregator'), outlet: await addFeed('/outlet.xml', 'Outlet') };
  }

  it('counts for the second feed when only the text is the same, linking to that feed’s own page', async () => {
    const { aggregator, outlet } = await wireAndOutletPage();
    await poll(aggregator, START);
    expect(await poll(outlet, START)).toMatchObject({ newItems: 0, duplicatesDropped: 1 });

    const briefing = await briefingAt(await chatFollowing(5, [outlet]), START + HOUR_MS);
    expect(bullets(briefing)).toMatchObject([{ headline: wire.title, sources: [{ name: 'Outlet', url: outletLink }], items: [outletLink] }]);
  });

  it('credits, in a chat that follows both feeds, each with its own link, and the footer counts both', async () => {
    const { aggregator, outlet } = await wireAndOutletPage();
    const oneFeedReader = await chatFollowing(6, [aggregator]);
    const bothReader = await chatFollowing(7, [aggregator, outlet]);
    await poll(aggregator, START);
    await poll(outlet, START);

    const both = await briefingAt(bothReader, START + HOUR_MS);
    expect(bullets(both)).toMatchObject([{ headline: wire.title, sources: [{ name: 'Aggregator', url: wire.link }, { name: 'Outlet', url: outletLink }], items: [wire.link] }]);
    expect(both?.footer).toBe('1 story from 2 sources');
    const one = await briefingAt(oneFeedReader, START + HOUR_MS);
    expect(bullets(one)).toMatchObject([{ headline: wire.title, sources: [{ name: 'Aggregator', url: wire.link }], items: [wire.link] }]);
    expect(one?.footer).toBe('1 story from 1 source');
  });
});

describe('a poll that fails after claiming its entries', () => {
  const MINUTE_MS = 60_000;
  /** A feed listing the entries; without validators, so every poll fetches it, as the poll after a failed one does. */
  async function feedListing(name: string, entries: Entry[]): Promise<Feed> {
    feedServer.setFeed(`/${name}.xml`, rss(name, entries), { etag: null, lastModified: null });
    return addFeed(`/${name}.xml`, name);
  }
  /** Every story's titles, as a briefing of the last day reads them. */
  async function storyTitles(): Promise<string[][]> {
    const stories = await storiesInWindow(redis, PREFIX, new Date(START - 24 * HOUR_MS), new Date(START + HOUR_MS));
    return stories.map((story) => story.items.map((item) => item.title).sort()).sort();
  }
  const separateStories = [[outletOnly.title], [wire.title]];

  it('before placing them (stored): the next poll places them, once, and they reach a briefing', async () => {
    const outlet = await feedListing('outlet', [wire, outletOnly]);
    failing = 'before-placing';
    await expect(poll(outlet, START)).rejects.toThrow('injected failure before-placing');
    expect(await storyTitles()).toEqual([]);

    expect(await poll(outlet, START + 15 * MINUTE_MS)).toMatchObject({ status: 'fetched', newItems: 2 });
    expect(await storyTitles()).toEqual(separateStories);
    expect(await poll(outlet, START + 30 * MINUTE_MS)).toMatchObject({ status: 'fetched', newItems: 0 });
    expect(placed).toEqual([[outletOnly.title, wire.title]]);
    expect(headlines(await briefingAt(await chatFollowing(6, [outlet]), START + HOUR_MS))).toEqual([outletOnly.title, wire.title]);
  });

  it('after placing them, before the poll ended: the next poll hands them on again (for their alerts), and their stories stay as they were', async () => {
    const outlet = await feedListing('outlet', [wire, outletOnly]);
    failing = 'after-placing';
    await expect(poll(outlet, START)).rejects.toThrow('injected failure after-placing');
    expect(await storyTitles()).toEqual(separateStories);

    expect(await poll(outlet, START + 15 * MINUTE_MS)).toMatchObject({ newItems: 2 });
    expect(await storyTitles()).toEqual(separateStories);
    expect(await poll(outlet, START + 30 * MINUTE_MS)).toMatchObject({ newItems: 0 });
    expect(placed).toHaveLength(2);
  });

  it('before placing them, and the feed lists them no more: housekeeping places them, once', async () => {
    const outlet = await feedListing('outlet', [wire, outletOnly]);
    failing = 'before-placing';
    await expect(poll(outlet, START)).rejects.toThrow('injected failure before-placing');
    feedServer.setFeed('/outlet.xml', rss('outlet', [aggregatorOnly]), { etag: null, lastModified: null });
    expect(await poll(outlet, START + 15 * MINUTE_MS)).toMatchObject({ newItems: 1 });
    expect(await storyTitles()).toEqual([[aggregatorOnly.title]]);

    const composeQueue = createComposeQueue(redis, PREFIX);
    try {
      const housekeeping = { items: deps.items, deliveries: new DeliveryStore(redis, createKeys(PREFIX)), subscriptions, composeQueue, placeItems: onNewItems, alertCopies: async () => undefined, alertLeftPending: async () => 0 };
      // Not while the poll may still be under way.
      expect(await runHousekeeping({ ...housekeeping, now: () => new Date(START + 5 * MINUTE_MS) })).toMatchObject({ leftItemsPlaced: 0 });
      expect(await runHousekeeping({ ...housekeeping, now: () => new Date(START + HOUR_MS) })).toMatchObject({ leftItemsPlaced: 2 });
      expect(await runHousekeeping({ ...housekeeping, now: () => new Date(START + 2 * HOUR_MS) })).toMatchObject({ leftItemsPlaced: 0 });
    } finally {
      await composeQueue.close();
    }
    expect(await storyTitles()).toEqual([[aggregatorOnly.title], [outletOnly.title], [wire.title]]);
    // Settled: were the feed to list them again, they are not handed on again.
    feedServer.setFeed('/outlet.xml', rss('outlet', [wire, outletOnly]), { etag: null, lastModified: null });
    expect(await poll(outlet, START + 3 * HOUR_MS)).toMatchObject({ newItems: 0 });
  });

  it('before placing them: housekeeping places them even when sending left alerts fails that run', async () => {
    failing = 'before-placing';
    await expect(poll(await feedListing('outlet', [wire, outletOnly]), START)).rejects.toThrow('injected failure before-placing');
    const composeQueue = createComposeQueue(redis, PREFIX);
    try {
      const alertLeftPending = async () => {
        throw new Error('injected failure sending left alerts');
      };
      const housekeeping = { items: deps.items, deliveries: new DeliveryStore(redis, createKeys(PREFIX)), subscriptions, composeQueue, placeItems: onNewItems, alertCopies: async () => undefined, alertLeftPending };
      await expect(runHousekeeping({ ...housekeeping, now: () => new Date(START + HOUR_MS) })).rejects.toThrow('injected failure sending left alerts');
    } finally {
      await composeQueue.close();
    }
    expect(await storyTitles()).toEqual(separateStories);
  });

  it('before storing them (a Redis user that may claim seen markers but write nothing else): the next poll stores and places them', async () => {
    const outlet = await feedListing('outlet', [wire, outletOnly]);
    await redis.acl('SETUSER', 'claims-only', 'on', 'nopass', `~${PREFIX}:seen:*`, '+@all');
    const claimsOnly = new Redis(server.port, '127.0.0.1', { username: 'claims-only', password: 'any', maxRetriesPerRequest: 0 });
    try {
      const items = new ItemStore(claimsOnly, createKeys(PREFIX), { retentionDays: TEST_CONFIG.defaults.retentionDays });
      await expect(poll(outlet, START, { ...deps, items })).rejects.toThrow(/NOPERM/);
    } finally {
      claimsOnly.disconnect();
    }
    expect(await deps.items.inWindow(new Date(0), new Date(START + HOUR_MS))).toEqual([]);

    expect(await poll(outlet, START + 15 * MINUTE_MS)).toMatchObject({ newItems: 2 });
    expect(await storyTitles()).toEqual(separateStories);
  });

  it('before alerting the stories of the copies it recorded: the next poll alerts them, once', async () => {
    const aggregator = await feedListing('aggregator', [wire]);
    const outlet = await feedListing('outlet', [wire, outletOnly]);
    await poll(aggregator, START);
    failing = 'alerting-copies';
    await expect(poll(outlet, START + 15 * MINUTE_MS)).rejects.toThrow('injected failure alerting-copies');
    expect(copiesAlerted).toEqual([]);

    expect(await poll(outlet, START + 30 * MINUTE_MS)).toMatchObject({ duplicatesDropped: 1 });
    expect(await poll(outlet, START + 45 * MINUTE_MS)).toMatchObject({ duplicatesDropped: 1, newItems: 0 });
    expect(copiesAlerted).toHaveLength(1);
    expect((await deps.items.getMany(copiesAlerted[0]!)).map((item) => [item.title, item.feedId])).toEqual([[wire.title, aggregator.id]]);
    // The copy, alerted at last, still counts for the outlet.
    expect(headlines(await briefingAt(await chatFollowing(7, [outlet]), START + HOUR_MS))).toEqual([outletOnly.title, wire.title].sort());
  });

  // With the worker's own hooks (story engine, then breaking-news alerts), on a Redis user that fails where told.
  /** The worker's hooks on `connection`, queueing alerts on `deliverQueue`. */
  function workerHooks(connection: RedisClient, deliverQueue: DeliverQueue): PollHooks {
    const breakingDeps = { redis: connection, keys: createKeys(PREFIX), subscriptions: new SubscriptionStore(connection, createKeys(PREFIX)), briefings: new BriefingStore(connection, createKeys(PREFIX)), deliverQueue, render: TEST_CONFIG.briefing, maxItemAgeHours: 24 };
    return pollHooks(new RedisStoryEngine(connection, PREFIX), breakingDeps, createLogger({ level: 'silent' }));
  }
  /** The poll's dependencies, handing on to these hooks. */
  const pollingTo = (hooks: PollHooks): PollFeedDeps => ({ ...deps, onNewItems: hooks.placeItems, onCopies: hooks.onCopies });
  /** The wire's entry in two feeds, a chat with alerts on following the one that copies it, and the poll's dependencies on the worker's hooks on a connection. */
  async function copiedForAlertReader(chatId: number) {
    const aggregator = await feedListing('aggregator', [wire]);
    const outlet = await feedListing('outlet', [wire]);
    const reader = telegramChat(chatId, { feedIds: [outlet.id], breakingMinSources: 1 });
    await subscriptions.upsert(reader);
    const deliverQueue = createDeliverQueue(redis, PREFIX);
    return { aggregator, outlet, reader, deliverQueue, hooksOn: (connection: RedisClient) => pollingTo(workerHooks(connection, deliverQueue)) };
  }

  it.each([
    ['', false],
    // The copy is still the failed poll's then (within the grace): that poll leaves it to a later one.
    [', polled again at once (a refresh)', true],
  ])('before listing the alert check of the copies it recorded%s, and the feed lists them no more: housekeeping alerts the chat following the copying feed, once', async (_refresh, refreshed) => {
    const { aggregator, outlet, reader, deliverQueue, hooksOn } = await copiedForAlertReader(9);
    // A Redis user that may read anything and write nothing: the alert check's listing fails.
    await redis.acl('SETUSER', 'writes-nothing', 'reset', 'on', 'nopass', '%R~*', '+@all');
    const writesNothing = new Redis(server.port, '127.0.0.1', { username: 'writes-nothing', password: 'any', maxRetriesPerRequest: 0 });
    const composeQueue = createComposeQueue(redis, PREFIX);
    try {
      await poll(aggregator, START - 20 * MINUTE_MS, hooksOn(redis));
      await expect(poll(outlet, START - 10 * MINUTE_MS, hooksOn(writesNothing))).rejects.toThrow(/NOPERM/);
      if (refreshed) expect(await poll(outlet, START - 9.5 * MINUTE_MS, hooksOn(redis))).toMatchObject({ status: 'fetched', duplicatesDropped: 1 });
      // The outlet drops the entry before its next poll: that poll brings the copy back no more.
      feedServer.setFeed('/outlet.xml', rss('outlet', []), { etag: null, lastModified: null });
      expect(await poll(outlet, START - 5 * MINUTE_MS, hooksOn(redis))).toMatchObject({ status: 'fetched', newItems: 0 });
      expect(await deliverQueue.getJobs(['waiting'])).toEqual([]);

      const hooks = workerHooks(redis, deliverQueue);
      const housekeeping = { items: deps.items, deliveries: new DeliveryStore(redis, createKeys(PREFIX)), subscriptions, composeQueue, placeItems: hooks.placeItems, alertLeftPending: async () => 0, alertCopies: hooks.onCopies };
      // Not while the poll may still be under way.
      const runs = [await runHousekeeping({ ...housekeeping, now: () => new Date(START - 5 * MINUTE_MS) })];
      expect(await deliverQueue.getJobs(['waiting'])).toEqual([]);
      runs.push(await runHousekeeping({ ...housekeeping, now: () => new Date(START + HOUR_MS) }));
      runs.push(await runHousekeeping({ ...housekeeping, now: () => new Date(START + 2 * HOUR_MS) }));
      const jobs = await deliverQueue.getJobs(['waiting']);
      expect(jobs.map((job) => job.data.subscriptionId)).toEqual([reader.id]);
      expect(runs.map((run) => run.leftCopiesAlerted)).toEqual([0, 1, 0]);
      expect((await new BriefingStore(redis, createKeys(PREFIX)).get(jobs[0]!.data.briefingId))!.briefing!.title).toBe(`❗️ ${wire.title}`);
      // Settled: were the outlet to list it again, it is not alerted again.
      feedServer.setFeed('/outlet.xml', rss('outlet', [wire]), { etag: null, lastModified: null });
      expect(await poll(outlet, START + 3 * HOUR_MS, hooksOn(redis))).toMatchObject({ duplicatesDropped: 1 });
      expect(await deliverQueue.getJobs(['waiting'])).toHaveLength(1);
      // Nothing left listed for housekeeping: the poll that went through took its copy out.
      expect(await redis.zcard(createKeys(PREFIX).unalertedCopies())).toBe(0);
    } finally {
      writesNothing.disconnect();
      await composeQueue.close();
      await deliverQueue.close();
    }
  });

  it.each([
    ['reading the stories of its copies (a Redis user that may list alert checks and read or write nothing else)', `~${createKeys(PREFIX).breakingClaimed()}`],
    ['listing their alert check (a Redis user that may read anything and write nothing)', '%R~*'],
  ])('before %s: the next poll alerts the chat following the copying feed, once', async (_where, keyPattern) => {
    const { aggregator, outlet, reader, deliverQueue, hooksOn } = await copiedForAlertReader(8);
    await redis.acl('SETUSER', 'fails-alerting', 'reset', 'on', 'nopass', keyPattern, '+@all');
    const failsAlerting = new Redis(server.port, '127.0.0.1', { username: 'fails-alerting', password: 'any', maxRetriesPerRequest: 0 });
    try {
      // In the past, as the alerts go by the wall clock: an entry first seen later is no news yet.
      await poll(aggregator, START - 20 * MINUTE_MS, hooksOn(redis));
      await expect(poll(outlet, START - 10 * MINUTE_MS, hooksOn(failsAlerting))).rejects.toThrow(/NOPERM/);
      expect(await deliverQueue.getJobs(['waiting'])).toEqual([]);

      expect(await poll(outlet, START - 5 * MINUTE_MS, hooksOn(redis))).toMatchObject({ status: 'fetched', duplicatesDropped: 1 });
      expect(await poll(outlet, START - 2 * MINUTE_MS, hooksOn(redis))).toMatchObject({ status: 'fetched', duplicatesDropped: 1 });
      const jobs = await deliverQueue.getJobs(['waiting']);
      expect(jobs.map((job) => job.data.subscriptionId)).toEqual([reader.id]);
      expect((await new BriefingStore(redis, createKeys(PREFIX)).get(jobs[0]!.data.briefingId))!.briefing!.title).toBe(`❗️ ${wire.title}`);
      // Nothing left for housekeeping to finish.
      expect(await redis.zcard(createKeys(PREFIX).breakingClaimed())).toBe(0);
    } finally {
      failsAlerting.disconnect();
      await deliverQueue.close();
    }
  });
});
