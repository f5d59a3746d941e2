import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const PREFIX = 'config-feeds';
let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => redis.stop());

/** Starts the scheduler role with these config feeds (nothing is polled: the hosts do not exist) and stops it. */
async function startWith(feeds: Array<{ url: string; interval?: number; name?: string }>): Promise<void> {
  const config = parseConfig({ redis: { prefix: PREFIX }, feeds });
  const connection = createRedisConnection(redis.url);
  const running = await startWorkers({ config, connection, senders: { console: new ConsoleSender() }, logger: createLogger({ level: 'silent' }), roles: { worker: false, scheduler: true } });
  await running.close();
  connection.disconnect();
}

describe('config feeds at start-up', () => {
  it('stores every config feed, updates the settings that changed at the next start, and keeps the rest', async () => {
    const urls = Array.from({ length: 1200 }, (_, i) => `https://feeds.invalid/${i}.xml`);
    await startWith(urls.map((url) => ({ url, interval: 30 })));
    await startWith(urls.map((url, i) => ({ url, interval: i === 7 ? 60 : 30, ...(i === 8 && { name: 'Renamed' }) })));
    const store = new FeedStore(redis.client(), createKeys(PREFIX));
    const stored = await store.list();
    expect(stored).toHaveLength(urls.length);
    const byUrl = new Map(stored.map((feed) => [feed.url, feed]));
    expect(byUrl.get(urls[7]!)).toMatchObject({ intervalMinutes: 60 });
    expect(byUrl.get(urls[8]!)).toMatchObject({ intervalMinutes: 30, name: 'Renamed' });
    expect(stored.filter((feed) => feed.intervalMinutes === 30)).toHaveLength(urls.length - 1);
  });
});
