/**
 * Command replies share the one paced path to Telegram with the briefing parts: the Bot API
 * emulator with its rate limits on, real grammY (long polling), real Redis and the real deliver
 * workers. Herald's pacing here is well under the emulator's limits, so a 429 can only come from
 * a send that skipped the shared limiter, never from a slow machine bunching paced sends.
 */
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCommandServices } from '../../src/commands/services-wiring.js';
import { parseConfig } from '../../src/config/load.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import { defaultFetchOptions } from '../../src/feeds/fetch.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { RedisRateLimiter } from '../../src/platforms/rate-limiter.js';
import { startTelegramBot, type TelegramBotHandle } from '../../src/platforms/telegram/bot.js';
import { createTelegramApi } from '../../src/platforms/telegram/client.js';
import { sendCommandReply } from '../../src/platforms/telegram/reply-sender.js';
import { TelegramSender } from '../../src/platforms/telegram/sender.js';
import { TelegramTransport, type TelegramPacing } from '../../src/platforms/telegram/transport.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { fanOut } from '../../src/queue/deliver-jobs.js';
import { renderParts } from '../../src/render/index.js';
import { startWorkers, type RunningWorkers } from '../../src/runtime/workers.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { readFixtureBriefing } from '../fixtures/briefing/briefings.js';
import { saveTestBriefing } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { telegramChat } from '../support/subscription-fixtures.js';

const PREFIX = 'tgreplies';
const TOKEN = '777002:herald-replies-token';
/** The emulator's limits: Telegram's shape, scaled down so a test needs few messages to reach them. */
const LIMITS = { globalPerSecond: 8, perChatPerSecond: 1, perGroupPerMinute: 20 };
/** Herald's pacing: evenly spread a quarter under the emulator's global limit, half a second over its per-chat one. */
const PACING: TelegramPacing = { global: { limit: 1, perMs: 170 }, perChat: { limit: 1, perMs: 1500 }, perGroup: { limit: 20, perMs: 66_000 } };
const WAIT = { timeout: 60_000, interval: 50 };

let emulator: TelegramEmulator;
let redisServer: TestRedis;
let redis: Redis;
let config: HeraldConfig;
let transport: TelegramTransport;
let workers: RunningWorkers;
let bot: TelegramBotHandle;
const silent = createLogger({ level: 'silent' });

beforeAll(async () => {
  [emulator, redisServer] = await Promise.all([startTelegramEmulator({ token: TOKEN, limits: LIMITS }), startRedis()]);
  redis = createRedisConnection(redisServer.url);
  config = parseConfig({ redis: { prefix: PREFIX }, telegram: { token: TOKEN, apiRoot: emulator.apiRoot, owners: [] } });
  transport = new TelegramTransport({ api: createTelegramApi(config.telegram, { timeoutSeconds: 10 }), limiter: new RedisRateLimiter(redis, `${PREFIX}:ratelimit:`), pacing: PACING });
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  workers = await startWorkers({ config, connection: redis, senders: { telegram: new TelegramSender({ transport }), console: new ConsoleSender(quiet) }, logger: silent, roles: { worker: true, scheduler: false } });
  const services = createCommandServices({ config, redis, keys: createKeys(PREFIX), pollQueue: workers.queues.poll, composeQueue: workers.queues.compose, deliverQueue: workers.queues.deliver, fetchOptions: defaultFetchOptions(config.fetch) });
  bot = await startTelegramBot({ config, services, logger: silent, transport });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await workers?.close();
  redis?.disconnect();
  await Promise.all([emulator?.close(), redisServer?.stop()]);
}, 60_000);

beforeEach(() => emulator.setLimits(LIMITS));

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('replies and briefing parts on one paced path', () => {
  it('answers a burst of commands during a fan-out: every reply, ahead of the parts waiting, and never a 429', { timeout: 120_000 }, async () => {
    const subscribers = range(60_000, 30);
    for (const id of subscribers) emulator.addChat({ id, type: 'private' });
    const subscriptions = subscribers.map((id) => telegramChat(id));
    const store = new SubscriptionStore(redis, createKeys(PREFIX));
    for (const subscription of subscriptions) await store.upsert(subscription);
    await saveTestBriefing(new BriefingStore(redis, createKeys(PREFIX)), 'burst');
    const refusedBefore = emulator.stats.tooManyRequests;
    await fanOut(workers.queues.deliver, 'burst', subscriptions);
    const partsSent = () => emulator.allMessages().filter((message) => subscribers.includes(message.chatId));
    await expect.poll(() => partsSent().length, WAIT).toBeGreaterThanOrEqual(12);

    // Eight people ask at once while some 30 deliveries wait for their next slot.
    const askers = range(70_000, 8);
    const askedAt = Date.now();
    for (const chatId of askers) emulator.userMessage({ chatId, text: '/help' });
    await expect.poll(() => askers.filter((chatId) => emulator.messages(chatId).length > 0).length, WAIT).toBe(askers.length);
    const lastReplyAt = Math.max(...askers.map((chatId) => emulator.messages(chatId)[0]!.at));
    // Going ahead of the parts already waiting, the replies let only a few parts out meanwhile.
    const partsMeanwhile = partsSent().filter((message) => message.at >= askedAt && message.at <= lastReplyAt).length;
    expect(partsMeanwhile).toBeLessThan(15);

    await expect.poll(() => partsSent().length, WAIT).toBe(subscribers.length * 3);
    for (const chatId of askers) expect(emulator.messages(chatId).map((m) => m.plainText)).toEqual([expect.stringContaining('/subscribe')]);
    expect(emulator.stats.tooManyRequests).toBe(refusedBefore);
  });

  it('confirms every /subscribe though Telegram allows fewer messages than Herald paces', { timeout: 120_000 }, async () => {
    emulator.setLimits({ ...LIMITS, globalPerSecond: 3 });
    const refusedBefore = emulator.stats.tooManyRequests;
    const admins = range(80_000, 20);
    for (const chatId of admins) emulator.userMessage({ chatId, text: '/subscribe' });
    await expect.poll(() => admins.filter((chatId) => emulator.messages(chatId).length > 0).length, WAIT).toBe(admins.length);
    // Telegram did refuse some: the replies waited out each retry_after and went again.
    expect(emulator.stats.tooManyRequests).toBeGreaterThan(refusedBefore);
    for (const chatId of admins) expect(emulator.messages(chatId)).toHaveLength(1);
    const subscribed = await new SubscriptionStore(redis, createKeys(PREFIX)).list({ platform: 'telegram' });
    expect(admins.filter((chatId) => !subscribed.some((s) => s.destination.chatId === String(chatId)))).toEqual([]);
  });
});

describe('sendCommandReply', () => {
  it('sends a /preview part by part within the chat limit', { timeout: 60_000 }, async () => {
    emulator.setLimits({ ...LIMITS, perChatPerSecond: 1 });
    emulator.addChat({ id: 90_001, type: 'private' });
    const refusedBefore = emulator.stats.tooManyRequests;
    const preview = readFixtureBriefing('en-long');
    await sendCommandReply(transport, { chatId: 90_001, chatKind: 'private' }, { text: 'Your briefing as it would be sent now:', preview, ok: true }, { linkPreviews: false, logger: silent });
    const parts = renderParts(preview, 'telegram', { linkPreviews: false });
    expect(parts.length).toBeGreaterThan(2);
    expect(emulator.messages(90_001).map((m) => m.text)).toEqual(['Your briefing as it would be sent now:', ...parts.map((part) => part.text)]);
    expect(emulator.stats.tooManyRequests).toBe(refusedBefore);
  });

  it('gives up on a reply Telegram keeps refusing once its deadline passes, and says so', async () => {
    emulator.addChat({ id: 90_002, type: 'private' });
    emulator.failChat(90_002, 'too-many-requests', { retryAfterSeconds: 1 });
    const reply = sendCommandReply(transport, { chatId: 90_002 }, { text: 'Subscribed.', ok: true }, { linkPreviews: false, logger: silent, deadlineMs: 2_500 });
    await expect(reply).rejects.toThrow(/gave up on a reply in chat 90002 after \d+ attempts: Telegram would not take it within 3 s, the deadline for replies \(Telegram rate limit/);
    expect(emulator.messages(90_002)).toEqual([]);
    emulator.restoreChat(90_002);
  });
});
