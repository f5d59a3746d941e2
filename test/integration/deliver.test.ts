import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDeliverProcessor, DELIVERY_STALL, startDeliverWorker, type DeliverDeps } from '../../jobs/deliver.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { SendCancelled, type PlatformSender } from '../../src/platforms/delivery.js';
import type { TelegramPart } from '../../src/render/index.js';
import { createComposeQueue, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createDeliverQueue, DELIVER_JOB_NAME, deliveryJobId, fanOut, retryDeadLetter, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { bullPrefix, QUEUE_NAMES } from '../../src/queue/names.js';
import { upsertSubscriptionSchedulers } from '../../src/queue/subscription-schedulers.js';
import { BRIEFING_TTL_S, BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, rigSender, saveTestBriefing, UNPACED } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { subscriptionFor, telegramChat } from '../support/subscription-fixtures.js';

const PREFIX = 'deliver-test';
const keys = createKeys(PREFIX);

let server: TestRedis;
let redis: Redis;
let emulator: TelegramEmulator;
let deliverQueue: DeliverQueue;
let composeQueue: ComposeQueue;
let deps: DeliverDeps;
let worker: ReturnType<typeof startDeliverWorker>;

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url);
  deliverQueue = createDeliverQueue(redis, PREFIX);
  composeQueue = createComposeQueue(redis, PREFIX);
});
afterAll(async () => {
  await deliverQueue.close();
  await composeQueue.close();
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
  emulator = await startTelegramEmulator({ token: RIG_TOKEN });
  deps = {
    subscriptions: new SubscriptionStore(redis, keys),
    briefings: new BriefingStore(redis, keys),
    deliveries: new DeliveryStore(redis, keys),
    composeQueue,
    senders: { telegram: rigSender(redis, emulator.apiRoot, { timeoutSeconds: 1 }), console: new ConsoleSender() },
  };
  worker = startDeliverWorker(deps, { connection: redis, prefix: PREFIX, concurrency: 8 });
});
afterEach(async () => {
  await worker.close(true);
  await emulator.close();
});

async function subscribeChats(ids: number[], type: 'private' | 'group' = 'private'): Promise<Subscription[]> {
  const subs: Subscription[] = [];
  for (const id of ids) {
    emulator.addChat({ id, type, ...(type === 'group' ? { title: `Group ${id}` } : {}) });
    const sub = type === 'group' ? subscriptionFor({ platform: 'telegram', chatId: String(id), channelKind: 'group' }) : telegramChat(id);
    await deps.subscriptions.upsert(sub);
    await upsertSubscriptionSchedulers(composeQueue, sub);
    subs.push(sub);
  }
  return subs;
}

const texts = (chatId: number) => emulator.messages(chatId).map((message) => message.plainText);
const expectedParts = (briefingId: string) => [1, 2, 3].map((n) => `Part ${n}/3 of ${briefingId}`);
const jobState = (briefingId: string, sub: Subscription) => deliverQueue.getJobState(deliveryJobId(briefingId, sub.id));

describe('deliver', () => {
  it('sends every part in order and resumes at the first unsent part', async () => {
    await saveTestBriefing(deps.briefings, 'b1');
    const [fresh, resumed] = await subscribeChats([11, 12]);
    await deps.deliveries.recordPart(deliveryJobId('b1', resumed!.id), 0, { messageId: 'sent-before-a-crash' });
    await fanOut(deliverQueue, 'b1', [fresh!, resumed!]);
    await fanOut(deliverQueue, 'b1', [fresh!, resumed!]);
    await expect.poll(() => Promise.all([jobState('b1', fresh!), jobState('b1', resumed!)]), { timeout: 20_000 }).toEqual(['completed', 'completed']);
    expect(texts(11)).toEqual(expectedParts('b1'));
    expect(texts(12)).toEqual(expectedParts('b1').slice(1));
    expect([...(await deps.deliveries.parts(deliveryJobId('b1', fresh!.id))).keys()].sort()).toEqual([0, 1, 2]);
    // The record expires, and only after the briefing, so no retry finds a sent part unrecorded.
    expect(await redis.ttl(keys.deliverySent(deliveryJobId('b1', fresh!.id)))).toBeGreaterThan(BRIEFING_TTL_S);
  });

  it('keeps delivering to everyone else while one destination answers 500 and another times out', async () => {
    await saveTestBriefing(deps.briefings, 'b2');
    const subs = await subscribeChats([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    emulator.failChat(21, 'server-error');
    emulator.failChat(22, 'timeout');
    await fanOut(deliverQueue, 'b2', subs);
    const healthy = subs.slice(2);
    await expect.poll(async () => (await Promise.all(healthy.map((sub) => jobState('b2', sub)))).every((state) => state === 'completed'), { timeout: 30_000 }).toBe(true);
    for (const sub of healthy) expect(texts(Number(sub.destination.chatId))).toEqual(expectedParts('b2'));
    expect(await jobState('b2', subs[0]!)).not.toBe('completed');
    expect(texts(21)).toEqual([]);

    emulator.restoreChat(21);
    emulator.restoreChat(22);
    await expect.poll(() => Promise.all(subs.slice(0, 2).map((sub) => jobState('b2', sub))), { timeout: 40_000 }).toEqual(['completed', 'completed']);
    expect(texts(21)).toEqual(expectedParts('b2'));
    expect(texts(22)).toEqual(expectedParts('b2'));
  });

  it('waits out a retry_after without spending an attempt', async () => {
    await saveTestBriefing(deps.briefings, 'b3');
    const [sub] = await subscribeChats([31]);
    emulator.failChat(31, 'too-many-requests', { retryAfterSeconds: 1, times: 1 });
    await fanOut(deliverQueue, 'b3', [sub!]);
    await expect.poll(() => jobState('b3', sub!), { timeout: 20_000 }).toBe('completed');
    expect(texts(31)).toEqual(expectedParts('b3'));
    // BullMQ counts the successful run as an attempt; the 429 run did not count.
    expect((await deliverQueue.getJob(deliveryJobId('b3', sub!.id)))!.attemptsMade).toBe(1);
  });

  it('gives up waiting out 429s after the rate-limit budget, as a dead letter; an owner retry starts the budget afresh', async () => {
    await worker.close(true);
    worker = startDeliverWorker({ ...deps, maxRateLimitWaitMs: 1_500 }, { connection: redis, prefix: PREFIX, concurrency: 8 });
    await saveTestBriefing(deps.briefings, 'b7');
    const [sub] = await subscribeChats([71]);
    emulator.failChat(71, 'too-many-requests', { retryAfterSeconds: 1 });
    const id = deliveryJobId('b7', sub!.id);
    await fanOut(deliverQueue, 'b7', [sub!]);
    await expect.poll(() => deliverQueue.getJobState(id), { timeout: 20_000 }).toBe('failed');
    const [letter] = await deps.deliveries.deadLetters();
    expect(letter).toMatchObject({ id, briefingId: 'b7', subscriptionId: sub!.id });
    expect(letter!.reason).toMatch(/^rate limited for more than 2 s in all; last: .*retry after 1/);
    expect(emulator.stats.tooManyRequests).toBe(2);
    expect(texts(71)).toEqual([]);

    emulator.failChat(71, 'too-many-requests', { retryAfterSeconds: 1, times: 1 });
    expect(await retryDeadLetter(id, { queue: deliverQueue, deliveries: deps.deliveries, briefings: deps.briefings })).toBe('retried');
    await expect.poll(() => deliverQueue.getJobState(id), { timeout: 20_000 }).toBe('completed');
    expect(texts(71)).toEqual(expectedParts('b7'));
  });

  it('sends no further part once another worker took the delivery over, and renews the lock before each part it sends', async () => {
    await worker.close(true);
    const manual = new Worker(QUEUE_NAMES.deliver, null, { connection: redis, prefix: bullPrefix(PREFIX), ...DELIVERY_STALL });
    try {
      await saveTestBriefing(deps.briefings, 'b9');
      const [kept, taken] = await subscribeChats([91, 92]);
      const deliver = createDeliverProcessor(deps);
      await fanOut(deliverQueue, 'b9', [kept!]);
      const ours = await manual.getNextJob('token-a');
      await deliver(ours, 'token-a');
      expect(texts(91)).toEqual(expectedParts('b9'));
      expect(await redis.pttl(`${bullPrefix(PREFIX)}:${QUEUE_NAMES.deliver}:${ours.id}:lock`)).toBeGreaterThan(DELIVERY_STALL.lockDuration / 2);

      // This worker stalled; its lock lapsed and another worker holds the delivery now.
      await fanOut(deliverQueue, 'b9', [taken!]);
      const stalled = await manual.getNextJob('token-b');
      await redis.set(`${bullPrefix(PREFIX)}:${QUEUE_NAMES.deliver}:${stalled.id}:lock`, 'the-new-owner');
      await expect(deliver(stalled, 'token-b')).rejects.toBeInstanceOf(SendCancelled);
      expect(texts(92)).toEqual([]);
      expect(await deps.deliveries.deadLetters()).toEqual([]);
    } finally {
      await manual.close(true);
    }
  });

  it('delivers, not dead-letters, a delivery taken over twice (workers stalled on a busy machine), and says so in the worker options', async () => {
    await worker.close(true);
    // A manual worker with Herald's stall settings takes the job and lets its lock lapse; its
    // stall checker hands the job back to the queue, as a starved worker's would.
    const stalling = new Worker(QUEUE_NAMES.deliver, null, { connection: redis, prefix: bullPrefix(PREFIX), ...DELIVERY_STALL });
    await saveTestBriefing(deps.briefings, 'b10');
    const [sub] = await subscribeChats([101]);
    try {
      await fanOut(deliverQueue, 'b10', [sub!]);
      await stalling.startStalledCheckTimer();
      for (const token of ['token-a', 'token-b']) {
        expect(await stalling.getNextJob(token)).toBeDefined();
        await expect.poll(() => jobState('b10', sub!), { timeout: 20_000, interval: 50 }).toBe('waiting');
      }
    } finally {
      await stalling.close(true);
    }
    worker = startDeliverWorker(deps, { connection: redis, prefix: PREFIX, concurrency: 8 });
    expect(worker.opts.maxStalledCount).toBe(DELIVERY_STALL.maxStalledCount);
    await expect.poll(() => jobState('b10', sub!), { timeout: 20_000 }).toBe('completed');
    expect(texts(101)).toEqual(expectedParts('b10'));
    expect(await deps.deliveries.deadLetters()).toEqual([]);
  });

  it('delivers, not dead-letters, a delivery its own worker took back after a stall: the run left behind does not stop its lock renewal', async () => {
    await worker.close(true);
    // One stall may be taken over (maxStalledCount 1); a second gives the delivery up. A part
    // every 5 s in the chat makes each run outlast the 1.5 s lock, so only renewal keeps it, and
    // keeps the run left behind waiting for its slot until the worker has taken the delivery back.
    const stall = { lockDuration: 1_500, stalledInterval: 200, maxStalledCount: 1 };
    const telegram = rigSender(redis, emulator.apiRoot, { pacing: { ...UNPACED, perChat: { limit: 1, perMs: 5_000 } } });
    let stalled = false;
    const stallingOnce: PlatformSender<TelegramPart> = {
      platform: 'telegram',
      send(destination, part, context) {
        // The worker's event loop stops for longer than the lock (a starved machine); the lock lapses.
        if (context?.index === 1 && !stalled) {
          stalled = true;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2 * stall.lockDuration);
        }
        return telegram.send(destination, part, context);
      },
    };
    await saveTestBriefing(deps.briefings, 'b11');
    const [sub] = await subscribeChats([111]);
    worker = startDeliverWorker({ ...deps, senders: { ...deps.senders, telegram: stallingOnce } }, { connection: redis, prefix: PREFIX, concurrency: 2, stall });
    await fanOut(deliverQueue, 'b11', [sub!]);
    await expect.poll(() => jobState('b11', sub!), { timeout: 30_000 }).toMatch(/^(completed|failed)$/);
    expect(stalled).toBe(true);
    expect(await deps.deliveries.deadLetters()).toEqual([]);
    expect(texts(111)).toEqual(expectedParts('b11'));
  });

  it("sends each subscription's own link-preview choice, the config's where it made none", async () => {
    await saveTestBriefing(deps.briefings, 'b8');
    const [chosen, defaulted] = await subscribeChats([81, 82]);
    await deps.subscriptions.upsert({ ...chosen!, settings: { ...chosen!.settings, linkPreviews: true } });
    await fanOut(deliverQueue, 'b8', [chosen!, defaulted!]);
    await expect.poll(() => Promise.all([jobState('b8', chosen!), jobState('b8', defaulted!)]), { timeout: 20_000 }).toEqual(['completed', 'completed']);
    expect(emulator.messages(81).map((message) => message.linkPreviewOptions)).toEqual(Array(3).fill({ is_disabled: false }));
    expect(emulator.messages(82).map((message) => message.linkPreviewOptions)).toEqual(Array(3).fill({ is_disabled: true }));
    expect(texts(81)).toEqual(texts(82));
  });

  it('deactivates a subscription that blocked the bot and removes its schedulers', async () => {
    await saveTestBriefing(deps.briefings, 'b4');
    const [sub] = await subscribeChats([41]);
    emulator.failChat(41, 'blocked');
    await fanOut(deliverQueue, 'b4', [sub!]);
    await expect.poll(() => jobState('b4', sub!), { timeout: 20_000 }).toBe('completed');
    expect((await deliverQueue.getJob(deliveryJobId('b4', sub!.id)))!.returnvalue).toMatchObject({ status: 'deactivated' });
    expect(await deps.subscriptions.get(sub!.id)).toMatchObject({ active: false, inactiveReason: 'bot was blocked by the user' });
    expect(await composeQueue.getJobSchedulers()).toEqual([]);
  });

  it('follows a group upgraded to a supergroup: resends there and moves the subscription and its schedule', async () => {
    await saveTestBriefing(deps.briefings, 'b5');
    const [group] = await subscribeChats([-4001], 'group');
    emulator.failChat(-4001, 'migrated');
    await fanOut(deliverQueue, 'b5', [group!]);
    await expect.poll(() => jobState('b5', group!), { timeout: 20_000 }).toBe('completed');
    expect(texts(-1004001)).toEqual(expectedParts('b5'));
    expect(await deps.subscriptions.get(group!.id)).toBeUndefined();
    expect(await deps.subscriptions.get('telegram/-1004001')).toMatchObject({ active: true, destination: { chatId: '-1004001', channelKind: 'supergroup' } });
    expect((await composeQueue.getJobSchedulers()).map((s) => s.key)).toEqual(['compose-telegram/-1004001-daily-0730']);
  });

  it('puts a delivery in the dead letters after its last attempt, and an owner retry finishes it', async () => {
    await saveTestBriefing(deps.briefings, 'b6');
    const [sub] = await subscribeChats([61]);
    emulator.failChat(61, 'server-error');
    const id = deliveryJobId('b6', sub!.id);
    await deliverQueue.add(DELIVER_JOB_NAME, { briefingId: 'b6', subscriptionId: sub!.id }, { jobId: id, attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await expect.poll(() => deliverQueue.getJobState(id), { timeout: 20_000 }).toBe('failed');
    expect(await deps.deliveries.deadLetters()).toMatchObject([{ id, briefingId: 'b6', subscriptionId: sub!.id, attempts: 2, destination: sub!.destination }]);
    expect((await deps.deliveries.deadLetters())[0]!.reason).toContain('500');

    emulator.restoreChat(61);
    expect(await retryDeadLetter(id, { queue: deliverQueue, deliveries: deps.deliveries, briefings: deps.briefings })).toBe('retried');
    await expect.poll(() => deliverQueue.getJobState(id), { timeout: 20_000 }).toBe('completed');
    expect(texts(61)).toEqual(expectedParts('b6'));
    expect(await deps.deliveries.deadLetters()).toEqual([]);
    expect(await retryDeadLetter(id, { queue: deliverQueue, deliveries: deps.deliveries, briefings: deps.briefings })).toBe('unknown');

    await deps.deliveries.addDeadLetter({ id: 'expired-x', briefingId: 'expired', subscriptionId: sub!.id, reason: '500', attempts: 8, failedAt: new Date().toISOString() });
    expect(await retryDeadLetter('expired-x', { queue: deliverQueue, deliveries: deps.deliveries, briefings: deps.briefings })).toBe('expired');
    expect((await deps.deliveries.deadLetters()).map((letter) => letter.id)).toEqual(['expired-x']);
  });
});
