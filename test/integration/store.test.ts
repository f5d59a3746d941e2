import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { feedIdFor } from '../../src/feeds/feed-id.js';
import type { Item } from '../../src/feeds/item.js';
import { FeedStore } from '../../src/store/feeds.js';
import { ItemStore, type Intake } from '../../src/store/items.js';
import { createKeys } from '../../src/store/keys.js';
import { withLock } from '../../src/store/lock.js';
import { withStoreScripts } from '../../src/store/scripts.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2025-03-11T08:00:00Z');
const keys = createKeys('test');

let server: TestRedis;
let redis: Redis;
let feeds: FeedStore;
let items: ItemStore;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
  feeds = new FeedStore(redis, keys);
  items = new ItemStore(redis, keys, { retentionDays: 7 });
});
afterAll(async () => server.stop());
beforeEach(async () => {
  await redis.flushall();
});

function item(overrides: Partial<Item> & Pick<Item, 'id'>): Item {
  return {
    feedId: 'feed-a',
    sourceName: 'Feed A',
    title: `Title of ${overrides.id}`,
    text: `Text of ${overrides.id}`,
    publishedAt: new Date(NOW.getTime() - 3_600_000).toISOString(),
    firstSeenAt: NOW.toISOString(),
    categories: [],
    contentHash: `hash-${overrides.id}`,
    ...overrides,
  };
}

describe('FeedStore', () => {
  it('adds a feed once per URL, with an id that is a hash of that URL', async () => {
    const first = await feeds.add({ url: 'https://example.com/feed.xml', name: 'Example', section: 'World', intervalMinutes: 15 }, NOW);
    const again = await feeds.add({ url: ' https://example.com/feed.xml ', name: 'Other name', intervalMinutes: 15 }, NOW);
    expect(first.created).toBe(true);
    expect(again).toEqual({ feed: first.feed, created: false });
    expect(first.feed).toEqual({
      id: first.feed.id,
      url: 'https://example.com/feed.xml',
      name: 'Example',
      section: 'World',
      intervalMinutes: 15,
      weight: 1,
      addedAt: NOW.toISOString(),
      origin: 'chat',
    });
    expect(first.feed.id).toMatch(/^[\w-]+$/);
    expect(await feeds.get(first.feed.id)).toEqual(first.feed);
  });

  it('lists feeds in the order they were added', async () => {
    const urls = ['https://c.example/rss', 'https://a.example/rss', 'https://b.example/rss'];
    for (const [index, url] of urls.entries()) await feeds.add({ url, intervalMinutes: 5 }, new Date(NOW.getTime() + index));
    expect((await feeds.list()).map((feed) => feed.url)).toEqual(urls);
  });

  it('adds many feeds at once as it adds each: in their order, a URL given twice once, a known or moved-away URL found', async () => {
    const { feed: moved } = await feeds.add({ url: 'http://old.example/feed', intervalMinutes: 15 }, NOW);
    await feeds.updateUrl(moved.id, 'https://new.example/feed');
    const urls = ['https://c.example/rss', 'https://a.example/rss', 'http://old.example/feed', 'https://b.example/rss', 'https://a.example/rss'];
    const added = await feeds.addMany(urls.map((url) => ({ url, intervalMinutes: 5, origin: 'config' })), NOW);
    expect(added.map(({ created }) => created)).toEqual([true, true, false, true, false]);
    expect(added[2]!.feed).toEqual({ ...moved, url: 'https://new.example/feed' });
    expect(added[4]!.feed).toEqual(added[1]!.feed);
    expect((await feeds.list()).map((feed) => feed.url)).toEqual(['https://new.example/feed', 'https://c.example/rss', 'https://a.example/rss', 'https://b.example/rss']);
    expect(await feeds.get(added[0]!.feed.id)).toEqual({ id: feedIdFor('https://c.example/rss'), url: 'https://c.example/rss', intervalMinutes: 5, weight: 1, addedAt: NOW.toISOString(), origin: 'config' });
  });

  it('adds an OPML import of thousands of feeds in one call, in their order', async () => {
    // Each new feed is some twenty script arguments: ten thousand in one call would be more than a JavaScript call can spread.
    const urls = Array.from({ length: 10_000 }, (_, index) => `https://feeds${index}.example/rss`);
    const added = await feeds.addMany(urls.map((url) => ({ url, name: `Feed ${url}`, section: 'World', intervalMinutes: 30, origin: 'opml' })), NOW);
    expect(added.every(({ created }) => created)).toBe(true);
    expect((await feeds.list()).map((feed) => feed.url)).toEqual(urls);
    expect(await feeds.findByUrl(urls[9_999]!)).toEqual(added[9_999]!.feed);
  });

  it('looks up more URLs in one call than a JavaScript call can spread', async () => {
    // 200,000 URLs as one command's arguments throw a RangeError; many copies of a few keep the test light.
    const urls = Array.from({ length: 200_000 }, (_, index) => `https://feeds${index % 3}.example/rss`);
    const added = await feeds.addMany(urls.map((url) => ({ url, intervalMinutes: 30, origin: 'opml' })), NOW);
    expect(added.filter(({ created }) => created)).toHaveLength(3);
    expect(added[199_999]!.feed.url).toBe('https://feeds1.example/rss');
  });

  it('updates settings, and refuses to resurrect a removed feed', async () => {
    const { feed } = await feeds.add({ url: 'https://example.com/a', intervalMinutes: 15 }, NOW);
    expect(await feeds.update(feed.id, { intervalMinutes: 60, weight: 2, name: 'A' })).toBe(true);
    expect(await feeds.get(feed.id)).toEqual({ ...feed, intervalMinutes: 60, weight: 2, name: 'A' });
    await feeds.remove(feed.id);
    expect(await feeds.update(feed.id, { weight: 3 })).toBe(false);
    expect(await redis.exists(keys.feed(feed.id))).toBe(0);
  });

  it('moves a feed to its new URL and keeps the old URL leading to it', async () => {
    const { feed } = await feeds.add({ url: 'http://old.example/feed', intervalMinutes: 15 }, NOW);
    expect(await feeds.updateUrl(feed.id, 'https://new.example/feed')).toBe(true);
    const moved = { ...feed, url: 'https://new.example/feed' };
    expect(await feeds.get(feed.id)).toEqual(moved);
    expect(await feeds.findByUrl('http://old.example/feed')).toEqual(moved);
    expect(await feeds.findByUrl('https://new.example/feed')).toEqual(moved);
    expect((await feeds.add({ url: 'http://old.example/feed', intervalMinutes: 15 })).created).toBe(false);
  });

  it('adds a feed at a URL still leading to a removed feed (a removal that raced a redirect), under its own id or another', async () => {
    const { feed } = await feeds.add({ url: 'http://old.example/feed', intervalMinutes: 15 }, NOW);
    await feeds.remove(feed.id);
    // What an older Herald could leave: its updateUrl wrote the URL after its check, and a removal could come between.
    await redis.hset(keys.feedUrls(), 'https://new.example/feed', feed.id, 'http://old.example/feed', feed.id);
    const added = await feeds.addMany([{ url: 'https://new.example/feed', intervalMinutes: 15 }, { url: 'http://old.example/feed', intervalMinutes: 30 }], NOW);
    expect(added.map(({ feed: { url, intervalMinutes }, created }) => ({ url, intervalMinutes, created }))).toEqual([
      { url: 'https://new.example/feed', intervalMinutes: 15, created: true },
      { url: 'http://old.example/feed', intervalMinutes: 30, created: true },
    ]);
    expect(await feeds.findByUrl('https://new.example/feed')).toEqual(added[0]!.feed);
    expect(await feeds.findByUrl('http://old.example/feed')).toEqual(added[1]!.feed);
  });

  it('adds many feeds as it adds each when one of them brings back the removed feed an old URL entry still leads to', async () => {
    const { feed } = await feeds.add({ url: 'http://old.example/feed', intervalMinutes: 15 }, NOW);
    await feeds.updateUrl(feed.id, 'https://new.example/feed');
    await feeds.remove(feed.id);
    // What an older Herald could leave: the URL the feed had moved to still leading to it.
    await redis.hset(keys.feedUrls(), 'https://new.example/feed', feed.id);
    // The first URL brings the feed back under its old id: the entry of the second leads to a feed again, as adding them one by one would find.
    const added = await feeds.addMany([{ url: 'http://old.example/feed', intervalMinutes: 30 }, { url: 'https://new.example/feed', intervalMinutes: 30 }], NOW);
    expect(added.map(({ feed: { id }, created }) => ({ id, created }))).toEqual([
      { id: feed.id, created: true },
      { id: feed.id, created: false },
    ]);
    expect(await feeds.findByUrl('https://new.example/feed')).toEqual(added[0]!.feed);
    expect(await feeds.ids()).toEqual([feed.id]);
  });

  it('leaves a URL that leads to another feed to that feed, and moves to a URL left by a removed one', async () => {
    const { feed } = await feeds.add({ url: 'http://a.example/feed', intervalMinutes: 15 }, NOW);
    const { feed: other } = await feeds.add({ url: 'https://a.example/feed', intervalMinutes: 15 }, NOW);
    expect(await feeds.updateUrl(feed.id, 'https://a.example/feed')).toBe(false);
    expect(await feeds.get(feed.id)).toEqual(feed);
    expect(await feeds.findByUrl('https://a.example/feed')).toEqual(other);
    // An entry an older Herald left pointing at a removed feed does not hold the URL.
    await redis.hset(keys.feedUrls(), 'https://b.example/feed', 'removed-feed');
    expect(await feeds.updateUrl(feed.id, 'https://b.example/feed')).toBe(true);
    expect(await feeds.findByUrl('https://b.example/feed')).toEqual({ ...feed, url: 'https://b.example/feed' });
  });

  it('does not move a feed to a URL that changed hands since the caller found it leading to a removed feed', async () => {
    const { feed } = await feeds.add({ url: 'http://a.example/feed', intervalMinutes: 15 }, NOW);
    // The caller found the URL leading to a removed feed; meanwhile another feed took it over.
    const { feed: other } = await feeds.add({ url: 'https://taken.example/feed', intervalMinutes: 15 }, NOW);
    const moved = await withStoreScripts(redis).heraldMoveFeed(keys.feed(feed.id), keys.feedUrls(), keys.urlsOfFeed(feed.id), keys.feed('removed-feed'), feed.id, other.url, 'removed-feed');
    expect(moved).toBe(0);
    expect(await feeds.findByUrl(other.url)).toEqual(other);
    expect(await feeds.get(feed.id)).toEqual(feed);
  });

  it('stays consistent when two clients add, move and remove feeds at the same URLs at once, and loses no feed it was not told to remove', async () => {
    const otherClient = new FeedStore(server.client(), keys);
    const urls = ['https://a.example/feed', 'https://b.example/feed', 'https://c.example/feed'];
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), url: fc.nat(2) }),
      fc.record({ kind: fc.constant('move' as const), feed: fc.nat(2), url: fc.nat(2) }),
      fc.record({ kind: fc.constant('remove' as const), feed: fc.nat(2) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 12 }), fc.array(operation, { maxLength: 12 }), async (first, second) => {
        await redis.flushall();
        const removed = new Set<string>();
        const added: { url: string; id: string }[] = [];
        const run = async (store: FeedStore, operations: typeof first) => {
          for (const op of operations) {
            if (op.kind === 'add') added.push({ url: urls[op.url]!, id: (await store.add({ url: urls[op.url]!, intervalMinutes: 15 }, NOW)).feed.id });
            else if (op.kind === 'move') await store.updateUrl(feedIdFor(urls[op.feed]!), urls[op.url]!);
            else {
              removed.add(feedIdFor(urls[op.feed]!));
              await store.remove(feedIdFor(urls[op.feed]!));
            }
          }
        };
        await Promise.all([run(feeds, first), run(otherClient, second)]);

        const records = await feeds.list();
        const ids = records.map((feed) => feed.id).sort();
        // Every URL entry leads to a stored feed, and every feed's URL leads back to it.
        const urlMap = await redis.hgetall(keys.feedUrls());
        for (const id of Object.values(urlMap)) expect(ids).toContain(id);
        for (const feed of records) {
          expect(urlMap[feed.url]).toBe(feed.id);
          expect(await redis.sismember(keys.urlsOfFeed(feed.id), feed.url)).toBe(1);
        }
        // No index entry and no URL set outlives its feed.
        expect((await feeds.ids()).sort()).toEqual(ids);
        expect((await redis.keys(keys.urlsOfFeed('*'))).sort()).toEqual(ids.map((id) => keys.urlsOfFeed(id)).sort());
        // A feed nobody removed is still there, and the URL it was added at still leads to it.
        for (const { url, id } of added.filter(({ id }) => !removed.has(id))) expect(await feeds.findByUrl(url)).toMatchObject({ id });
      }),
      { numRuns: 150 },
    );
  });

  it('removes a feed with its state and every URL it had, leaving no key behind', async () => {
    const { feed } = await feeds.add({ url: 'http://old.example/feed', intervalMinutes: 15 }, NOW);
    const { feed: other } = await feeds.add({ url: 'https://other.example/feed', intervalMinutes: 15 }, NOW);
    await feeds.updateUrl(feed.id, 'https://new.example/feed');
    await feeds.saveState(feed.id, { consecutiveFailures: 2, etag: '"x"' });
    await redis.zadd(keys.pollDue(), 1, feed.id, 2, other.id);
    await redis.zadd(keys.pollLeases(), 3, feed.id);
    await redis.sadd(keys.pollAsked(), feed.id);
    expect(await feeds.remove(feed.id)).toBe(true);
    expect(await feeds.remove(feed.id)).toBe(false);
    expect(await feeds.get(feed.id)).toBeUndefined();
    expect(await feeds.findByUrl('http://old.example/feed')).toBeUndefined();
    expect(await feeds.findByUrl('https://new.example/feed')).toBeUndefined();
    expect(await feeds.list()).toEqual([other]);
    // Out of the poll schedule too, where the other feed stays.
    expect((await redis.keys('*')).sort()).toEqual([keys.feed(other.id), keys.feedUrls(), keys.feedIndex(), keys.urlsOfFeed(other.id), keys.pollDue()].sort());
    expect(await redis.zrange(keys.pollDue(), 0, -1)).toEqual([other.id]);
  });

  it('replaces the poll state as a whole, and writes none for a removed feed', async () => {
    const { feed } = await feeds.add({ url: 'https://example.com/s', intervalMinutes: 15 }, NOW);
    expect(await feeds.getState(feed.id)).toEqual({ consecutiveFailures: 0 });
    const failing = { consecutiveFailures: 3, lastError: 'HTTP 500', retryAfter: NOW.toISOString(), etag: '"v1"', lastModified: NOW.toUTCString() };
    await feeds.saveState(feed.id, failing);
    expect(await feeds.getState(feed.id)).toEqual(failing);
    await feeds.saveState(feed.id, { consecutiveFailures: 0, etag: '"v2"' });
    expect(await feeds.getState(feed.id)).toEqual({ consecutiveFailures: 0, etag: '"v2"' });
    expect((await feeds.listWithState()).map(({ state }) => state)).toEqual([{ consecutiveFailures: 0, etag: '"v2"' }]);

    await feeds.remove(feed.id);
    expect(await feeds.saveState(feed.id, failing)).toBe(false);
    expect(await redis.exists(keys.feedState(feed.id))).toBe(0);
  });

  it('given the state it replaces, writes only the fields that changed, and all of it when one was dropped', async () => {
    const { feed } = await feeds.add({ url: 'https://example.com/p', intervalMinutes: 15 }, NOW);
    const polled = { consecutiveFailures: 0, etag: '"v1"', lastPolledAt: NOW.toISOString(), lastSuccessAt: NOW.toISOString() };
    await feeds.saveState(feed.id, polled, await feeds.getState(feed.id));
    expect(await feeds.getState(feed.id)).toEqual(polled);

    // Another writer set a field meanwhile; a poll that only moves its times leaves it be.
    await redis.hset(keys.feedState(feed.id), 'lastError', 'set elsewhere');
    const later = { ...polled, lastPolledAt: new Date(NOW.getTime() + 60_000).toISOString(), lastSuccessAt: new Date(NOW.getTime() + 60_000).toISOString() };
    await feeds.saveState(feed.id, later, polled);
    expect(await feeds.getState(feed.id)).toEqual({ ...later, lastError: 'set elsewhere' });

    // Dropping a field replaces the state as a whole.
    const withoutValidator = { ...later, etag: undefined };
    await feeds.saveState(feed.id, withoutValidator, later);
    expect(await feeds.getState(feed.id)).toEqual(withoutValidator);

    await feeds.remove(feed.id);
    expect(await feeds.saveState(feed.id, { ...withoutValidator, consecutiveFailures: 1 }, withoutValidator)).toBe(false);
    expect(await feeds.saveState(feed.id, withoutValidator, withoutValidator)).toBe(true);
    expect(await redis.exists(keys.feedState(feed.id))).toBe(0);
  });
});

describe('ItemStore.addNew', () => {
  /** addNewCountingDuplicates, the intake settled (handed on) as a poll does. */
  async function settledIntake(batch: Item[], at = NOW): Promise<Omit<Intake, 'settle'>> {
    const { settle, ...intake } = await items.addNewCountingDuplicates(batch, at);
    await settle();
    return intake;
  }

  it('stores new items once and returns only those that were new', async () => {
    const batch = [item({ id: 'a', guid: 'https://a.example/1' }), item({ id: 'b', url: 'https://a.example/2' })];
    expect(await items.addNew(batch, NOW)).toEqual(batch);
    expect(await items.addNew(batch, NOW)).toEqual([]);
    expect(await items.getMany(['a', 'b'])).toEqual(batch);
  });

  it('stores an entry once across feeds: same guid, same canonical URL, or same content', async () => {
    const first = [
      item({ id: 'g1', guid: 'urn:uuid:1234', url: 'https://a.example/x' }),
      item({ id: 'u1', url: 'https://example.com/story' }),
      item({ id: 'h1', url: 'https://a.example/y', contentHash: 'same-text' }),
    ];
    const reprints = [
      item({ id: 'g2', feedId: 'feed-b', guid: 'urn:uuid:1234', url: 'https://b.example/x' }),
      item({ id: 'u2', feedId: 'feed-b', guid: 'b-99999999999999999', url: 'https://example.com/story' }),
      item({ id: 'h2', feedId: 'feed-b', url: 'https://b.example/y', contentHash: 'same-text' }),
    ];
    expect(await items.addNew(first, NOW)).toEqual(first);
    expect(await items.addNew(reprints, NOW)).toEqual([]);
  });

  it('counts as duplicates the entries another item claimed first, not those a feed lists again, and names the items that gained a copy just now', async () => {
    const first = [item({ id: 'k1', url: 'https://example.com/k' }), item({ id: 'k2', url: 'https://example.com/k2' })];
    expect(await settledIntake(first)).toEqual({ fresh: first, duplicates: 0, copied: [] });
    const reprint = item({ id: 'k9', feedId: 'feed-b', url: 'https://example.com/k' });
    expect(await settledIntake([...first, reprint])).toEqual({ fresh: [], duplicates: 1, copied: ['k1'] });
    expect(await settledIntake([reprint])).toEqual({ fresh: [], duplicates: 1, copied: [] });
  });

  it('returns the items and copies of an intake not settled again a minute on, stored once, until one is settled', async () => {
    const original = item({ id: 'p1', url: 'https://example.com/p' });
    await items.addNew([original], NOW);
    const batch = [item({ id: 'p2', feedId: 'feed-b', url: 'https://example.com/p2' }), item({ id: 'p9', feedId: 'feed-b', url: 'https://example.com/p' })];
    expect(await items.addNewCountingDuplicates(batch, NOW)).toMatchObject({ fresh: [batch[0]], copied: ['p1'] });
    // Not yet: the intake may still be under way.
    const later = new Date(NOW.getTime() + 30_000);
    expect(await items.addNewCountingDuplicates(batch, later)).toMatchObject({ fresh: [], copied: [] });
    const stopped = new Date(NOW.getTime() + 120_000);
    expect(await settledIntake(batch, stopped)).toEqual({ fresh: [batch[0]], duplicates: 1, copied: ['p1'] });
    expect(await settledIntake(batch, stopped)).toEqual({ fresh: [], duplicates: 1, copied: [] });
    expect(await items.inWindow(new Date(0), NOW)).toEqual([original, batch[0]]);
    expect(await redis.get(keys.seen('url:https://example.com/p2'))).toBe('p2');
  });

  it('scopes short guids to their feed: two feeds both numbering from 1 are different entries', async () => {
    const one = item({ id: 'a1', guid: '1' });
    const otherOne = item({ id: 'b1', feedId: 'feed-b', guid: '1' });
    expect(await items.addNew([one, otherOne], NOW)).toEqual([one, otherOne]);
  });

  it('treats a duplicate within one batch like any other duplicate', async () => {
    const original = item({ id: 'x1', url: 'https://example.com/same' });
    const copy = item({ id: 'x2', url: 'https://example.com/same' });
    expect(await items.addNew([original, copy], NOW)).toEqual([original]);
  });

  it('records no copy of an entry its own feed lists twice in one poll', async () => {
    const original = item({ id: 'y1', guid: 'https://example.com/y?id=1', url: 'https://example.com/y' });
    const twice = item({ id: 'y2', guid: 'https://example.com/y?id=2', url: 'https://example.com/y' });
    expect(await settledIntake([original, twice])).toEqual({ fresh: [original], duplicates: 1, copied: [] });
    expect(await settledIntake([original, twice])).toEqual({ fresh: [], duplicates: 1, copied: [] });
    expect(await redis.exists(keys.itemCopies('y1'))).toBe(0);
  });

  it('remembers a duplicate by all its keys: what matches the copy matches the original', async () => {
    await items.addNew([item({ id: 'o', url: 'https://example.com/o' })], NOW);
    await items.addNew([item({ id: 'c', url: 'https://example.com/o', contentHash: 'edited-copy' })], NOW);
    expect(await items.addNew([item({ id: 'd', url: 'https://example.com/d', contentHash: 'edited-copy' })], NOW)).toEqual([]);
    expect(await redis.get(keys.seen('hash:edited-copy'))).toBe('o');
  });

  it('keeps items for the retention period and refreshes what a feed keeps listing', async () => {
    const entry = item({ id: 'r', url: 'https://example.com/r' });
    await items.addNew([entry], NOW);
    const retentionSeconds = 7 * 86_400;
    expect(await redis.ttl(keys.item('r'))).toBeGreaterThan(retentionSeconds - 60);
    expect(await redis.ttl(keys.item('r'))).toBeLessThanOrEqual(retentionSeconds);
    await redis.expire(keys.seen('url:https://example.com/r'), 100);
    await items.addNew([entry], NOW);
    expect(await redis.ttl(keys.seen('url:https://example.com/r'))).toBeGreaterThan(retentionSeconds - 60);
  });

  it('does not store entries published before the retention period, but knows them', async () => {
    const archived = item({ id: 'old', url: 'https://example.com/old', publishedAt: new Date(NOW.getTime() - 8 * DAY_MS).toISOString() });
    expect(await items.addNew([archived], NOW)).toEqual([]);
    expect(await redis.exists(keys.item('old'))).toBe(0);
    expect(await items.addNew([{ ...archived, publishedAt: NOW.toISOString() }], NOW)).toEqual([]);
  });

  it('stores an entry once when two workers add overlapping batches at the same time', async () => {
    const otherWorker = new ItemStore(server.client(), keys, { retentionDays: 7 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 30 }), toFirst: fc.boolean(), toSecond: fc.boolean() }), { maxLength: 40 }),
        async (picks) => {
          await redis.flushall();
          const entry = (n: number) => item({ id: `i${n}`, url: `https://example.com/${n}` });
          const firstBatch = picks.filter((p) => p.toFirst).map((p) => entry(p.n));
          const secondBatch = picks.filter((p) => p.toSecond).map((p) => entry(p.n));
          const [a, b] = await Promise.all([items.addNew(firstBatch, NOW), otherWorker.addNew(secondBatch, NOW)]);
          const storedIds = [...a, ...b].map((stored) => stored.id);
          const distinct = new Set([...firstBatch, ...secondBatch].map((offered) => offered.id));
          expect(storedIds.sort()).toEqual([...distinct].sort());
          expect(await redis.zcard(keys.itemsByPublished())).toBe(distinct.size);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('ItemStore windows and housekeeping', () => {
  it('returns the items published in a window, oldest first', async () => {
    const at = (hoursAgo: number, id: string) => item({ id, publishedAt: new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString() });
    await items.addNew([at(1, 'one'), at(30, 'thirty'), at(5, 'five'), at(20, 'twenty')], NOW);
    const window = await items.inWindow(new Date(NOW.getTime() - 24 * 3_600_000), NOW);
    expect(window.map((entry) => entry.id)).toEqual(['twenty', 'five', 'one']);
  });

  it('trims index entries that left the retention period and skips items that expired', async () => {
    const sixDaysOld = item({ id: 'six', publishedAt: new Date(NOW.getTime() - 6 * DAY_MS).toISOString() });
    const fresh = item({ id: 'fresh' });
    await items.addNew([sixDaysOld, fresh], NOW);
    expect(await items.trimIndex(NOW)).toBe(0);
    expect(await items.trimIndex(new Date(NOW.getTime() + 2 * DAY_MS))).toBe(1);
    expect(await redis.zrange(keys.itemsByPublished(), 0, -1)).toEqual(['fresh']);

    await redis.del(keys.item('fresh'));
    expect(await items.inWindow(new Date(0), NOW)).toEqual([]);
  });

  it('indexes the items that have copies, again at each sighting (a crash between the writes heals), and trims the index with the items', async () => {
    const original = item({ id: 'w1', url: 'https://example.com/w' });
    const copy = item({ id: 'w2', feedId: 'feed-b', url: 'https://example.com/w' });
    await items.addNew([original], NOW);
    expect(await redis.zcard(keys.copiedItems())).toBe(0);
    await items.addNew([copy], NOW);
    expect(await redis.zrange(keys.copiedItems(), 0, -1, 'WITHSCORES')).toEqual(['w1', String(NOW.getTime())]);
    await redis.del(keys.copiedItems());
    await items.addNew([copy], new Date(NOW.getTime() + 60_000));
    expect(await redis.zrange(keys.copiedItems(), 0, -1)).toEqual(['w1']);
    expect(await items.trimIndex(new Date(NOW.getTime() + 8 * DAY_MS))).toBe(1);
    expect(await redis.exists(keys.copiedItems())).toBe(0);
  });
});

describe('keys and locks', () => {
  it('writes every key under the configured prefix', async () => {
    const { feed } = await feeds.add({ url: 'https://example.com/k', intervalMinutes: 15 }, NOW);
    await feeds.saveState(feed.id, { consecutiveFailures: 1 });
    await items.addNew([item({ id: 'k', guid: 'urn:k', url: 'https://example.com/k/1' })], NOW);
    const written = await redis.keys('*');
    expect(written.length).toBeGreaterThan(5);
    expect(written.every((key) => key.startsWith('test:'))).toBe(true);
  });

  it('lets one holder in at a time and never releases a lock taken over by someone else', async () => {
    const key = keys.composeLock('f');
    let release!: () => void;
    const held = withLock(redis, key, 60_000, () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    await expect.poll(() => redis.exists(key)).toBe(1);
    expect(await withLock(redis, key, 60_000, async () => 'second')).toEqual({ acquired: false });
    release();
    expect(await held).toEqual({ acquired: true, value: 'done' });
    expect(await redis.exists(key)).toBe(0);

    const expired = withLock(redis, key, 60_000, async () => {
      await redis.set(key, 'someone-else');
      return 'late';
    });
    expect(await expired).toEqual({ acquired: true, value: 'late' });
    expect(await redis.get(key)).toBe('someone-else');
  });

  it('keeps a lock while its holder runs longer than the ttl, and frees it once the holder is done', async () => {
    const key = keys.composeLock('long');
    const ttlMs = 3_000;
    let release!: () => void;
    const held = withLock(redis, key, ttlMs, () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    await expect.poll(() => redis.exists(key)).toBe(1);
    // Over twice the ttl: a lock taken for the ttl alone has lapsed by now.
    await new Promise((resolve) => setTimeout(resolve, 2.5 * ttlMs));
    expect(await withLock(redis, key, ttlMs, async () => 'second')).toEqual({ acquired: false });
    release();
    expect(await held).toEqual({ acquired: true, value: 'done' });
    expect(await withLock(redis, key, ttlMs, async () => 'second')).toEqual({ acquired: true, value: 'second' });
  }, 30_000);
});
