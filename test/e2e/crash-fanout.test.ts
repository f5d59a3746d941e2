/**
 * Workers killed -9 in the middle of a fan-out, in their own processes, against the platform
 * emulators: how soon another worker takes over, and what a kill at the worst moment (after the
 * platform accepted a part, before the worker recorded it) sends twice.
 */
import { ChannelType } from 'discord.js';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DELIVERY_STALL } from '../../jobs/deliver.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createDeliverQueue, deliveryJobId, fanOut, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import type { Subscription } from '../../src/subscriptions/model.js';
import { defaultGuild, startDiscordEmulator } from '../emulators/discord-api.js';
import { startTelegramEmulator, TELEGRAM_LIMITS, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { RIG_TOKEN, saveTestBriefing } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { exitOf, killAll, spawnWorkerProcess } from '../support/spawn-worker.js';
import { subscriptionFor, telegramChat } from '../support/subscription-fixtures.js';

let server: TestRedis;
let redis: Redis;
let emulator: TelegramEmulator;
const queues: DeliverQueue[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url);
  // Limits far above what one worker sends, so the test is quick yet still goes through them.
  emulator = await startTelegramEmulator({ token: RIG_TOKEN, limits: { globalPerSecond: 100_000, perChatPerSecond: 100 } });
});
afterAll(async () => {
  killAll();
  await Promise.all(queues.map((queue) => queue.close()));
  redis.disconnect();
  await emulator.close();
  await server.stop();
});

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const expectedParts = (briefingId: string) => [1, 2, 3].map((n) => `Part ${n}/3 of ${briefingId}`);

/** A fan-out of a 3-part briefing under its own prefix, ready for worker processes to deliver. */
async function fanOutUnder(prefix: string, briefingId: string, subscriptions: Subscription[]): Promise<{ queue: DeliverQueue; startWorker: (env?: Record<string, string>) => ReturnType<typeof spawnWorkerProcess> }> {
  const keys = createKeys(prefix);
  const queue = createDeliverQueue(redis, prefix);
  queues.push(queue);
  const store = new SubscriptionStore(redis, keys);
  for (const subscription of subscriptions) await store.upsert(subscription);
  await saveTestBriefing(new BriefingStore(redis, keys), briefingId);
  await fanOut(queue, briefingId, subscriptions);
  const startWorker = (env: Record<string, string> = {}) => spawnWorkerProcess({ HERALD_REDIS_URL: server.url, HERALD_PREFIX: prefix, TELEGRAM_API_ROOT: emulator.apiRoot, ...env });
  return { queue, startWorker };
}

/** Parts recorded as sent in Redis, over every delivery under a prefix. */
async function recordedParts(prefix: string): Promise<number> {
  const keys = await redis.keys(`${prefix}:sent:*`);
  const lengths = await Promise.all(keys.map((key) => redis.hlen(key)));
  return lengths.reduce((sum, n) => sum + n, 0);
}

/** Parts a destination got more than once; fails if any part is missing or out of order. */
function duplicatesIn(received: string[], expected: string[]): number {
  const withoutRepeats = received.filter((text, i) => text !== received[i - 1]);
  expect(withoutRepeats).toEqual(expected);
  return received.length - expected.length;
}

it('finishes a fan-out to 1,000 chats after a worker is killed -9 mid-way: the worker beside it takes over within seconds, every part once, in order', { timeout: 180_000 }, async () => {
  const chatIds = range(50_000, 1000);
  for (const id of chatIds) emulator.addChat({ id, type: 'private' });
  const subscriptions = chatIds.map((id) => telegramChat(id));
  const { queue, startWorker } = await fanOutUnder('crash', 'crashbriefing', subscriptions);

  const first = await startWorker();
  await expect.poll(() => emulator.stats.sent, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(300);
  // Freeze the platform: requests still coming are left hanging, never accepted, like a network
  // that stops answering. Once every accepted part is recorded, the deliveries the first worker
  // holds are stranded in flight; everyone else's chats answer again.
  for (const id of chatIds) emulator.failChat(id, 'timeout');
  const acceptedBeforeKill = emulator.stats.sent;
  await expect.poll(() => recordedParts('crash'), { timeout: 30_000 }).toBe(acceptedBeforeKill);
  const chatOf = new Map(subscriptions.map((subscription) => [subscription.id, Number(subscription.destination.chatId)]));
  // A delivery whose last part was recorded may still be active for a moment, finishing its job;
  // the job its worker takes next must hang too before any chat answers again, else the first
  // worker could send to an answering chat and die before recording it (a part sent twice, which
  // the second test counts). So: wait until every active delivery has parts to go.
  const activeChats = async () => (await queue.getActive()).map((job) => chatOf.get(job.data.subscriptionId)!);
  await expect.poll(async () => (await activeChats()).filter((id) => emulator.messages(id).length === 3), { timeout: 30_000 }).toEqual([]);
  const stranded = await activeChats();
  expect(stranded.length).toBeGreaterThan(0);
  for (const id of chatIds) if (!stranded.includes(id)) emulator.restoreChat(id);

  // A second worker runs beside it, as in production, and takes the waiting deliveries.
  const second = await startWorker();
  first.kill('SIGKILL');
  const killedAt = Date.now();
  expect(await exitOf(first)).toBe('SIGKILL');
  for (const id of stranded) emulator.restoreChat(id);

  // Takeover: the dead worker's deliveries resume once its locks lapse (BullMQ's default lock
  // would keep them waiting 30-60 s; the timeout leaves headroom above Herald's 3-5 s for a busy
  // machine and stays below BullMQ's default).
  const resumedAt = () => stranded.map((id) => emulator.messages(id).find((message) => message.at > killedAt)?.at);
  const waiting = () => stranded.filter((_, i) => resumedAt()[i] === undefined);
  await expect.poll(waiting, { timeout: 25_000, interval: 20, message: 'stranded chats not yet resumed' }).toEqual([]);
  const takeover = resumedAt().map((at) => at! - killedAt);
  console.info(`takeover after kill -9: first of ${stranded.length} stranded deliveries resumed after ${Math.min(...takeover)} ms, all after ${Math.max(...takeover)} ms`);

  await expect.poll(async () => (await queue.getJobCounts('completed')).completed, { timeout: 120_000, interval: 200 }).toBe(chatIds.length);
  second.kill('SIGKILL');
  await exitOf(second);
  const wrong = chatIds.filter((id) => JSON.stringify(emulator.messages(id).map((m) => m.plainText)) !== JSON.stringify(expectedParts('crashbriefing')));
  expect(wrong).toEqual([]);
  expect((await queue.getJobCounts('failed')).failed).toBe(0);
});

it('Telegram, killed -9 just after it accepted a part: only the parts accepted but not yet recorded go out twice (counted)', { timeout: 180_000 }, async () => {
  // Telegram's limits, Herald's own pacing and 100 ms for each answer to come back, as over a network.
  const telegram = await startTelegramEmulator({ token: RIG_TOKEN, limits: TELEGRAM_LIMITS, answerDelayMs: 100 });
  try {
    const chatIds = range(51_000, 150);
    for (const id of chatIds) telegram.addChat({ id, type: 'private' });
    const { queue, startWorker } = await fanOutUnder('worst-telegram', 'worsttelegram', chatIds.map((id) => telegramChat(id)));
    const env = { TELEGRAM_API_ROOT: telegram.apiRoot, HERALD_PACING: 'telegram', HERALD_CONCURRENCY: '50' };
    const first = await startWorker(env);
    await expect.poll(() => telegram.stats.sent, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(60);
    // The worst moment: Telegram has taken a part and its answer is on the way back.
    await telegram.holdResponses(1);
    first.kill('SIGKILL');
    await exitOf(first);
    await startWorker(env);
    await expect.poll(async () => (await queue.getJobCounts('completed')).completed, { timeout: 120_000, interval: 200 }).toBe(chatIds.length);

    const duplicates = chatIds.map((id) => duplicatesIn(telegram.messages(id).map((m) => m.plainText), expectedParts('worsttelegram')));
    const total = duplicates.reduce((sum, n) => sum + n, 0);
    console.info(`Telegram, kill -9 at the worst moment (27 msg/s, 100 ms answers): ${total} of ${chatIds.length * 3} parts sent twice`);
    // At least the part whose answer was held; at most one part per delivery in flight.
    expect(total).toBeGreaterThanOrEqual(1);
    expect(Math.max(...duplicates)).toBe(1);
  } finally {
    await telegram.close();
  }
});

it('Discord, killed -9 after it accepted parts and before they were recorded: the retried parts carry their nonce and nothing is posted twice', { timeout: 180_000 }, async () => {
  const guild = defaultGuild();
  const channelIds = range(0, 40).map((i) => `12000000000000${String(i).padStart(5, '0')}`);
  guild.channels.push(...channelIds.map((id, i) => ({ id, name: `news-${i}`, type: ChannelType.GuildText as const })));
  const discord = await startDiscordEmulator({ guilds: [guild] });
  try {
    const subscriptions = channelIds.map((chatId) => subscriptionFor({ platform: 'discord', chatId, channelKind: 'text' }));
    const { queue, startWorker } = await fanOutUnder('worst-discord', 'worstdiscord', subscriptions);
    const env = { DISCORD_API_BASE: discord.apiBase, DISCORD_TOKEN: discord.token };
    const first = await startWorker(env);
    const posted = () => channelIds.reduce((sum, id) => sum + discord.messages(id).length, 0);
    await expect.poll(posted, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(30);
    // Five parts Discord took whose answers never reach the worker, which then dies.
    await discord.holdResponses(5);
    first.kill('SIGKILL');
    await exitOf(first);
    await startWorker(env);
    await expect.poll(async () => (await queue.getJobCounts('completed')).completed, { timeout: 120_000, interval: 200 }).toBe(channelIds.length);

    const duplicates = channelIds.map((id) => duplicatesIn(discord.messages(id).map((m) => m.content ?? ''), expectedParts('worstdiscord')));
    expect(duplicates.reduce((sum, n) => sum + n, 0)).toBe(0);
    // The held parts were sent again, and Discord answered them with the messages already posted.
    const accepted = discord.requests().filter((request) => request.method === 'POST' && request.path.endsWith('/messages') && request.status === 200).length;
    expect(accepted - posted()).toBeGreaterThanOrEqual(5);
  } finally {
    await discord.close();
  }
});

it('dead-letters a delivery whose workers keep dying while it runs', { timeout: 180_000 }, async () => {
  const keys = createKeys('poison');
  const sub = telegramChat(77);
  emulator.addChat({ id: 77, type: 'private' });
  emulator.failChat(77, 'timeout');
  const { queue, startWorker } = await fanOutUnder('poison', 'poison', [sub]);
  const id = deliveryJobId('poison', sub.id);

  // Each worker takes the job (stall detection hands it over), hangs on the chat and is killed,
  // one time more than a delivery may be taken over.
  for (let run = 0; run <= DELIVERY_STALL.maxStalledCount; run++) {
    const worker = await startWorker();
    await expect.poll(() => queue.getJobState(id), { timeout: 60_000, interval: 50 }).toBe('active');
    await expect.poll(async () => (await queue.getJob(id))?.attemptsStarted, { timeout: 60_000, interval: 50 }).toBe(run + 1);
    worker.kill('SIGKILL');
    await exitOf(worker);
  }
  await startWorker();
  await expect.poll(() => queue.getJobState(id), { timeout: 60_000 }).toBe('failed');
  await expect.poll(async () => (await new DeliveryStore(redis, keys).deadLetters()).map((letter) => letter.id), { timeout: 10_000 }).toEqual([id]);
  expect(emulator.messages(77)).toEqual([]);
});
