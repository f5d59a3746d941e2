/**
 * Herald workers in their own process, for crash and shutdown tests: `node
 * dist/test/support/worker-process.js` (compiled by the tests' global setup) with
 * HERALD_REDIS_URL and HERALD_PREFIX set, and TELEGRAM_API_ROOT and/or DISCORD_API_BASE
 * (+ DISCORD_TOKEN) for the platforms to send to.
 * HERALD_MODE=deliver (default): a bare delivery worker with Herald's own stall settings, to be
 * killed. HERALD_MODE=service: startWorkers + installShutdown, as `herald start` runs them.
 * HERALD_PACING=telegram paces Telegram as production does (default: only
 * HERALD_SENDS_PER_SECOND overall). Prints "ready" once the workers are connected.
 */
import { startDeliverWorker } from '../../jobs/deliver.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createDiscordRest } from '../../src/platforms/discord/client.js';
import { DiscordSender } from '../../src/platforms/discord/sender.js';
import { RedisRateLimiter } from '../../src/platforms/rate-limiter.js';
import { TELEGRAM_PACING } from '../../src/platforms/telegram/transport.js';
import { createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { installShutdown } from '../../src/runtime/shutdown.js';
import { startWorkers, type Senders } from '../../src/runtime/workers.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { RIG_TOKEN, rigSender } from './delivery-rig.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const prefix = required('HERALD_PREFIX');
const apiRoot = process.env.TELEGRAM_API_ROOT;
const discordApi = process.env.DISCORD_API_BASE;
const concurrency = Number(process.env.HERALD_CONCURRENCY ?? 20);
const perSecond = Number(process.env.HERALD_SENDS_PER_SECOND ?? 100_000);
const redis = createRedisConnection(required('HERALD_REDIS_URL'), { name: `test-worker-${process.pid}` });
const senders: Senders = { console: new ConsoleSender(process.stderr) };
if (apiRoot) {
  const loose = { global: { limit: perSecond, perMs: 1000 }, perChat: { limit: 100_000, perMs: 1000 }, perGroup: { limit: 100_000, perMs: 1000 } };
  senders.telegram = rigSender(redis, apiRoot, { pacing: process.env.HERALD_PACING === 'telegram' ? TELEGRAM_PACING : loose, timeoutSeconds: 60 });
}
if (discordApi) {
  const rest = createDiscordRest({ token: required('DISCORD_TOKEN'), apiBase: discordApi, owners: [] });
  senders.discord = new DiscordSender({ rest, pacer: new RedisRateLimiter(redis, 'rig:{ratelimit}:') });
}

if (process.env.HERALD_MODE === 'service') {
  const logger = createLogger({ destination: process.stderr });
  const config = parseConfig({ redis: { prefix }, telegram: { token: RIG_TOKEN, apiRoot: required('TELEGRAM_API_ROOT') } });
  const workers = await startWorkers({ config, connection: redis, senders, logger, roles: { worker: true, scheduler: false }, deliverConcurrency: concurrency });
  installShutdown(async () => {
    await workers.close();
    await redis.quit();
  }, logger);
} else {
  const keys = createKeys(prefix);
  const deps = {
    subscriptions: new SubscriptionStore(redis, keys),
    briefings: new BriefingStore(redis, keys),
    deliveries: new DeliveryStore(redis, keys),
    composeQueue: createComposeQueue(redis, prefix),
    senders,
  };
  const worker = startDeliverWorker(deps, { connection: redis, prefix, concurrency });
  await worker.waitUntilReady();
}
process.stdout.write('ready\n');
