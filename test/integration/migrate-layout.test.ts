import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintItem } from '../../src/dedup/fingerprint.js';
import { byPublication } from '../../src/dedup/group.js';
import { itemTime } from '../../src/dedup/item-time.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { migrateKeyLayout } from '../../src/store/migrate-layout.js';
import { RedisNearDuplicateIndex } from '../../src/store/near-duplicate-index.js';
import { withStoreScripts } from '../../src/store/scripts.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { createStoryKeys } from '../../src/store/story-keys.js';
import { loadLabelledSet } from '../fixtures/dedup/labelled-set.js';
import { commandCallsDuring, startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterAll(async () => {
  await server?.stop();
});

/**
 * The near-duplicate index the layout-4 index wrote (commit e09caa3) under the prefix old-nd,
 * stored under `prefix`: the labelled set's items at even positions (by publication) indexed;
 * and the ids it found for each at an odd one.
 */
async function storeLayout4Index(prefix: string): Promise<Record<string, string[]>> {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/dedup/near-duplicate-layout4.json', import.meta.url), 'utf8')) as {
    keys: Record<string, Record<string, string>>;
    decisions: Record<string, string[]>;
  };
  for (const [key, fields] of Object.entries(fixture.keys)) {
    await redis.hset(key.replace(/^old-nd:/, `${prefix}:`), ...Object.entries(fields).flatMap(([field, value]) => [Buffer.from(field, 'hex'), Buffer.from(value, 'hex')]));
  }
  return fixture.decisions;
}

/** Every field and value of today's band groups under `prefix` (hex), sorted. */
async function bandRecords(prefix: string): Promise<string[]> {
  const keys = createStoryKeys(prefix);
  const records: string[] = [];
  for (const group of [0, 1, 2, 3]) {
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscanBuffer(keys.nearDuplicateBands(group), cursor, 'COUNT', 1000);
      cursor = String(next);
      for (let at = 0; at + 1 < flat.length; at += 2) records.push(`${group}:${flat[at]!.toString('hex')}=${flat[at + 1]!.toString('hex')}`);
    } while (cursor !== '0');
  }
  return records.sort();
}

describe('migrateKeyLayout', () => {
  it('moves the feeds and subscriptions an older Herald stored to the cluster-ready keys, once', async () => {
    // Keys as Herald wrote them before hash tags (one feed, its state and URLs; one subscription).
    await redis.hset('old:feed:f1', 'url', 'https://example.com/feed.xml', 'intervalMinutes', '15', 'weight', '1', 'addedAt', '2025-01-01T00:00:00.000Z');
    await redis.hset('old:feed-state:f1', 'etag', '"abc"', 'consecutiveFailures', '0');
    await redis.zadd('old:feeds', 1, 'f1');
    await redis.hset('old:feed-urls', 'https://example.com/feed.xml', 'f1');
    await redis.sadd('old:feed-urls:f1', 'https://example.com/feed.xml');
    const subscription = { id: 'telegram/42', destination: { platform: 'telegram', chatId: '42' }, active: true };
    await redis.hset('old:sub:telegram/42', 'json', JSON.stringify(subscription));
    await redis.sadd('old:subs', 'telegram/42');
    await redis.sadd('old:subs:breaking', 'telegram/42');
    await redis.set('old:sub-moved:telegram/41', 'telegram/42');
    await redis.set('old:nd-handles', '7');

    expect(await migrateKeyLayout(redis, 'old')).toBe(9);
    const keys = createKeys('old');
    const feeds = new FeedStore(redis, keys);
    expect((await feeds.listWithState()).map(({ feed, state }) => [feed.id, feed.url, state.etag])).toEqual([['f1', 'https://example.com/feed.xml', '"abc"']]);
    expect((await feeds.findByUrl('https://example.com/feed.xml'))?.id).toBe('f1');
    expect((await new SubscriptionStore(redis, keys).list()).map((stored) => stored.id)).toEqual(['telegram/42']);
    expect(await redis.smembers(keys.breakingSubscriptions())).toEqual(['telegram/42']);
    expect(await redis.get(keys.subscriptionMoved('telegram/41'))).toBe('telegram/42');
    expect((await redis.keys('old:*')).filter((key) => !key.startsWith('old:{')).sort()).toEqual([]);

    expect(await migrateKeyLayout(redis, 'old')).toBe(0);
  });

  it('moves what an older Herald still running adds after a migration (a rolling upgrade)', async () => {
    await redis.hset('roll:feed:f1', 'url', 'https://one.example/feed.xml', 'intervalMinutes', '15', 'weight', '1', 'addedAt', '2025-01-01T00:00:00.000Z');
    await redis.zadd('roll:feeds', 1, 'f1');
    await redis.hset('roll:feed-urls', 'https://one.example/feed.xml', 'f1');
    await redis.hset('roll:sub:telegram/1', 'json', JSON.stringify({ id: 'telegram/1', destination: { platform: 'telegram', chatId: '1' }, active: true }));
    await redis.sadd('roll:subs', 'telegram/1');
    expect(await migrateKeyLayout(redis, 'roll')).toBe(5);

    // The older Herald adds a feed and a subscription as it always did: records and index keys in the old layout.
    await redis.hset('roll:feed:f2', 'url', 'https://two.example/feed.xml', 'intervalMinutes', '15', 'weight', '1', 'addedAt', '2025-01-02T00:00:00.000Z');
    await redis.zadd('roll:feeds', 2, 'f2');
    await redis.hset('roll:feed-urls', 'https://two.example/feed.xml', 'f2');
    await redis.sadd('roll:feed-urls:f2', 'https://two.example/feed.xml');
    await redis.hset('roll:sub:telegram/2', 'json', JSON.stringify({ id: 'telegram/2', destination: { platform: 'telegram', chatId: '2' }, active: true }));
    await redis.sadd('roll:subs', 'telegram/2');
    expect(await migrateKeyLayout(redis, 'roll')).toBe(6);

    const keys = createKeys('roll');
    const feeds = new FeedStore(redis, keys);
    expect((await feeds.list()).map((feed) => feed.id)).toEqual(['f1', 'f2']);
    expect((await feeds.findByUrl('https://one.example/feed.xml'))?.id).toBe('f1');
    expect((await feeds.findByUrl('https://two.example/feed.xml'))?.id).toBe('f2');
    expect((await new SubscriptionStore(redis, keys).list()).map((stored) => stored.id)).toEqual(['telegram/1', 'telegram/2']);
    expect((await redis.keys('roll:*')).filter((key) => !key.startsWith('roll:{'))).toEqual([]);
  });

  it('keeps the old near-duplicate handle counter while the newest entry an older Herald numbered with it lives, and drops it after', async () => {
    // An older Herald still running indexes an item: handle 26 (hex 1a), its entry expiring after the window.
    await redis.set('nd:nd-handles', '26');
    await redis.set('nd:nd-entry:1a', 'entry', 'PX', 3_600_000);
    await migrateKeyLayout(redis, 'nd');
    expect(await redis.get('nd:nd-handles')).toBe('26');
    // The entry expired (deleted here, as its ttl would): nothing numbered by the counter is left.
    await redis.del('nd:nd-entry:1a');
    await migrateKeyLayout(redis, 'nd');
    expect(await redis.exists('nd:nd-handles')).toBe(0);
  });

  it('keeps the old handle counter when an older Herald numbered another entry between the read and the delete', async () => {
    // Start-up read 25 (entry 19 expired); meanwhile the older Herald took handle 26 for a fresh entry.
    await redis.set('race:nd-handles', '26');
    await redis.set('race:nd-entry:1a', 'entry', 'PX', 3_600_000);
    expect(await withStoreScripts(redis).heraldDeleteIdleCounter('race:nd-handles', 'race:nd-entry:19', '25')).toBe(0);
    expect(await redis.get('race:nd-handles')).toBe('26');
  });

  it('takes up a migration cut short, though its index keys moved', async () => {
    await redis.hset('cut:feed:f1', 'url', 'https://one.example/feed.xml', 'intervalMinutes', '15', 'weight', '1', 'addedAt', '2025-01-01T00:00:00.000Z');
    await redis.zadd('cut:{feeds}:feeds', 1, 'f1');
    await redis.set('cut:layout-migration', '1');
    expect(await migrateKeyLayout(redis, 'cut')).toBe(1);
    expect((await new FeedStore(redis, createKeys('cut')).list()).map((feed) => feed.id)).toEqual(['f1']);
    expect(await redis.exists('cut:layout-migration')).toBe(0);
  });

  it('keeps an upgraded near-duplicate index finding, as layout 4 did, the items indexed in layout 4', async () => {
    const decisions = await storeLayout4Index('nd4up');
    const index = new RedisNearDuplicateIndex(redis, 'nd4up');
    const queried = loadLabelledSet().map((entry) => entry.item).sort(byPublication).filter((_, position) => position % 2 === 1);
    const decide = async () => Object.fromEntries(await Promise.all(queried.map(async (item) => [item.id, await index.query(fingerprintItem(item), itemTime(item), item.feedId)] as const)));
    expect(Object.values(decisions).filter((ids) => ids.length > 0).length).toBeGreaterThan(50);

    await migrateKeyLayout(redis, 'nd4up');
    expect(await decide()).toEqual(decisions);
    expect(await redis.exists(...[0, 1, 2, 3].map((group) => createStoryKeys('nd4up').nearDuplicateLayout4Bands(group)))).toBe(0);
    expect(await migrateKeyLayout(redis, 'nd4up')).toBe(0);
  });

  it("moves the near-duplicate index's layout-4 records once when two starts migrate at once", async () => {
    await storeLayout4Index('nd4once');
    await migrateKeyLayout(redis, 'nd4once');
    await storeLayout4Index('nd4twice');
    // On one connection the two starts' calls interleave as they were sent, the same on every run.
    await Promise.all([migrateKeyLayout(redis, 'nd4twice'), migrateKeyLayout(redis, 'nd4twice')]);
    expect(await bandRecords('nd4twice')).toEqual(await bandRecords('nd4once'));
  });

  it('does not scan the keyspace when nothing is left to migrate', async () => {
    await redis.hset('done:{feeds}:feed:f1', 'url', 'https://one.example/feed.xml');
    let moved: number | undefined;
    expect(await commandCallsDuring(redis, 'scan', async () => (moved = await migrateKeyLayout(redis, 'done')))).toBe(0);
    expect(moved).toBe(0);
  });
});
