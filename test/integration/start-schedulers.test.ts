/**
 * The scheduler role at start with many subscriptions: with background writing asked for (as
 * `herald start` does), startWorkers returns once the schedulers are compared, says how many it
 * still has to write, and writes them while the workers run; a second start finds them all right.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { memoryLogger } from '../support/memory-logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { telegramChat } from '../support/subscription-fixtures.js';

const PREFIX = 'startsched';
/** More than are written before the workers start. */
const SUBSCRIPTIONS = 600;

let server: TestRedis;

beforeAll(async () => {
  server = await startRedis();
  const store = new SubscriptionStore(server.client(), createKeys(PREFIX));
  await Promise.all(Array.from({ length: SUBSCRIPTIONS }, (_, i) => store.upsert(telegramChat(i))));
});
afterAll(async () => {
  await server.stop();
});

async function start() {
  const { logger, lines } = memoryLogger();
  const config = parseConfig({ redis: { prefix: PREFIX }, telegram: { token: '123:test' } });
  const workers = await startWorkers({
    config,
    connection: server.url,
    senders: { console: new ConsoleSender() },
    logger,
    roles: { worker: false, scheduler: true },
    subscriptionSchedulersInBackground: true,
  });
  return { workers, lines };
}

it('writes many new subscription schedulers in the background, and keeps them at the next start', { timeout: 60_000 }, async () => {
  const first = await start();
  try {
    expect(first.workers.schedulerStart?.pending).toBe(SUBSCRIPTIONS);
    const active = await first.workers.schedulerStart!.done;
    expect(active?.count).toBe(SUBSCRIPTIONS);
    expect(first.lines.find((line) => line.msg === 'schedulers in place')?.subscriptionSchedulers).toEqual({ upserted: SUBSCRIPTIONS, kept: 0, removed: 0 });
    expect(await first.workers.queues.compose.getJobSchedulersCount()).toBe(SUBSCRIPTIONS);
  } finally {
    await first.workers.close();
  }

  const again = await start();
  try {
    // All right already: nothing left for the background, and nothing rewritten.
    expect(again.workers.schedulerStart?.pending).toBe(0);
    expect(again.lines.find((line) => line.msg === 'schedulers in place')?.subscriptionSchedulers).toEqual({ upserted: 0, kept: SUBSCRIPTIONS, removed: 0 });
  } finally {
    await again.workers.close();
  }
});
