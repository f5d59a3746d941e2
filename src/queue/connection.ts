import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

/** Longest pause between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 5_000;

/** Reconnection delay for the given attempt (1, 2, …): grows linearly, capped, never gives up. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS);
}

export interface RedisConnectionOptions {
  /** Shown in CLIENT LIST, so an operator can tell Herald's connections apart. */
  name?: string;
  logger?: Logger;
}

/**
 * An ioredis connection usable by BullMQ and by the store. BullMQ requires
 * `maxRetriesPerRequest: null` (its blocking commands must wait through reconnects); a worker
 * must outlive a Redis restart, so reconnection never stops, and each outage is logged once
 * when it starts and once when it ends.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
    ...(options.name ? { connectionName: options.name } : {}),
  });
  const { logger } = options;
  let outage = false;
  // Without an 'error' listener ioredis prints every failed attempt itself.
  redis.on('error', (error: Error) => {
    if (!outage) logger?.warn({ err: error, connection: options.name }, 'Redis connection error');
  });
  redis.on('reconnecting', (delayMs: number) => {
    if (!outage) logger?.warn({ connection: options.name, delayMs }, 'Redis connection lost; reconnecting until it is back');
    outage = true;
  });
  redis.on('ready', () => {
    if (outage) logger?.info({ connection: options.name }, 'Redis connection restored');
    outage = false;
  });
  return redis;
}
