import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, type Destination, type DeliveryFailure } from '../../src/platforms/delivery.js';
import { RedisRateLimiter } from '../../src/platforms/rate-limiter.js';
import { createTelegramApi, createTelegramBot } from '../../src/platforms/telegram/client.js';
import { TelegramSender } from '../../src/platforms/telegram/sender.js';
import { TELEGRAM_PACING, TelegramTransport, type TelegramPacing } from '../../src/platforms/telegram/transport.js';
import { startTelegramEmulator, TELEGRAM_LIMITS, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { telegramPart } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const TOKEN = '4242:sender-test';
const CONTEXT = { index: 0, total: 1, title: 'Morning briefing' };
/** Pacing so loose that only the emulator's own limits can hold a message back. */
const UNPACED: TelegramPacing = { global: { limit: 1000, perMs: 1000 }, perChat: { limit: 1000, perMs: 1000 }, perGroup: { limit: 1000, perMs: 1000 } };

let redis: TestRedis;
let emulator: TelegramEmulator;
let run = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => redis.stop());
beforeEach(async () => {
  emulator = await startTelegramEmulator({ token: TOKEN });
  emulator.addChat({ id: 42, type: 'private' });
  emulator.addChat({ id: -100700, type: 'supergroup', title: 'Forum', isForum: true, topics: [11] });
  run++;
});
afterEach(async () => emulator.close());

/** A sender as one worker process would build it: its own Redis connection, shared buckets. */
function workerSender(options: { pacing?: TelegramPacing; timeoutSeconds?: number; token?: string; paidBroadcast?: boolean } = {}): TelegramSender {
  const config = { token: options.token ?? TOKEN, apiRoot: emulator.apiRoot, owners: [] };
  const api = createTelegramApi(config, { timeoutSeconds: options.timeoutSeconds });
  const limiter = new RedisRateLimiter(redis.client(), `herald-test${run}:ratelimit:`);
  return new TelegramSender({ transport: new TelegramTransport({ api, limiter, pacing: options.pacing, paidBroadcast: options.paidBroadcast }) });
}

async function failureOf(sending: Promise<unknown>): Promise<DeliveryFailure> {
  const error = await sending.then(
    () => new Error('the part was delivered'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return (error as DeliveryError).failure;
}

const privateChat: Destination = { platform: 'telegram', chatId: '42', channelKind: 'private' };

describe('grammY clients from config', () => {
  it('talk to the configured API root, with or without a trailing slash', async () => {
    const bot = createTelegramBot({ token: TOKEN, apiRoot: `${emulator.apiRoot}/`, owners: [] });
    await bot.init();
    expect(bot.botInfo.id).toBe(4242);
  });

  it('refuse to start without a token, saying where to get one', () => {
    expect(() => createTelegramApi({ token: ' ', owners: [] })).toThrow(/telegram\.token is not set: create a bot with @BotFather/);
  });

  /**
   * Runs `body` against a Bot API server answering getMe, the n-th request after `answerAfterMs[n]`
   * (else at once), that never closes idle connections itself: any close it sees came from the client.
   */
  async function withBotServer(answerAfterMs: number[], body: (apiRoot: string, connections: Socket[]) => Promise<void>): Promise<void> {
    let requests = 0;
    const server: Server = createServer((_request, response) => {
      const answer = () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ ok: true, result: { id: 4242, is_bot: true, first_name: 'Herald', username: 'herald_test_bot' } }));
      };
      setTimeout(answer, answerAfterMs[requests++] ?? 0);
    });
    server.keepAliveTimeout = 3_600_000;
    const connections: Socket[] = [];
    server.on('connection', (socket: Socket) => connections.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  it('close a kept-alive connection left idle themselves, so no send races a server closing it', async () => {
    await withBotServer([], async (apiRoot, connections) => {
      const api = createTelegramApi({ token: TOKEN, apiRoot, owners: [] });
      await api.getMe();
      expect(connections).toHaveLength(1);
      await once(connections[0]!, 'close');
      // The next call opens a fresh connection rather than failing on the closed one.
      await expect(api.getMe()).resolves.toMatchObject({ id: 4242 });
      expect(connections).toHaveLength(2);
    });
  });

  it('wait out an answer slower than the idle close on a kept-alive connection, as a long poll for updates is', async () => {
    // Node's agent closes only a connection in its free list on the idle timeout, not one a request is using.
    await withBotServer([0, 3_000], async (apiRoot, connections) => {
      const api = createTelegramApi({ token: TOKEN, apiRoot, owners: [] });
      await api.getMe();
      await expect(api.getMe()).resolves.toMatchObject({ id: 4242 });
      expect(connections).toHaveLength(1);
    });
  });
});

describe('TelegramSender', () => {
  it('sends HTML parts with previews off and returns Telegram message ids', async () => {
    const sender = workerSender({ pacing: UNPACED });
    const sent = await sender.send(privateChat, telegramPart('<b>Morning</b> briefing'), CONTEXT);
    expect(sent).toEqual({ messageId: String(emulator.messages(42)[0]!.messageId) });
    expect(emulator.messages(42)).toMatchObject([{ text: '<b>Morning</b> briefing', plainText: 'Morning briefing', parseMode: 'HTML', linkPreviewOptions: { is_disabled: true } }]);
  });

  it('sends every message with allow_paid_broadcast when paid broadcasts are on, and without it otherwise', async () => {
    emulator.setLimits(TELEGRAM_LIMITS);
    const chats = Array.from({ length: 40 }, (_, i) => 5000 + i);
    for (const id of chats) emulator.addChat({ id, type: 'private' });
    const paid = workerSender({ paidBroadcast: true });
    await Promise.all(chats.map((id) => paid.send({ platform: 'telegram', chatId: String(id), channelKind: 'private' }, telegramPart('paid'), CONTEXT)));
    await workerSender().send(privateChat, telegramPart('free'), CONTEXT);
    expect(chats.map((id) => emulator.messages(id)[0]?.paidBroadcast)).toEqual(chats.map(() => true));
    expect(emulator.messages(42)[0]!.paidBroadcast).toBeUndefined();
    // 40 at once is beyond the free 30 per second: paced at the paid rate, none refused.
    expect(emulator.stats.tooManyRequests).toBe(0);
  });

  it('posts into the forum topic of the destination', async () => {
    const sender = workerSender({ pacing: UNPACED });
    await sender.send({ platform: 'telegram', chatId: '-100700', threadId: '11', channelKind: 'supergroup' }, telegramPart('in the topic'), CONTEXT);
    expect(emulator.messages(-100700).map((m) => [m.text, m.threadId])).toEqual([['in the topic', 11]]);
  });

  it('reports a blocked bot, a missing chat and missing rights as permanent for the destination', async () => {
    const sender = workerSender({ pacing: UNPACED });
    emulator.failChat(42, 'blocked');
    expect(await failureOf(sender.send(privateChat, telegramPart('x'), CONTEXT))).toEqual({ kind: 'permanent', scope: 'destination', reason: 'bot was blocked by the user' });
    expect(await failureOf(sender.send({ platform: 'telegram', chatId: '777' }, telegramPart('x'), CONTEXT))).toEqual({ kind: 'permanent', scope: 'destination', reason: 'chat not found' });
    emulator.addChat({ id: -300, type: 'group', botCanPost: false });
    expect(await failureOf(sender.send({ platform: 'telegram', chatId: '-300' }, telegramPart('x'), CONTEXT))).toEqual({ kind: 'permanent', scope: 'destination', reason: 'have no rights to send a message' });
    expect(await failureOf(sender.send({ platform: 'telegram', chatId: '-100700', threadId: '99' }, telegramPart('x'), CONTEXT))).toMatchObject({ kind: 'permanent', scope: 'destination' });
    expect(emulator.allMessages()).toEqual([]);
  });

  it('reports a group upgraded to a supergroup as moved, with the new chat id', async () => {
    const sender = workerSender({ pacing: UNPACED });
    emulator.addChat({ id: -55, type: 'group', title: 'Upgraded' });
    emulator.failChat(-55, 'migrated', { migrateToChatId: -1000055 });
    const failure = await failureOf(sender.send({ platform: 'telegram', chatId: '-55', channelKind: 'group' }, telegramPart('x'), CONTEXT));
    expect(failure).toEqual({ kind: 'moved', newChatId: '-1000055' });
    await sender.send({ platform: 'telegram', chatId: failure.kind === 'moved' ? failure.newChatId : '', channelKind: 'supergroup' }, telegramPart('followed'), CONTEXT);
    expect(emulator.messages(-1000055).map((m) => m.text)).toEqual(['followed']);
  });

  it('waits out a 429 for retry_after and delivers the part exactly once', async () => {
    emulator.setLimits({ perChatPerSecond: 1 });
    const sender = workerSender({ pacing: UNPACED });
    await sender.send(privateChat, telegramPart('first'), CONTEXT);
    await sender.send(privateChat, telegramPart('second'), CONTEXT);
    expect(emulator.stats.tooManyRequests).toBe(1);
    expect(emulator.messages(42).map((m) => m.text)).toEqual(['first', 'second']);
  });

  it('hands a repeated 429 back to the job as transient with retry_after, having sent nothing', async () => {
    emulator.failChat(42, 'too-many-requests', { retryAfterSeconds: 1, times: 2 });
    const failure = await failureOf(workerSender({ pacing: UNPACED }).send(privateChat, telegramPart('x'), CONTEXT));
    expect(failure).toMatchObject({ kind: 'transient', retryAfterMs: 1000 });
    expect(emulator.stats.tooManyRequests).toBe(2);
    expect(emulator.messages(42)).toEqual([]);
  });

  it('refuses HTML Telegram cannot parse as permanent for that part only, quoting Telegram', async () => {
    const failure = await failureOf(workerSender({ pacing: UNPACED }).send(privateChat, telegramPart('<b>unclosed'), CONTEXT));
    expect(failure).toEqual({ kind: 'permanent', scope: 'part', reason: 'Telegram refused this message: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"' });
  });

  it('reports a rejected token as transient, so subscriptions are not deactivated for it', async () => {
    const failure = await failureOf(workerSender({ pacing: UNPACED, token: '1:revoked' }).send(privateChat, telegramPart('x'), CONTEXT));
    expect(failure).toMatchObject({ kind: 'transient', reason: expect.stringContaining('check telegram.token') });
  });

  it('reports server errors and timeouts as transient', async () => {
    emulator.failChat(42, 'server-error', { times: 1 });
    expect(await failureOf(workerSender({ pacing: UNPACED }).send(privateChat, telegramPart('x'), CONTEXT))).toMatchObject({ kind: 'transient' });
    emulator.failChat(42, 'timeout');
    const timedOut = await failureOf(workerSender({ pacing: UNPACED, timeoutSeconds: 1 }).send(privateChat, telegramPart('x'), CONTEXT));
    expect(timedOut).toMatchObject({ kind: 'transient', reason: expect.stringContaining('cannot reach Telegram') });
  });

  it('paces two worker processes sending into one chat so Telegram never answers 429', async () => {
    emulator.setLimits(TELEGRAM_LIMITS);
    // Wide gaps (1.8 s for Telegram's 1 s) so even a starved CI machine cannot bunch two sends.
    const pacing = { ...UNPACED, perChat: { limit: 1, perMs: 1800 } };
    const [first, second] = [workerSender({ pacing }), workerSender({ pacing })];
    await Promise.all([
      first.send(privateChat, telegramPart('a1'), CONTEXT).then(() => first.send(privateChat, telegramPart('a2'), CONTEXT)),
      second.send(privateChat, telegramPart('b1'), CONTEXT),
    ]);
    expect(emulator.stats.tooManyRequests).toBe(0);
    expect(emulator.messages(42).map((m) => m.text).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('keeps every chat and the bot within Telegram\'s limits at Herald\'s own pacing while timers keep firing late', async () => {
    emulator.setLimits({ globalPerSecond: 10, perChatPerSecond: 1 });
    const chats = Array.from({ length: 12 }, (_, i) => 6000 + i);
    for (const id of chats) emulator.addChat({ id, type: 'private' });
    // Herald's pacing as shipped, with the bot's limit scaled to the emulator's 10/s.
    const pacing = { ...TELEGRAM_PACING, global: { ...TELEGRAM_PACING.global, limit: 10 } };
    const senders = [workerSender({ pacing }), workerSender({ pacing })];
    // Stalls the event loop for up to 60 ms every few milliseconds: every wake-up, admission and answer comes late.
    const stalls = setInterval(() => {
      const until = performance.now() + Math.random() * 60;
      while (performance.now() < until);
    }, 5);
    try {
      await Promise.all(
        chats.map(async (id, i) => {
          const sender = senders[i % 2]!;
          for (const part of ['one', 'two', 'three']) await sender.send({ platform: 'telegram', chatId: String(id), channelKind: 'private' }, telegramPart(part), CONTEXT);
        }),
      );
    } finally {
      clearInterval(stalls);
    }
    expect(emulator.stats.tooManyRequests).toBe(0);
    for (const id of chats) expect(emulator.messages(id).map((m) => m.text)).toEqual(['one', 'two', 'three']);
  });
});
