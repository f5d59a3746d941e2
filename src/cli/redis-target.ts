import type { HeraldConfig } from '../config/schema.js';
import { connectTo, describeEndpoint, parseHostPort, type RedisEndpoint } from '../queue/connection.js';
import type { RedisClient } from '../store/client.js';

/**
 * Where Herald looks for Redis: the configured cluster nodes (redis.cluster.nodes,
 * REDIS_CLUSTER_NODES), else the sentinels and master name, else the configured URL, else the
 * local default port.
 */
export function redisEndpointOf(config: Pick<HeraldConfig, 'redis'>): RedisEndpoint {
  const { redis } = config;
  if (redis.cluster) return { kind: 'cluster', nodes: redis.cluster.nodes.map((node) => parseHostPort(node)) };
  if (redis.sentinels && redis.name) return { kind: 'sentinel', sentinels: redis.sentinels.map((node) => parseHostPort(node, 26_379)), name: redis.name };
  return { kind: 'single', url: redis.url ?? 'redis://127.0.0.1:6379' };
}

/**
 * A connection for a one-shot command: unlike the workers' it gives up at once when Redis is
 * not there, so the command can say so instead of waiting forever.
 */
export async function connectOnce(endpoint: RedisEndpoint): Promise<RedisClient> {
  const redis = connectTo(endpoint, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5_000 }, () => null);
  // connect() itself only says "Connection is closed"; the socket's own error says why (refused, unknown host…).
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot reach ${describeEndpoint(endpoint)}: ${(cause ?? (error as Error)).message}`);
  }
  return redis;
}
