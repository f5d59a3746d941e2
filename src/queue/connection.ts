import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ioredis } from './ioredis.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../store/client.js';

/** Closes of the queues' connection in a row, the store's being up, that make a failure its own (see openQueueConnection). */
const OWN_FAILURES_LOGGED = 3;

/** Longest pause between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 5_000;

/** Reconnection delay for the given attempt (1, 2, …): grows linearly, capped, never gives up. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS);
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Where Herald's Redis is: one server by URL, a Redis Cluster by some of its nodes (ioredis
 * finds the rest), or the master that Sentinel names.
 */
export type RedisEndpoint =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: HostPort[] }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string };

/** `host:port` → its parts; the port defaults to `defaultPort`. Throws a readable error on anything else. */
export function parseHostPort(text: string, defaultPort = 6379): HostPort {
  const match = /^\[?([^\]\s]+?)\]?(?::(\d{1,5}))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (!match || port < 1 || port > 65_535) throw new Error(`"${text}" is not host:port (e.g. redis-1:6379)`);
  return { host: match[1]!, port };
}

/** One line naming the endpoint, for logs and doctor (never a password). */
export function describeEndpoint(endpoint: RedisEndpoint): string {
  const list = (nodes: HostPort[]) => nodes.map(({ host, port }) => `${host}:${port}`).join(', ');
  if (endpoint.kind === 'cluster') return `Redis Cluster via ${list(endpoint.nodes)}`;
  if (endpoint.kind === 'sentinel') return `Redis master "${endpoint.name}" via Sentinel ${list(endpoint.sentinels)}`;
  return `Redis at ${endpoint.url.replace(/\/\/[^@/]*@/, '//')}`;
}

/** Options every Herald connection shares; `reconnect` is the retry strategy (null: give up at once). */
function clientOptions(connectionName: string | undefined, extra: RedisOptions): RedisOptions {
  return { ...(connectionName ? { connectionName } : {}), ...extra };
}

/**
 * An ioredis client for the endpoint. On a cluster the per-node options go in `redisOptions`;
 * ioredis follows MOVED/ASK redirections and, after a failover, asks the cluster for the new
 * slot owners by itself.
 */
export function connectTo(endpoint: RedisEndpoint | string, options: RedisOptions, clusterRetry: ClusterOptions['clusterRetryStrategy']): RedisClient {
  const target: RedisEndpoint = typeof endpoint === 'string' ? { kind: 'single', url: endpoint } : endpoint;
  if (target.kind === 'cluster') {
    return new ioredis.Cluster(target.nodes, {
      redisOptions: options,
      clusterRetryStrategy: clusterRetry,
      // A replica promoted after a failover needs a moment to take its slots; retry meanwhile.
      retryDelayOnClusterDown: 300,
      retryDelayOnFailover: 300,
      // Redirections and CLUSTERDOWN retries until a failover is through (node timeout 15 s by default): about a minute.
      maxRedirections: 200,
      slotsRefreshTimeout: 5_000,
    });
  }
  if (target.kind === 'sentinel') return new ioredis.Redis({ ...options, sentinels: target.sentinels, name: target.name });
  return new ioredis.Redis(target.url, options);
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
 * connection per process (BullMQ's own, openQueueConnection, and its blocking duplicates defer
 * to it, see isPartOfOutage), so an outage is logged once per process: when the first attempt
 * to reach Redis again fails, and when it is back, with how long it was gone.
 */
export function createRedisConnection(url: string, options?: RedisConnectionOptions): Redis;
export function createRedisConnection(endpoint: RedisEndpoint, options?: RedisConnectionOptions): RedisClient;
export function createRedisConnection(endpoint: RedisEndpoint | string, options: RedisConnectionOptions = {}): RedisClient {
  const redis = connectTo(endpoint, clientOptions(options.name, { maxRetriesPerRequest: null, retryStrategy: reconnectDelayMs }), reconnectDelayMs);
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

/**
 * The connection for BullMQ's queues and workers beside `redis`, the store's: a duplicate of it.
 * BullMQ defines its Lua scripts (about 50) on the client it is given, and ioredis copies every
 * script defined on a client into each pipeline() and multi() it makes: on the store's client
 * that copying was most of a compose's CPU. Its outages are `redis`'s to log (see
 * isPartOfOutage); a failure of its own, `redis` being up (Redis refusing one more client at
 * maxclients, say, which it tells by closing the socket), is logged once until it is ready.
 */
export function openQueueConnection(redis: RedisClient, logger?: Logger): RedisClient {
  const queues = redis.duplicate();
  let lastError: Error | undefined;
  let closes = 0;
  let logged = false;
  // An 'error' listener also keeps ioredis from printing every failed attempt itself.
  queues.on('error', (error: Error) => (lastError = error));
  // Counted by closes, as ioredis does not report every failed attempt as an error: one or two
  // with `redis` up are most often the end of an outage `redis` got over first.
  queues.on('close', () => {
    if (redis.status !== 'ready' || logged || ++closes < OWN_FAILURES_LOGGED) return;
    logged = true;
    logger?.error({ err: lastError, connection: 'queues' }, "Redis keeps closing the job queues' connection while Herald's other one works (maxclients reached?); retrying until it is back");
  });
  queues.on('ready', () => {
    if (logged) logger?.info({ connection: 'queues' }, "the job queues' Redis connection is back");
    closes = 0;
    logged = false;
  });
  return queues;
}

/** Socket-level failures: the client that met one reconnects by itself (retryStrategy never gives up). */
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether an error of another Redis client of the process (BullMQ's blocking connections, the
 * queues) belongs to an outage that `redis`, the process's connection, logs itself: a network
 * error (at a restart a worker's socket may fail before the shared one notices), or any error
 * while the connection is down.
 */
export function isPartOfOutage(error: Error, redis: RedisClient): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  const networkError = (code !== undefined && NETWORK_ERROR_CODES.has(code)) || error.message === 'Connection is closed.';
  return networkError || redis.status !== 'ready';
}
