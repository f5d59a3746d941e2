/**
 * A delivery worker in its own process, for crash tests: `node --import tsx
 * test/support/worker-process.ts` with HERALD_REDIS_URL, HERALD_PREFIX and TELEGRAM_API_ROOT set.
 * Prints "ready" once the worker is connected; runs until killed.
 */
import { startDeliverWorker } from '../../jobs/deliver.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { rigSender } from './delivery-rig.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const prefix = required('HERALD_PREFIX');
const redis = createRedisConnection(required('HERALD_REDIS_URL'), { name: `crash-worker-${process.pid}` });
const keys = createKeys(prefix);
const worker = startDeliverWorker(
  {
    subscriptions: new SubscriptionStore(redis, keys),
    briefings: new BriefingStore(redis, keys),
    deliveries: new DeliveryStore(redis, keys),
    composeQueue: createComposeQueue(redis, prefix),
    senders: { telegram: rigSender(redis, required('TELEGRAM_API_ROOT')), console: new ConsoleSender(process.stderr) },
  },
  { connection: redis, prefix, concurrency: Number(process.env.HERALD_CONCURRENCY ?? 20), stall: { lockDuration: 4_000, stalledInterval: 1_000 } },
);
await worker.waitUntilReady();
process.stdout.write('ready\n');
