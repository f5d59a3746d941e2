/**
 * One Herald worker process for the scale-out test and the cluster bench (`node
 * dist/test/support/scale-out-worker.js`, compiled by the tests' global setup): the roles in
 * HERALD_ROLES (default worker,scheduler) through startWorkers with the per-host fetch limit
 * shared through Redis, as `herald start --role …` runs them, plus the health server. Telegram
 * goes to the emulator unpaced, so the figures are Herald's, not Telegram's pacing. Its fetches
 * carry HERALD_WORKER_NAME in the User-Agent and its /metrics counts the polls it finished, the
 * parts it sent and its CPU time, so the caller can tell which process did what.
 * HERALD_FEED_HOST: the feed hosts to allow, comma-separated. HERALD_DELIVER_CONCURRENCY:
 * deliveries in flight (default 5). Prints "ready PORT" once running.
 */
import { parseConfig } from '../../src/config/load.js';
import { defaultFetchOptions, sharedHostLimiter } from '../../src/feeds/fetch.js';
import { createLogger } from '../../src/log.js';
import { startHttpServer } from '../../src/observability/http-server.js';
import { redisReadiness } from '../../src/observability/readiness.js';
import { HeraldMetrics } from '../../src/observability/metrics.js';
import { countSentParts } from '../../src/observability/platform-metrics.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { redisEndpointOf } from '../../src/cli/redis-target.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { installShutdown } from '../../src/runtime/shutdown.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { RIG_TOKEN, rigSender } from './delivery-rig.js';

const { HERALD_REDIS_URL, REDIS_CLUSTER_NODES, HERALD_PREFIX, TELEGRAM_API_ROOT, HERALD_FEED_HOST, HERALD_WORKER_NAME } = process.env;
if (!(HERALD_REDIS_URL || REDIS_CLUSTER_NODES) || !HERALD_PREFIX || !TELEGRAM_API_ROOT || !HERALD_FEED_HOST || !HERALD_WORKER_NAME) {
  throw new Error('set HERALD_REDIS_URL (or REDIS_CLUSTER_NODES), HERALD_PREFIX, TELEGRAM_API_ROOT, HERALD_FEED_HOST and HERALD_WORKER_NAME');
}
const roles = new Set((process.env.HERALD_ROLES ?? 'worker,scheduler').split(','));

const logger = createLogger({ destination: process.stderr, level: 'warn' });
const config = parseConfig({
  redis: { prefix: HERALD_PREFIX, ...(REDIS_CLUSTER_NODES ? { cluster: { nodes: REDIS_CLUSTER_NODES.split(',') } } : { url: HERALD_REDIS_URL }) },
  telegram: { token: RIG_TOKEN, apiRoot: TELEGRAM_API_ROOT },
  fetch: { allowHosts: HERALD_FEED_HOST.split(','), userAgent: `herald-scale-out/${HERALD_WORKER_NAME}` },
});
const redis = createRedisConnection(redisEndpointOf(config), { name: `scale-out-${HERALD_WORKER_NAME}` });
// Process metrics too, as `herald start` has them: the cluster bench reads the CPU time a poll or a part cost.
const metrics = new HeraldMetrics({ process: true });
const senders = { telegram: countSentParts(rigSender(redis, TELEGRAM_API_ROOT), metrics), console: new ConsoleSender(process.stderr) };
const workers = await startWorkers({
  config,
  connection: redis,
  senders,
  logger,
  roles: { worker: roles.has('worker'), scheduler: roles.has('scheduler') },
  deliverConcurrency: Number(process.env.HERALD_DELIVER_CONCURRENCY ?? 5),
  metrics,
  fetchOptions: { ...defaultFetchOptions(config.fetch), limiter: sharedHostLimiter(redis, config) },
});
const server = await startHttpServer({ port: 0, host: '127.0.0.1', metrics, readiness: [redisReadiness(redis)] });
installShutdown(async () => {
  await server.close();
  await workers.close();
  await redis.quit();
}, logger);
process.stdout.write(`ready ${server.port}\n`);
