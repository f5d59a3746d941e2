import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to Herald's Redis: one server (or one picked by Sentinel), or a Redis Cluster.
 * Both speak the same commands; what differs is that on a cluster every multi-key command,
 * MULTI and Lua script must keep its keys in one hash slot (see keys.ts for how Herald's keys
 * are laid out for that), and a `pipeline()` must stay within one node: batches over many
 * keys are sent as concurrent single commands instead (ioredis writes them together).
 */
export type RedisClient = Redis | Cluster;

/** Whether the client speaks to a Redis Cluster. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return 'isCluster' in redis && redis.isCluster === true;
}
