import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { createCommandServices } from '../../src/commands/services-wiring.js';
import type { CommandServices } from '../../src/commands/services.js';
import { parseConfig } from '../../src/config/load.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import { defaultFetchOptions } from '../../src/feeds/fetch.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { RedisRateLimiter } from '../../src/platforms/rate-limiter.js';
import { startTelegramBot, type TelegramBotHandle } from '../../src/platforms/telegram/bot.js';
import { createTelegramApi } from '../../src/platforms/telegram/client.js';
import { TelegramSender } from '../../src/platforms/telegram/sender.js';
import { TelegramTransport } from '../../src/platforms/telegram/transport.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { startWorkers, type RunningWorkers } from '../../src/runtime/workers.js';
import { createKeys } from '../../src/store/keys.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { startRedis, type TestRedis } from './redis.js';

/** Everything a Telegram end-to-end test talks to, and Herald's Telegram side running against it. */
export interface TelegramBotRig {
  emulator: TelegramEmulator;
  feedServer: FeedServer;
  redisServer: TestRedis;
  redis: Redis;
  config: HeraldConfig;
  transport: TelegramTransport;
  workers: RunningWorkers;
  services: CommandServices;
  bot: TelegramBotHandle;
  /** Stops the bot and the workers, then everything the rig started. */
  stop(): Promise<void>;
}

/**
 * The Bot API emulator (bot @herald_bot), a Redis server, a feed server (allowed past the SSRF
 * guard), and Herald as `herald start` runs it against them: one paced transport, the
 * poll/compose/deliver workers (no scheduler), the command services and the bot. Briefings
 * default to 07:30 in Berlin.
 */
export async function startTelegramBotRig(options: { prefix: string; token: string; owners?: number[] }): Promise<TelegramBotRig> {
  const [emulator, redisServer, feedServer] = await Promise.all([startTelegramEmulator({ token: options.token, bot: { username: 'herald_bot' } }), startRedis(), startFeedServer()]);
  const redis = createRedisConnection(redisServer.url);
  const { prefix } = options;
  const config = parseConfig({
    redis: { prefix },
    defaults: { timezone: 'Europe/Berlin', briefingTime: '07:30' },
    fetch: { allowHosts: [feedServer.host], timeoutMs: 10_000 },
    telegram: { token: options.token, apiRoot: emulator.apiRoot, owners: options.owners ?? [] },
  });
  const logger = createLogger({ level: 'silent' });
  const transport = new TelegramTransport({ api: createTelegramApi(config.telegram, { timeoutSeconds: 10 }), limiter: new RedisRateLimiter(redis, `${prefix}:ratelimit:`) });
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const workers = await startWorkers({ config, connection: redis, senders: { telegram: new TelegramSender({ transport }), console: new ConsoleSender(quiet) }, logger, roles: { worker: true, scheduler: false } });
  const services = createCommandServices({ config, redis, keys: createKeys(prefix), pollQueue: workers.queues.poll, composeQueue: workers.queues.compose, deliverQueue: workers.queues.deliver, fetchOptions: defaultFetchOptions(config.fetch) });
  const bot = await startTelegramBot({ config, services, logger, transport });
  const stop = async () => {
    await bot.stop();
    await workers.close();
    redis.disconnect();
    await Promise.all([emulator.close(), feedServer.close(), redisServer.stop()]);
  };
  return { emulator, feedServer, redisServer, redis, config, transport, workers, services, bot, stop };
}
