/**
 * Herald workers in their own process, for crash and shutdown tests: `node --import tsx
 * test/support/worker-process.ts` with HERALD_REDIS_URL, HERALD_PREFIX and TELEGRAM_API_ROOT set.
 * HERALD_MODE=deliver (default): a bare delivery worker with quick stall detection, to be
 * killed. HERALD_MODE=service: startWorkers + installShutdown, as `herald start` runs them.
 * Prints "ready" once the workers are connected.
 */
import { startDeliverWorker } from '../../jobs/deliver.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { installShutdown } from '../../src/runtime/shutdown.js';
import { startWorkers } from '../../src/runtime/workers.js';
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
const apiRoot = required('TELEGRAM_API_ROOT');
const concurrency = Number(process.env.HERALD_CONCURRENCY ?? 20);
const perSecond = Number(process.env.HERALD_SENDS_PER_SECOND ?? 100_000);
const redis = createRedisConnection(required('HERALD_REDIS_URL'), { name: `test-worker-${process.pid}` });
const telegram = rigSender(redis, apiRoot, {
  pacing: { global: { limit: perSecond, perMs: 1000 }, perChat: { limit: 100_000, perMs: 1000 }, perGroup: { limit: 100_000, perMs: 1000 } },
  timeoutSeconds: 60,
});
const senders = { telegram, console: new ConsoleSender(process.stderr) };

if (process.env.HERALD_MODE === 'service') {
  const logger = createLogger({ destination: process.stderr });
  const config = parseConfig({ redis: { prefix }, telegram: { token: RIG_TOKEN, apiRoot } });
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
  const worker = startDeliverWorker(deps, { connection: redis, prefix, concurrency, stall: { lockDuration: 4_000, stalledInterval: 1_000 } });
  await worker.waitUntilReady();
}
process.stdout.write('ready\n');
