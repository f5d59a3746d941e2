/**
 * Commands during a fan-out: 1,000 private chats × 1 message through two worker processes' deliver
 * workers while two commands a second (/help, each from another chat) reach the bot by long
 * polling, against the Bot API emulator with Telegram's limits on (30/s, 1/s per chat). Run twice
 * in the same run: replies through the shared limiter (Herald's one path), and replies sent
 * unpaced beside it (how replies went before), the baseline for the 429s.
 */
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { createCommandServices } from '../src/commands/services-wiring.js';
import { parseConfig } from '../src/config/load.js';
import { defaultFetchOptions } from '../src/feeds/fetch.js';
import { createLogger } from '../src/log.js';
import { ConsoleSender } from '../src/platforms/console/sender.js';
import { RedisRateLimiter } from '../src/platforms/rate-limiter.js';
import { startTelegramBot } from '../src/platforms/telegram/bot.js';
import { createTelegramApi } from '../src/platforms/telegram/client.js';
import { TelegramSender } from '../src/platforms/telegram/sender.js';
import { TELEGRAM_PACING, TelegramTransport } from '../src/platforms/telegram/transport.js';
import { createRedisConnection } from '../src/queue/connection.js';
import { fanOut } from '../src/queue/deliver-jobs.js';
import { startWorkers } from '../src/runtime/workers.js';
import { BriefingStore } from '../src/store/briefings.js';
import { createKeys } from '../src/store/keys.js';
import { SubscriptionStore } from '../src/store/subscriptions.js';
import { startTelegramEmulator, TELEGRAM_LIMITS } from '../test/emulators/telegram-bot-api.js';
import { saveTestBriefing } from '../test/support/delivery-rig.js';
import { startRedis } from '../test/support/redis.js';
import { telegramChat } from '../test/support/subscription-fixtures.js';
import { median, withRatio, type Benchmark, type BenchResult } from './harness.js';

const CHATS = 1000;
const COMMANDS_PER_SECOND = 2;
const WORKERS = 2;
const CONCURRENCY = 25;
const TOKEN = '5556:bench-replies';
const PREFIX = 'bench-replies';

interface Outcome {
  fanOutRate: number;
  tooManyRequests: number;
  replies: number;
  commands: number;
  medianReplyMs: number;
  slowestReplyMs: number;
  duplicates: number;
}

const silent = createLogger({ level: 'silent' });
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

/** One fan-out with commands arriving; `pacedReplies` false sends replies past the limiter. */
async function fanOutWithCommands(pacedReplies: boolean): Promise<Outcome> {
  const server = await startRedis();
  const emulator = await startTelegramEmulator({ token: TOKEN, limits: TELEGRAM_LIMITS });
  const config = parseConfig({ redis: { prefix: PREFIX }, telegram: { token: TOKEN, apiRoot: emulator.apiRoot, owners: [] } });
  const connections = Array.from({ length: WORKERS }, (_, i) => createRedisConnection(server.url, { name: `bench-replies-${i}` }));
  const transports = connections.map((connection) => new TelegramTransport({ api: createTelegramApi(config.telegram), limiter: new RedisRateLimiter(connection, `${PREFIX}:ratelimit:`) }));
  const workers = await Promise.all(
    connections.map((connection, i) =>
      startWorkers({ config, connection, senders: { telegram: new TelegramSender({ transport: transports[i]! }), console: new ConsoleSender(quiet) }, logger: silent, roles: { worker: true, scheduler: false }, deliverConcurrency: CONCURRENCY }),
    ),
  );
  const [main] = connections as [(typeof connections)[0]];
  const keys = createKeys(PREFIX);
  const services = createCommandServices({ config, redis: main, keys, pollQueue: workers[0]!.queues.poll, composeQueue: workers[0]!.queues.compose, deliverQueue: workers[0]!.queues.deliver, fetchOptions: defaultFetchOptions(config.fetch) });
  const unpaced = new TelegramTransport({ api: createTelegramApi(config.telegram), limiter: { send: (_buckets, request) => request() } });
  const bot = await startTelegramBot({ config, services, logger: silent, transport: pacedReplies ? transports[0]! : unpaced });
  let timer: NodeJS.Timeout | undefined;
  try {
    const chatIds = Array.from({ length: CHATS }, (_, i) => 2_000_000 + i);
    for (const id of chatIds) emulator.addChat({ id, type: 'private' });
    const subscriptions = chatIds.map((id) => telegramChat(id));
    const store = new SubscriptionStore(main, keys);
    await Promise.all(subscriptions.map((subscription) => store.upsert(subscription)));
    await saveTestBriefing(new BriefingStore(main, keys), 'replies', 1);
    const fanOutChats = new Set(chatIds);
    const parts = () => emulator.allMessages().filter((message) => fanOutChats.has(message.chatId));

    const asked = new Map<number, number>();
    const started = Date.now();
    await fanOut(workers[0]!.queues.deliver, 'replies', subscriptions);
    // Two commands a second, each from a chat of its own, for as long as the fan-out runs.
    timer = setInterval(() => {
      const chatId = 3_000_000 + asked.size;
      asked.set(chatId, Date.now());
      emulator.userMessage({ chatId, text: '/help' });
    }, 1000 / COMMANDS_PER_SECOND);
    while (parts().length < CHATS) await new Promise((resolve) => setTimeout(resolve, 100));
    const fanOutMs = Math.max(...parts().map((message) => message.at)) - started;
    clearInterval(timer);
    const answered = () => [...asked.keys()].filter((chatId) => emulator.messages(chatId).length > 0);
    for (const deadline = Date.now() + 120_000; answered().length < asked.size && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    const latencies = answered().map((chatId) => emulator.messages(chatId)[0]!.at - asked.get(chatId)!);
    const counts = [...chatIds, ...asked.keys()].map((chatId) => emulator.messages(chatId).length);
    return {
      fanOutRate: (CHATS / fanOutMs) * 1000,
      tooManyRequests: emulator.stats.tooManyRequests,
      replies: answered().length,
      commands: asked.size,
      medianReplyMs: latencies.length === 0 ? 0 : median(latencies),
      slowestReplyMs: Math.max(...latencies),
      duplicates: counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
    };
  } finally {
    clearInterval(timer);
    await bot.stop();
    await Promise.all(workers.map((running) => running.close()));
    for (const connection of connections) connection.disconnect();
    await emulator.close();
    await server.stop();
  }
}

const bench: Benchmark = {
  title: `Replies during a fan-out: ${COMMANDS_PER_SECOND} commands/s while ${CHATS.toLocaleString('en-US')} chats get a message, Telegram's limits on`,
  async run(log) {
    // 429s come from sends bunched on their way to Telegram, which a loaded machine makes likelier.
    const load = loadavg()[0]!.toFixed(1);
    const paced = await fanOutWithCommands(true);
    const unpaced = await fanOutWithCommands(false);
    for (const [label, outcome] of [['replies through the shared limiter', paced], ['replies unpaced (before)', unpaced]] as const) {
      log(`${label}: ${outcome.tooManyRequests} × 429; ${outcome.replies}/${outcome.commands} replies, median ${outcome.medianReplyMs} ms, slowest ${outcome.slowestReplyMs} ms; fan-out ${outcome.fanOutRate.toFixed(1)} msg/s; duplicates ${outcome.duplicates}`);
    }
    const note = `${WORKERS} workers × ${CONCURRENCY} deliveries in flight, pacing ${TELEGRAM_PACING.global.limit}/${TELEGRAM_PACING.global.perMs} ms; ${COMMANDS_PER_SECOND} × /help per second; load average ${load} at start`;
    const results: BenchResult[] = [
      { name: 'replies during fan-out: 429s received', value: paced.tooManyRequests, unit: 'count', baseline: unpaced.tooManyRequests, note: `${note}; baseline = the same run with replies sent past the limiter, as before` },
      { name: 'replies during fan-out: replies answered', value: paced.replies, unit: 'replies', baseline: paced.commands, note: 'baseline = commands sent' },
      { name: 'replies during fan-out: median reply time', value: paced.medianReplyMs, unit: 'ms', note: 'command posted → reply accepted by the emulator' },
      { name: 'replies during fan-out: slowest reply time', value: paced.slowestReplyMs, unit: 'ms', note: 'command posted → reply accepted by the emulator' },
      withRatio({ name: 'replies during fan-out: fan-out rate', value: paced.fanOutRate, unit: 'msg/s', baseline: TELEGRAM_LIMITS.globalPerSecond, note: "baseline = Telegram's limit; replies take their share of it" }),
      { name: 'replies during fan-out: duplicates', value: paced.duplicates, unit: 'messages', note: 'must be 0' },
    ];
    return results;
  },
};

export default bench;
