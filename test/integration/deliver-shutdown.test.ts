import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createDeliverQueue, deliveryJobId, fanOut, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, saveTestBriefing } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { exitOf, killAll, spawnWorkerProcess } from '../support/spawn-worker.js';
import { telegramChat } from '../support/subscription-fixtures.js';

const PREFIX = 'herald';

let server: TestRedis;
let redis: Redis;
let queue: DeliverQueue;
let emulator: TelegramEmulator;
let subs: Subscription[];

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url);
  queue = createDeliverQueue(redis, PREFIX);
});
afterAll(async () => {
  killAll();
  await queue.close();
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
  emulator = await startTelegramEmulator({ token: RIG_TOKEN });
  const subscriptions = new SubscriptionStore(redis, createKeys(PREFIX));
  subs = [1, 2, 3, 4].map((id) => telegramChat(id));
  for (const sub of subs) {
    emulator.addChat({ id: Number(sub.destination.chatId), type: 'private' });
    await subscriptions.upsert(sub);
  }
  await saveTestBriefing(new BriefingStore(redis, createKeys(PREFIX)), 'shutdown');
});
afterEach(async () => emulator.close());

const service = (env: Record<string, string> = {}) =>
  spawnWorkerProcess({ HERALD_MODE: 'service', HERALD_REDIS_URL: server.url, HERALD_PREFIX: PREFIX, TELEGRAM_API_ROOT: emulator.apiRoot, HERALD_CONCURRENCY: '2', ...env });
const states = () => Promise.all(subs.map((sub) => queue.getJobState(deliveryJobId('shutdown', sub.id))));
const partsOf = (sub: Subscription) => emulator.messages(Number(sub.destination.chatId)).length;

it('on SIGTERM stops taking jobs, finishes the deliveries in flight and exits 0', { timeout: 90_000 }, async () => {
  // Two sends a second, two deliveries at a time: SIGTERM lands mid-delivery.
  const child = await service({ HERALD_SENDS_PER_SECOND: '2' });
  await fanOut(queue, 'shutdown', subs);
  await expect.poll(() => emulator.stats.sent, { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
  child.kill('SIGTERM');
  expect(await exitOf(child)).toBe(0);

  const after = await states();
  expect(after.filter((state) => state === 'completed').length).toBeGreaterThan(0);
  expect(after.filter((state) => state === 'active')).toEqual([]);
  // No delivery was cut half-way: each chat has all its parts or none.
  expect(subs.map(partsOf).every((n) => n === 0 || n === 3)).toBe(true);

  const next = await service();
  await expect.poll(states, { timeout: 30_000 }).toEqual(['completed', 'completed', 'completed', 'completed']);
  expect(subs.map(partsOf)).toEqual([3, 3, 3, 3]);
  next.kill('SIGTERM');
  expect(await exitOf(next)).toBe(0);
});

it('exits at once on a second SIGTERM while a delivery hangs', { timeout: 90_000 }, async () => {
  emulator.failChat(1, 'timeout');
  const child = await service();
  await fanOut(queue, 'shutdown', subs.slice(0, 1));
  await expect.poll(async () => (await queue.getJobCounts('active')).active, { timeout: 30_000 }).toBe(1);
  child.kill('SIGTERM');
  // The first signal waits for the hung request (up to the grace period); the second cuts it short.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(child.exitCode).toBeNull();
  child.kill('SIGTERM');
  expect(await exitOf(child)).toBe(1);
  expect(partsOf(subs[0]!)).toBe(0);
});
