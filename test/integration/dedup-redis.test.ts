import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDeliveryMemory } from '../../src/dedup/delivery-memory.js';
import { fingerprintItem } from '../../src/dedup/fingerprint.js';
import { byPublication, groupIntoStories } from '../../src/dedup/group.js';
import { minHashSignature } from '../../src/dedup/minhash.js';
import { InMemoryNearDuplicateIndex } from '../../src/dedup/near-duplicate-index.js';
import { itemTime } from '../../src/dedup/item-time.js';
import type { Item } from '../../src/feeds/item.js';
import { deliveredStories, rememberDeliveredStories } from '../../src/store/delivered-stories.js';
import { ItemStore } from '../../src/store/items.js';
import { createKeys } from '../../src/store/keys.js';
import { RedisNearDuplicateIndex } from '../../src/store/near-duplicate-index.js';
import { storiesInWindow } from '../../src/store/stories.js';
import { RedisStoryEngine } from '../../src/store/story-engine.js';
import { createStoryKeys } from '../../src/store/story-keys.js';
import { loadLabelledSet } from '../fixtures/dedup/labelled-set.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const labelled = loadLabelledSet();
const allItems = labelled.map((entry) => entry.item).sort(byPublication);
/** Items of three busy days: short enough to sit in one 72-hour window. */
const threeDays = allItems.filter((item) => item.publishedAt >= '2025-03-06' && item.publishedAt < '2025-03-09');

let server: TestRedis;
let redis: Redis;
let prefixCounter = 0;
const freshPrefix = () => `t${(prefixCounter += 1)}`;

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Stores items as the poll job does (exact dedup across feeds), with "now" at the newest item. */
async function storeItems(prefix: string, items: Item[]): Promise<Item[]> {
  const newest = new Date(Math.max(...items.map(itemTime)));
  return new ItemStore(redis, createKeys(prefix), { retentionDays: 7 }).addNew(items, newest);
}

const canonical = (groups: Map<string, string[]>) => [...groups].map(([id, items]) => `${id}:${[...items].sort().join(',')}`).sort();

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterAll(async () => {
  await server?.stop();
});

describe('RedisNearDuplicateIndex', () => {
  it('answers every query on the labelled set exactly as the in-memory index does', async () => {
    const remote = new RedisNearDuplicateIndex(redis, freshPrefix());
    const local = new InMemoryNearDuplicateIndex();
    let matched = 0;
    for (const item of allItems) {
      const fingerprint = fingerprintItem(item);
      const at = itemTime(item);
      const expected = local.querySync(fingerprint, at, item.feedId);
      expect(await remote.query(fingerprint, at, item.feedId)).toEqual(expected);
      if (expected.length > 0) matched += 1;
      local.addSync(item.id, fingerprint, at, item.feedId);
      await remote.add(item.id, fingerprint, at, item.feedId);
    }
    expect(matched).toBeGreaterThan(50);
  });

  it('takes many concurrent pipelined adds and queries without losing any, in a bounded number of keys', async () => {
    const prefix = freshPrefix();
    const index = new RedisNearDuplicateIndex(redis, prefix);
    const fingerprints = allItems.map((item) => fingerprintItem(item));
    const at = Date.parse('2025-03-10T00:00:00Z');
    await Promise.all(allItems.map((item, i) => index.add(item.id, fingerprints[i]!, at, item.feedId)));
    const answers = await Promise.all(fingerprints.map((fingerprint) => index.query(fingerprint, at, 'another-feed')));
    answers.forEach((ids, i) => expect(ids).toContain(allItems[i]!.id));
    // One key per band (and one for short texts) and at most one per entry shard: all in one time bucket.
    expect((await redis.keys(`${prefix}:*`)).length).toBeLessThanOrEqual(index.options.bands + 1 + 16);
  });

  it('matches a batch against the index and against its own earlier items, as one item at a time would', async () => {
    const batch = new RedisNearDuplicateIndex(redis, freshPrefix());
    const single = new RedisNearDuplicateIndex(redis, freshPrefix());
    const items = allItems.map((item) => ({ id: item.id, fingerprint: fingerprintItem(item), at: itemTime(item), feedId: item.feedId }));
    const half = Math.floor(items.length / 2);
    const expected: string[][] = [];
    for (const item of items) {
      expected.push(await single.query(item.fingerprint, item.at, item.feedId));
      await single.add(item.id, item.fingerprint, item.at, item.feedId);
    }
    const answers = [...(await batch.matchAndAdd(items.slice(0, half))), ...(await batch.matchAndAdd(items.slice(half)))];
    expect(answers).toEqual(expected);
    expect(answers.filter((ids) => ids.length > 0).length).toBeGreaterThan(50);
  });

  it('matches a batch whose items lie too far apart in time for one call to read their entries, as one item at a time would', async () => {
    // An hour's window (20-minute buckets) and an item a minute: a 400-item slice spans well over 16 buckets.
    const options = { windowMs: 3_600_000 };
    const batch = new RedisNearDuplicateIndex(redis, freshPrefix(), options);
    const single = new RedisNearDuplicateIndex(redis, freshPrefix(), options);
    const start = Date.parse('2025-03-10T00:00:00Z');
    const items = allItems.map((item, i) => ({ id: item.id, fingerprint: fingerprintItem(item), at: start + i * 60_000, feedId: item.feedId }));
    const expected: string[][] = [];
    for (const item of items) {
      expected.push(await single.query(item.fingerprint, item.at, item.feedId));
      await single.add(item.id, item.fingerprint, item.at, item.feedId);
    }
    const answers = await batch.matchAndAdd(items);
    expect(answers).toEqual(expected);
    expect(answers.filter((ids) => ids.length > 0).length).toBeGreaterThan(20);
  });

  it('only matches within the time window, and gives every key a ttl of the window and a bucket', async () => {
    const prefix = freshPrefix();
    const windowMs = 60_000;
    const index = new RedisNearDuplicateIndex(redis, prefix, { windowMs });
    const item = allItems.find((candidate) => candidate.id === 'en-quake-chile-wire')!;
    const fingerprint = fingerprintItem(item);
    await index.add(item.id, fingerprint, 1_000_000, item.feedId);
    expect(await index.query(fingerprint, 1_000_000 + windowMs, 'another-feed')).toEqual([item.id]);
    expect(await index.query(fingerprint, 1_000_000 - windowMs, 'another-feed')).toEqual([item.id]);
    expect(await index.query(fingerprint, 1_000_000 + windowMs + 1, 'another-feed')).toEqual([]);
    const keys = await redis.keys(`${prefix}:*`);
    // The four band groups and one entry hash.
    expect(keys).toHaveLength(5);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.pttl(key)).toBeLessThanOrEqual(windowMs + windowMs / 3);
  });

  it('takes a batch of thousands of items (more than one script call can unpack)', async () => {
    const index = new RedisNearDuplicateIndex(redis, freshPrefix());
    const at = Date.parse('2025-03-10T00:00:00Z');
    const items = Array.from({ length: 2_500 }, (_, i) => ({
      id: i.toString(16).padStart(16, '0'),
      fingerprint: { kind: 'minhash' as const, signature: minHashSignature(new Set(Array.from({ length: 20 }, (_, word) => `item ${i} word ${word}`)), 64) },
      at,
      feedId: `feed-${i % 7}`,
    }));
    expect((await index.matchAndAdd(items)).every((ids) => ids.length === 0)).toBe(true);
    const answers = await Promise.all(items.slice(0, 50).map((item) => index.query(item.fingerprint, at, 'another-feed')));
    answers.forEach((ids, i) => expect(ids).toEqual([items[i]!.id]));
  });

  it('drops the band records of items older than the window when a later item appends to the same fields', async () => {
    const prefix = freshPrefix();
    const hour = 3_600_000;
    const index = new RedisNearDuplicateIndex(redis, prefix, { windowMs: 3 * hour });
    const keys = createStoryKeys(prefix);
    const recordBytes = async () => {
      let total = 0;
      for (let group = 0; group < 4; group += 1) for (const value of Object.values(await redis.hgetallBuffer(keys.nearDuplicateBands(group)))) total += value.length;
      return total;
    };
    // The same text three times: its band hashes, hence its fields, are the same each time.
    const fingerprint = fingerprintItem(allItems.find((item) => item.id === 'en-quake-chile-wire')!);
    const start = Date.parse('2025-03-01T00:00:00Z');
    await index.add('0000000000000001', fingerprint, start, 'wire');
    await index.add('0000000000000002', fingerprint, start + hour, 'wire');
    // 5 bytes a record.
    expect(await recordBytes()).toBe(2 * index.options.bands * 5);
    // Five buckets (hours) later the first two are out of every window: their records go.
    await index.add('0000000000000003', fingerprint, start + 5 * hour, 'wire');
    expect(await recordBytes()).toBe(index.options.bands * 5);
    expect(await index.query(fingerprint, start + 5 * hour, 'paper')).toEqual(['0000000000000003']);
  });

  it('takes batches from indexes on several connections at once without losing an entry, and finds across them', async () => {
    const prefix = freshPrefix();
    const indexes = [new RedisNearDuplicateIndex(server.client(), prefix), new RedisNearDuplicateIndex(server.client(), prefix)];
    const at = Date.parse('2025-03-10T00:00:00Z');
    const items = allItems.map((item) => ({ id: item.id, fingerprint: fingerprintItem(item), at, feedId: item.feedId }));
    // Batches of 5, alternating between the two indexes, all in flight together: their chunks interleave in one entry hash.
    const batches = Array.from({ length: Math.ceil(items.length / 5) }, (_, batch) => items.slice(5 * batch, 5 * batch + 5));
    await Promise.all(batches.map((batch, index) => indexes[index % 2]!.matchAndAdd(batch)));
    const answers = await Promise.all(items.map((item, index) => indexes[(index + 1) % 2]!.query(item.fingerprint, at, 'another-feed')));
    answers.forEach((ids, index) => expect(ids).toContain(items[index]!.id));
  });

  it('gives up an entry chunk that holds what it did not write, leaving those entries out, and goes on in a fresh one', async () => {
    const prefix = freshPrefix();
    const index = new RedisNearDuplicateIndex(redis, prefix);
    const at = Date.parse('2025-03-10T00:00:00Z');
    const [first, second, third] = ['en-quake-chile-wire', 'en-quake-japan-wire', allItems.at(-1)!.id].map((id) => {
      const item = allItems.find((candidate) => candidate.id === id)!;
      return { id: item.id, fingerprint: fingerprintItem(item), at, feedId: item.feedId };
    });
    await index.matchAndAdd([first!]);
    // Another writer appends to the chunk this index holds (as after its entry hash expired and started over).
    const [entryKey] = await redis.keys(`${prefix}:{nd4-e*`);
    const chunk = (await redis.hgetBuffer(entryKey!, '0'))!;
    await redis.hset(entryKey!, '0', Buffer.concat([chunk, chunk]));
    await index.matchAndAdd([second!]);
    await index.matchAndAdd([third!]);
    expect(await index.query(first!.fingerprint, at, 'another-feed')).toEqual([first!.id]);
    expect(await index.query(second!.fingerprint, at, 'another-feed')).toEqual([]);
    expect(await index.query(third!.fingerprint, at, 'another-feed')).toEqual([third!.id]);
  });

  it('rejects a batch whose command fails while built, leaving no command already sent without a handler for its failure', async () => {
    const prefix = freshPrefix();
    const index = new RedisNearDuplicateIndex(redis, prefix);
    const at = Date.parse('2025-03-10T00:00:00Z');
    const item = (id: string, when: number, values = 64) => ({ id, fingerprint: { kind: 'minhash' as const, signature: new Uint32Array(values).fill(7) }, at: when, feedId: 'feed' });
    // The first batch leaves this index holding chunks of one entry hash; that key then becomes a string, so the next append to it fails in Redis.
    await index.matchAndAdd([item('0000000000000001', at)]);
    const [entryKey] = await redis.keys(`${prefix}:{nd4-e*`);
    await redis.del(entryKey!);
    await redis.set(entryKey!, 'not a hash');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // On a cluster the append to that key is sent first (one server appends in the band call); the entry of the second item, a day later (another entry hash), has too many values to encode.
      await expect(index.matchAndAdd([item('0000000000000002', at), item('0000000000000003', at + 86_400_000, 65)])).rejects.toThrow(/does not fit/);
      // Its reply (WRONGTYPE) has arrived once a later command's has; a rejection nobody handles is reported after a turn of the event loop.
      await redis.ping();
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('lets its keys expire once the window has passed', async () => {
    const prefix = freshPrefix();
    const index = new RedisNearDuplicateIndex(redis, prefix, { windowMs: 300 });
    const fingerprint = fingerprintItem(allItems[0]!);
    await index.add(allItems[0]!.id, fingerprint, 1_000_000, 'feed');
    await until(async () => (await redis.keys(`${prefix}:*`)).length === 0, 'the index keys to expire');
    expect(await index.query(fingerprint, 1_000_000, 'another-feed')).toEqual([]);
  });
});

describe('RedisStoryEngine', () => {
  it('groups items into the same stories as groupIntoStories', async () => {
    const prefix = freshPrefix();
    const fresh = await storeItems(prefix, threeDays);
    const placements = await new RedisStoryEngine(redis, prefix).addItems(fresh);
    expect(placements).toHaveLength(fresh.length);
    expect(new Set(placements.map((placement) => placement.kind))).toEqual(new Set(['near-duplicate', 'joined', 'new-story']));

    const fromEngine = new Map<string, string[]>();
    for (const { itemId, storyId } of placements) fromEngine.set(storyId, [...(fromEngine.get(storyId) ?? []), itemId]);
    const { stories, duplicatesDropped } = groupIntoStories(threeDays);
    expect(fresh.length + duplicatesDropped).toBe(threeDays.length);
    expect(canonical(fromEngine)).toEqual(canonical(new Map(stories.map((story) => [story.id, story.items.map((item) => item.id)]))));

    const stored = await storiesInWindow(redis, prefix, new Date('2025-03-06T00:00:00Z'), new Date('2025-03-09T00:00:00Z'));
    expect(canonical(new Map(stored.map((story) => [story.id, story.items.map((item) => item.id)])))).toEqual(canonical(fromEngine));
    for (const story of stored) expect(story.items.map(itemTime)).toEqual([...story.items.map(itemTime)].sort((a, b) => a - b));
  });

  it('puts a reprint that arrives in a later poll into the earlier story, and a subscription sees it as an update', async () => {
    const prefix = freshPrefix();
    const engine = new RedisStoryEngine(redis, prefix);
    const chile = allItems.filter((item) => item.id.startsWith('en-quake-chile-wire'));
    const [original, ...reprints] = chile;
    await engine.addItems(await storeItems(prefix, [original!]));
    const window = [new Date('2025-03-01T00:00:00Z'), new Date('2025-03-31T00:00:00Z')] as const;
    const firstBriefing = await storiesInWindow(redis, prefix, ...window);
    expect(firstBriefing.map((story) => story.items.length)).toEqual([1]);
    await rememberDeliveredStories(redis, prefix, 'sub-1', firstBriefing);

    expect(applyDeliveryMemory(await storiesInWindow(redis, prefix, ...window), await deliveredStories(redis, prefix, 'sub-1'))).toEqual([]);

    // The verbatim reprint is an exact duplicate: the item store keeps it out.
    const freshReprints = await storeItems(prefix, reprints);
    expect(freshReprints).toHaveLength(reprints.length - 1);
    const later = await engine.addItems(freshReprints);
    expect(later.map((placement) => [placement.kind, placement.storyId])).toEqual(freshReprints.map(() => ['near-duplicate', 's-en-quake-chile-wire']));
    const nextBriefing = applyDeliveryMemory(await storiesInWindow(redis, prefix, ...window), await deliveredStories(redis, prefix, 'sub-1'));
    expect(nextBriefing.map((story) => [story.id, story.isUpdate, story.items.length])).toEqual([['s-en-quake-chile-wire', true, chile.length - 1]]);
    expect(await redis.pttl(createStoryKeys(prefix).deliveredStories('sub-1'))).toBeGreaterThan(0);
  });

  it('places batches from concurrent workers one at a time, so a story polled from two feeds at once stays one story', async () => {
    const prefix = freshPrefix();
    const [original, , reprint] = allItems.filter((item) => item.id.startsWith('en-quake-chile-wire'));
    const fresh = await storeItems(prefix, [original!, reprint!]);
    expect(fresh).toHaveLength(2);
    const workers = [new RedisStoryEngine(server.client(), prefix), new RedisStoryEngine(server.client(), prefix)];
    const results = await Promise.all(fresh.map((item, index) => workers[index]!.addItems([item])));
    const placements = results.flat();
    expect(placements.map((placement) => placement.kind).sort()).toEqual(['near-duplicate', 'new-story']);
    expect(new Set(placements.map((placement) => placement.storyId)).size).toBe(1);
    expect(await redis.exists(createStoryKeys(prefix).clusteringLock())).toBe(0);
  });

  it('places an item handed to it again nowhere new: its stories, their profiles and the term statistics end as placing each item once leaves them', async () => {
    const once = freshPrefix();
    const twice = freshPrefix();
    const items = (prefix: string) => storeItems(prefix, threeDays);
    const [fresh, freshAgain] = [await items(once), await items(twice)];
    const half = Math.floor(fresh.length / 2);
    const [onceEngine, twiceEngine] = [new RedisStoryEngine(redis, once), new RedisStoryEngine(redis, twice)];
    await onceEngine.addItems(fresh.slice(0, half));
    const later = await onceEngine.addItems(fresh.slice(half));
    const first = await twiceEngine.addItems(freshAgain.slice(0, half));
    // The first half again (a poll that stopped after placing them hands them on again), with the rest.
    const again = await twiceEngine.addItems(freshAgain);

    const storyOf = (placements: Array<{ itemId: string; storyId: string }>) => new Map(placements.map(({ itemId, storyId }) => [itemId, storyId]));
    expect(storyOf(again)).toEqual(new Map([...storyOf(first), ...storyOf(later)]));
    // Every key but the near-duplicate index's, whose layout differs from one index to another (its shards and chunks).
    const dump = async (prefix: string) => {
      const keys = (await redis.keys(`${prefix}:*`)).filter((key) => !/^\{nd\d-/.test(key.slice(prefix.length + 1))).sort();
      return new Map(await Promise.all(keys.map(async (key) => [key.slice(prefix.length), await redis.dumpBuffer(key)] as const)));
    };
    expect(await dump(twice)).toEqual(await dump(once));
    expect(again.filter((placement) => placement.kind === 'placed-before').map((placement) => placement.itemId).sort()).toEqual(first.map((placement) => placement.itemId).sort());
  });

  it('forgets stories for clustering once the window has passed', async () => {
    const prefix = freshPrefix();
    const engine = new RedisStoryEngine(redis, prefix, { windowMs: 400 });
    const [original, reprint] = allItems.filter((item) => item.id.startsWith('en-quake-japan-wire'));
    const [first] = await engine.addItems([original!]);
    expect(first!.kind).toBe('new-story');
    const keys = createStoryKeys(prefix);
    // The near-duplicate index's entry hashes too: while one lasts, the reprint would still find the original.
    await until(async () => (await redis.exists(keys.storyOf(original!.id), keys.storyTerms(first!.storyId))) + (await redis.keys(`${prefix}:{nd4-e*`)).length === 0, 'story keys and index entries to expire');
    const [second] = await engine.addItems([reprint!]);
    expect(second!.kind).toBe('new-story');
    expect(await redis.lrange(keys.storyItems(first!.storyId), 0, -1)).toEqual([original!.id]);
  });
});
