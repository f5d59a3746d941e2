/**
 * `herald start` waits for Redis before anything else, and says why while it waits: one clear
 * line with what to check as soon as Redis fails to answer, then a reminder every little while,
 * rather than one reconnect line and silence.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import { describeEndpoint, type RedisEndpoint } from '../queue/connection.js';

export interface RedisWaitTiming {
  /** Say what to check after this long even when no error came (a host that drops packets). */
  adviseAfterMs?: number;
  /** Repeat that Herald is still waiting this often. */
  remindEveryMs?: number;
}

/** What to check, per kind of endpoint: is it running, is it the right address, and the doctor. */
function whatToCheck(endpoint: RedisEndpoint): string {
  switch (endpoint.kind) {
    case 'cluster': {
      const [first] = endpoint.nodes;
      return `Check that the cluster's nodes are running (redis-cli -h ${first?.host} -p ${first?.port} cluster info), that REDIS_CLUSTER_NODES (or redis.cluster.nodes in the config) lists them`;
    }
    case 'sentinel': {
      const [first] = endpoint.sentinels;
      return `Check that the Sentinels answer (redis-cli -h ${first?.host} -p ${first?.port} sentinel get-master-addr-by-name ${endpoint.name}), that redis.sentinels and redis.name in the config are right`;
    }
    default: {
      const url = endpoint.url.replace(/\/\/[^@/]*@/, '//');
      return `Check that redis-server is running there (redis-cli -u ${url} ping), that REDIS_URL (or redis.url in the config) has the right host, port and password`;
    }
  }
}

/** What to say when the Redis Herald was pointed at does not answer (never its password). */
export function deadRedisAdvice(endpoint: RedisEndpoint, reason: string): string {
  return `${describeEndpoint(endpoint)} does not answer (${reason}). ${whatToCheck(endpoint)}, and run \`npx herald doctor\`. Herald starts as soon as Redis answers.`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** Resolves once `redis` is ready, logging what to check (and reminders) for as long as it is not. */
export async function waitForRedis(redis: EventEmitter & { status: string }, endpoint: RedisEndpoint, logger: Logger, timing: RedisWaitTiming = {}): Promise<void> {
  if (redis.status === 'ready') return;
  const since = Date.now();
  const target = describeEndpoint(endpoint);
  let reason = 'no answer yet';
  let advised = false;
  const advise = () => {
    if (advised) return;
    advised = true;
    logger.error({ redis: target, error: reason }, deadRedisAdvice(endpoint, reason));
  };
  const onError = (error: Error) => {
    reason = error.message;
    advise();
  };
  const adviceTimer = setTimeout(advise, timing.adviseAfterMs ?? 5_000);
  const reminder = setInterval(
    () => logger.warn({ redis: target, error: reason }, `still waiting for ${target} after ${seconds(Date.now() - since)} (${reason})`),
    timing.remindEveryMs ?? 30_000,
  );
  redis.on('error', onError);
  try {
    // Not events.once: it would reject at the first 'error', and errors are what is waited through here.
    await new Promise((resolve) => redis.once('ready', resolve));
  } finally {
    clearTimeout(adviceTimer);
    clearInterval(reminder);
    redis.off('error', onError);
  }
  if (advised) logger.info(`${target} answers after ${seconds(Date.now() - since)}: starting`);
}
