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
 * must outlive a Redis restart, so reconnection never stops. `herald start` opens one such
 * connection per process (BullMQ's blocking duplicates defer to it, see isPartOfOutage), so
 * an outage is logged once per process: when the first attempt to reach Redis again fails,
 * and when it is back, with how long it was gone.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
    ...(options.name ? { connectionName: options.name } : {}),
  });
  const { logger } = options;
  const connection = options.name;
  /** Set while Redis is out of reach: since when, and whether that was logged yet. */
  let outage: { since: number; logged: boolean } | undefined;
  // A dropped link is not yet an outage worth a line: a reconnect may well succeed at once.
  redis.on('close', () => {
    outage ??= { since: Date.now(), logged: false };
  });
  // Without an 'error' listener ioredis prints every failed attempt itself.
  redis.on('error', (error: Error) => {
    outage ??= { since: Date.now(), logged: false };
    if (outage.logged) return;
    outage.logged = true;
    logger?.warn({ err: error, connection }, 'Redis is unreachable; retrying until it is back');
  });
  redis.on('ready', () => {
    if (!outage) return;
    const durationMs = Date.now() - outage.since;
    const seconds = (durationMs / 1000).toFixed(1);
    if (outage.logged) logger?.info({ connection, durationMs }, `Redis is back after ${seconds} s`);
    else logger?.warn({ connection, durationMs }, `Redis connection dropped; back after ${seconds} s`);
    outage = undefined;
  });
  return redis;
}

/** Socket-level failures: the client that met one reconnects by itself (retryStrategy never gives up). */
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether an error of another Redis client of the process (BullMQ's blocking connections, the
 * queues) belongs to an outage that `redis`, the process's connection, logs itself: a network
 * error (at a restart a worker's socket may fail before the shared one notices), or any error
 * while the connection is down.
 */
export function isPartOfOutage(error: Error, redis: Redis): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  const networkError = (code !== undefined && NETWORK_ERROR_CODES.has(code)) || error.message === 'Connection is closed.';
  return networkError || redis.status !== 'ready';
}
