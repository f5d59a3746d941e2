import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createDeliverQueue, deliveryJobId, fanOut, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, saveTestBriefing } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { exitOf, killAll, spawnWorkerProcess } from '../support/spawn-worker.js';
import { telegramChat } from '../support/subscription-fixtures.js';

const PREFIX = 'crash';
const CHATS = 1000;
const KILL_AFTER_SENDS = 300;
const chatIds = Array.from({ length: CHATS }, (_, i) => 50_000 + i);

let server: TestRedis;
let redis: Redis;
let emulator: TelegramEmulator;
let queue: DeliverQueue;

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url);
  queue = createDeliverQueue(redis, PREFIX);
  // Limits far above what one worker sends, so the test is quick yet still goes through them.
  emulator = await startTelegramEmulator({ token: RIG_TOKEN, limits: { globalPerSecond: 100_000, perChatPerSecond: 100 } });
});
afterAll(async () => {
  killAll();
  await queue.close();
  redis.disconnect();
  await emulator.close();
  await server.stop();
});

function startWorkerProcess() {
  return spawnWorkerProcess({ HERALD_REDIS_URL: server.url, HERALD_PREFIX: PREFIX, TELEGRAM_API_ROOT: emulator.apiRoot });
}

/** Parts recorded as sent in Redis, over every delivery. */
async function recordedParts(): Promise<number> {
  const keys = await redis.keys(`${PREFIX}:sent:*`);
  const lengths = await Promise.all(keys.map((key) => redis.hlen(key)));
  return lengths.reduce((sum, n) => sum + n, 0);
}

it('finishes a fan-out to 1,000 chats after the worker is killed -9 mid-way: every chat gets every part once, in order', { timeout: 180_000 }, async () => {
  const keys = createKeys(PREFIX);
  const subscriptions = new SubscriptionStore(redis, keys);
  const subs = chatIds.map((id) => telegramChat(id));
  for (const id of chatIds) emulator.addChat({ id, type: 'private' });
  for (const sub of subs) await subscriptions.upsert(sub);
  const briefing = await saveTestBriefing(new BriefingStore(redis, keys), 'crashbriefing');
  await fanOut(queue, briefing.id, subs);

  const first = await startWorkerProcess();
  await expect.poll(() => emulator.stats.sent, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(KILL_AFTER_SENDS);
  // Freeze the platform: requests still coming are left hanging, never accepted, like a network
  // that stops answering. Then wait until every accepted part is recorded and kill -9 with the
  // worker's other deliveries in flight. Excluded by construction: a kill in the instant between
  // the platform accepting a part and the worker recording it, the one window the design leaves
  // open (that part would be sent again).
  for (const id of chatIds) emulator.failChat(id, 'timeout');
  const acceptedBeforeKill = emulator.stats.sent;
  await expect.poll(() => recordedParts(), { timeout: 30_000 }).toBe(acceptedBeforeKill);
  expect((await queue.getJobCounts('active')).active).toBeGreaterThan(0);
  first.kill('SIGKILL');
  expect(await exitOf(first)).toBe('SIGKILL');
  expect(acceptedBeforeKill).toBeLessThan(CHATS * 3);
  for (const id of chatIds) emulator.restoreChat(id);

  const second = await startWorkerProcess();
  await expect.poll(async () => (await queue.getJobCounts('completed')).completed, { timeout: 120_000, interval: 200 }).toBe(CHATS);
  second.kill('SIGKILL');
  await exitOf(second);

  const expected = [1, 2, 3].map((n) => `Part ${n}/3 of crashbriefing`);
  const wrong = chatIds.filter((id) => JSON.stringify(emulator.messages(id).map((m) => m.plainText)) !== JSON.stringify(expected));
  expect(wrong).toEqual([]);
  expect(emulator.stats.sent).toBe(CHATS * 3);
  expect((await queue.getJobCounts('failed')).failed).toBe(0);
});

it('dead-letters a delivery whose workers keep dying while it runs', { timeout: 120_000 }, async () => {
  const keys = createKeys(PREFIX);
  const sub = telegramChat(77);
  emulator.addChat({ id: 77, type: 'private' });
  emulator.failChat(77, 'timeout');
  await new SubscriptionStore(redis, keys).upsert(sub);
  const briefing = await saveTestBriefing(new BriefingStore(redis, keys), 'poison');
  await fanOut(queue, briefing.id, [sub]);
  const id = deliveryJobId(briefing.id, sub.id);

  // Each worker takes the job (stall detection hands it over), hangs on the chat and is killed.
  for (let run = 0; run < 2; run++) {
    const worker = await startWorkerProcess();
    await expect.poll(() => queue.getJobState(id), { timeout: 60_000, interval: 50 }).toBe('active');
    await expect.poll(async () => (await queue.getJob(id))?.attemptsStarted, { timeout: 60_000, interval: 50 }).toBe(run + 1);
    worker.kill('SIGKILL');
    await exitOf(worker);
  }
  await startWorkerProcess();
  await expect.poll(() => queue.getJobState(id), { timeout: 60_000 }).toBe('failed');
  await expect.poll(async () => (await new DeliveryStore(redis, keys).deadLetters()).map((letter) => letter.id), { timeout: 10_000 }).toEqual([id]);
  expect(emulator.messages(77)).toEqual([]);
});
