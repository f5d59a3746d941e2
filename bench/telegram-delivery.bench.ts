/**
 * Telegram delivery: private chats × 1 message through TelegramSender into the Bot API emulator
 * with Telegram's limits on. Two simulated worker processes (own Redis connection, sends in
 * flight each) share the Redis rate limiter. Measured at 30 messages/s once on its own and once
 * beside a CPU hog, then with paid broadcasts (allow_paid_broadcast, up to 1,000/s).
 */
import { RedisRateLimiter } from '../src/platforms/rate-limiter.js';
import { createTelegramApi } from '../src/platforms/telegram/client.js';
import { TelegramSender } from '../src/platforms/telegram/sender.js';
import { PAID_BROADCAST_PACING, TELEGRAM_PACING, TelegramTransport } from '../src/platforms/telegram/transport.js';
import { startTelegramEmulator, TELEGRAM_LIMITS } from '../test/emulators/telegram-bot-api.js';
import { startRedis } from '../test/support/redis.js';
import { CONDITIONS, machineLoad, rateAtLimit, timeIt, under, withLoopDelay, withRatio, type Benchmark, type BenchResult, type Conditions } from './harness.js';

const WORKERS = 2;
const TOKEN = '5555:bench';

interface Run {
  /** Figure names start with this. */
  name: string;
  chats: number;
  inFlightPerWorker: number;
  paidBroadcast: boolean;
  conditions: Conditions;
}

async function deliver(run: Run, log: (line: string) => void): Promise<BenchResult[]> {
  const redis = await startRedis();
  const emulator = await startTelegramEmulator({ token: TOKEN, limits: TELEGRAM_LIMITS });
  try {
    const chatIds = Array.from({ length: run.chats }, (_, i) => 10_000 + i);
    for (const id of chatIds) emulator.addChat({ id, type: 'private' });
    const limiters = Array.from({ length: WORKERS }, () => new RedisRateLimiter(redis.client(), 'bench:ratelimit:{telegram}:'));
    const senders = limiters.map(
      (limiter) => new TelegramSender({ transport: new TelegramTransport({ api: createTelegramApi({ token: TOKEN, apiRoot: emulator.apiRoot }), limiter, paidBroadcast: run.paidBroadcast }) }),
    );
    const queue = [...chatIds];
    const part = { text: '<b>Morning briefing</b>\n🔸 Something happened', parse_mode: 'HTML' as const, link_preview_options: { is_disabled: true } };
    // Each in-flight slot takes the next chat, like a BullMQ worker with that concurrency.
    // A send that fails (a connection reset under load) counts as a loss, as a worker would retry it later.
    const failures: string[] = [];
    const slot = async (sender: TelegramSender) => {
      for (let chatId = queue.shift(); chatId !== undefined; chatId = queue.shift()) {
        await sender.send({ platform: 'telegram', chatId: String(chatId), channelKind: 'private' }, part, { index: 0, total: 1, title: 'bench' }).catch((error: Error) => failures.push(error.message));
      }
    };
    const load = machineLoad();
    const {
      result: { ms },
      loopDelay,
    } = await withLoopDelay(() => under(run.conditions, () => timeIt(() => Promise.all(senders.flatMap((sender) => Array.from({ length: run.inFlightPerWorker }, () => slot(sender)))))));

    const perChat = chatIds.map((id) => emulator.messages(id).length);
    const duplicates = perChat.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const losses = perChat.filter((n) => n === 0).length;
    const rate = (run.chats / ms) * 1000;
    const limit = run.paidBroadcast ? TELEGRAM_LIMITS.paidBroadcastPerSecond : TELEGRAM_LIMITS.globalPerSecond;
    const pacing = (run.paidBroadcast ? PAID_BROADCAST_PACING : TELEGRAM_PACING).global;
    const sends = limiters.reduce((sum, limiter) => sum + limiter.stats.sends, 0);
    const inFlightMs = limiters.reduce((sum, limiter) => sum + limiter.stats.inFlightMs, 0) / sends;
    const refused = limiters.reduce((sum, limiter) => sum + limiter.stats.refusedCommits, 0);
    const where = `${run.conditions}, ${load} before, ${loopDelay}`;
    log(`${run.name}, ${where}`);
    const reachable = rateAtLimit(run.chats, limit);
    log(`  ${run.chats} messages in ${(ms / 1000).toFixed(1)} s: ${rate.toFixed(1)} msg/s against ${limit}/s (pacing ${pacing.limit} per ${pacing.perMs} ms); ${(rate / reachable).toFixed(3)} of the ${reachable.toFixed(1)}/s reachable with the first second's burst`);
    if (failures.length > 0) log(`  ${failures.length} sends failed, e.g. ${failures[0]}`);
    log(`  429s received: ${emulator.stats.tooManyRequests}, duplicates: ${duplicates}, losses: ${losses}; in flight ${inFlightMs.toFixed(1)} ms per send, ${refused} commits refused`);
    const note = `${where}; ${WORKERS} workers × ${run.inFlightPerWorker} in flight, shared Redis limiter paced at ${pacing.limit}/${pacing.perMs} ms, a send in flight ${inFlightMs.toFixed(1)} ms on average`;
    return [
      withRatio({ name: `${run.name} rate, ${run.conditions}`, value: rate, unit: 'msg/s', baseline: limit, note: `${note}; baseline = the emulator's limit (with the first second's burst ${reachable.toFixed(1)}/s is reachable: ${(rate / reachable).toFixed(3)} of it)` }),
      { name: `${run.name} 429s received, ${run.conditions}`, value: emulator.stats.tooManyRequests, unit: 'count', note },
      { name: `${run.name} duplicates and losses, ${run.conditions}`, value: duplicates + losses, unit: 'messages', note: `${duplicates} duplicates, ${losses} chats that got nothing (must be 0)` },
    ];
  } finally {
    await emulator.close();
    await redis.stop();
  }
}

const bench: Benchmark = {
  title: 'Telegram delivery: chats × 1 message, emulator limits on; idle, beside a CPU hog, and with paid broadcasts',
  async run(log) {
    const free: BenchResult[][] = [];
    for (const conditions of CONDITIONS) free.push(await deliver({ name: 'telegram delivery (1,000 chats)', chats: 1000, inFlightPerWorker: 25, paidBroadcast: false, conditions }, log));
    const paid = await deliver({ name: 'telegram paid broadcast (10,000 chats)', chats: 10_000, inFlightPerWorker: 100, paidBroadcast: true, conditions: 'idle' }, log);
    // Idle and busy side by side, figure by figure.
    return [...free[0]!.flatMap((result, i) => [result, free[1]![i]!]), ...paid];
  },
};

export default bench;
