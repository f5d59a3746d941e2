/**
 * The scheduler role at start with many subscriptions: with background writing asked for (as
 * `herald start` does), startWorkers returns once the schedulers are compared, says how many it
 * still has to write, and writes them while the workers run; a second start finds them all right.
 */
import { getHeapSnapshot } from 'node:v8';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { MAX_LISTED_SUBSCRIPTIONS } from '../../src/runtime/startup-summary.js';
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

async function start(prefix = PREFIX) {
  const { logger, lines } = memoryLogger();
  const config = parseConfig({ redis: { prefix }, telegram: { token: '123:test' } });
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

/** The distinct `${marker}N` strings alive in this process (a heap snapshot, taken after a full GC), read as the snapshot streams by. */
async function liveMarkedStrings(marker: string): Promise<Set<string>> {
  // A string of its own in the snapshot's string table, not one inside a longer one (a reply's JSON, escaped \").
  const pattern = new RegExp(`(?<!\\\\)"(${marker}\\d+)"`, 'g');
  const found = new Set<string>();
  let tail = '';
  for await (const chunk of getHeapSnapshot()) {
    const text = tail + String(chunk);
    for (const match of text.matchAll(pattern)) found.add(match[1]!);
    // Enough to hold a match cut by the chunk's end.
    tail = text.slice(-64);
  }
  return found;
}

it('keeps just the listed few of the subscriptions alive while their schedulers are written in the background', { timeout: 120_000 }, async () => {
  const prefix = 'startsched-held';
  const marker = 'heldfeed';
  const count = 2_000;
  const store = new SubscriptionStore(server.client(), createKeys(prefix));
  // A feed id each subscription alone holds: found in the heap, it is that subscription kept alive.
  for (let i = 0; i < count; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => store.upsert(telegramChat(i + j, { feedIds: [`${marker}${i + j}`] }))));
  const pauser = server.client();
  const { workers } = await start(prefix);
  let written = false;
  const done = workers.schedulerStart!.done.then((active) => {
    written = true;
    return active;
  });
  try {
    // The writing waits while Redis takes no writes: the subscriptions are looked for while it is under way.
    await pauser.client('PAUSE', 60_000, 'WRITE');
    const alive = await liveMarkedStrings(marker);
    expect(written).toBe(false);
    // The start-up summary's listed subscriptions, not all 2,000.
    expect(alive.size).toBeLessThanOrEqual(MAX_LISTED_SUBSCRIPTIONS);
  } finally {
    await pauser.client('UNPAUSE');
    expect((await done)?.count).toBe(count);
    await workers.close();
  }
});
