/**
 * 1,000 private chats × 1 message through TelegramSender into the Bot API emulator with
 * Telegram's limits on (30 messages/s per bot). Two simulated worker processes (own Redis
 * connection, 25 sends in flight each) share the Redis rate limiter.
 */
import { RedisRateLimiter } from '../src/platforms/rate-limiter.js';
import { createTelegramApi } from '../src/platforms/telegram/client.js';
import { TelegramSender } from '../src/platforms/telegram/sender.js';
import { TELEGRAM_PACING, TelegramTransport } from '../src/platforms/telegram/transport.js';
import { startTelegramEmulator, TELEGRAM_LIMITS } from '../test/emulators/telegram-bot-api.js';
import { startRedis } from '../test/support/redis.js';
import { timeIt, withRatio, type Benchmark } from './harness.js';

const CHATS = 1000;
const WORKERS = 2;
const IN_FLIGHT_PER_WORKER = 25;
const TOKEN = '5555:bench';

const bench: Benchmark = {
  title: `Telegram delivery: ${CHATS.toLocaleString('en-US')} chats × 1 message, emulator limits on`,
  async run(log) {
    const redis = await startRedis();
    const emulator = await startTelegramEmulator({ token: TOKEN, limits: TELEGRAM_LIMITS });
    try {
      const chatIds = Array.from({ length: CHATS }, (_, i) => 10_000 + i);
      for (const id of chatIds) emulator.addChat({ id, type: 'private' });
      const senders = Array.from({ length: WORKERS }, () => new TelegramSender({
        transport: new TelegramTransport({ api: createTelegramApi({ token: TOKEN, apiRoot: emulator.apiRoot, owners: [] }), limiter: new RedisRateLimiter(redis.client(), 'bench:ratelimit:{telegram}:') }),
      }));
      const queue = [...chatIds];
      const part = { text: '<b>Morning briefing</b>\n🔸 Something happened', parse_mode: 'HTML' as const, link_preview_options: { is_disabled: true } };
      // Each in-flight slot takes the next chat, like a BullMQ worker with that concurrency.
      const slot = async (sender: TelegramSender) => {
        for (let chatId = queue.shift(); chatId !== undefined; chatId = queue.shift()) {
          await sender.send({ platform: 'telegram', chatId: String(chatId), channelKind: 'private' }, part, { index: 0, total: 1, title: 'bench' });
        }
      };
      const { ms } = await timeIt(() => Promise.all(senders.flatMap((sender) => Array.from({ length: IN_FLIGHT_PER_WORKER }, () => slot(sender)))));

      const perChat = chatIds.map((id) => emulator.messages(id).length);
      const duplicates = perChat.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
      const losses = perChat.filter((n) => n === 0).length;
      const rate = (CHATS / ms) * 1000;
      const limit = TELEGRAM_LIMITS.globalPerSecond;
      const pacing = TELEGRAM_PACING.global;
      log(`${CHATS} messages in ${(ms / 1000).toFixed(1)} s: ${rate.toFixed(1)} msg/s against Telegram's ${limit}/s (pacing ${pacing.limit} per ${pacing.perMs} ms)`);
      log(`429s received: ${emulator.stats.tooManyRequests}, duplicates: ${duplicates}, losses: ${losses}`);
      const note = `${WORKERS} workers × ${IN_FLIGHT_PER_WORKER} in flight, shared Redis limiter paced at ${pacing.limit}/${pacing.perMs} ms`;
      return [
        withRatio({ name: 'telegram delivery rate (1,000 chats)', value: rate, unit: 'msg/s', baseline: limit, note: `${note}; baseline = Telegram's limit, enforced by the emulator` }),
        { name: 'telegram delivery 429s received', value: emulator.stats.tooManyRequests, unit: 'count', note },
        { name: 'telegram delivery duplicates', value: duplicates, unit: 'messages', note: 'chats that got the message more than once (must be 0)' },
        { name: 'telegram delivery losses', value: losses, unit: 'chats', note: 'chats that got nothing (must be 0)' },
      ];
    } finally {
      await emulator.close();
      await redis.stop();
    }
  },
};

export default bench;
