import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { migrateKeyLayout } from '../../src/store/migrate-layout.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterAll(async () => {
  await server?.stop();
});

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
    await redis.set('old:nd-handles', '7');

    expect(await migrateKeyLayout(redis, 'old')).toBe(7);
    const keys = createKeys('old');
    const feeds = new FeedStore(redis, keys);
    expect((await feeds.listWithState()).map(({ feed, state }) => [feed.id, feed.url, state.etag])).toEqual([['f1', 'https://example.com/feed.xml', '"abc"']]);
    expect((await feeds.findByUrl('https://example.com/feed.xml'))?.id).toBe('f1');
    expect((await new SubscriptionStore(redis, keys).list()).map((stored) => stored.id)).toEqual(['telegram/42']);
    expect((await redis.keys('old:*')).filter((key) => !key.startsWith('old:{')).sort()).toEqual([]);

    expect(await migrateKeyLayout(redis, 'old')).toBe(0);
  });
});
