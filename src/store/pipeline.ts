import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './client.js';

/** Runs a pipeline or MULTI and returns each command's result, throwing the first command error. */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

/**
 * The values of many string keys: one MGET on a single server; on a cluster, where the keys
 * sit in many slots, one GET each, sent together.
 */
export async function getAll(redis: RedisClient, keys: string[]): Promise<Array<string | null>> {
  if (keys.length === 0) return [];
  return isCluster(redis) ? Promise.all(keys.map((key) => redis.get(key))) : redis.mget(keys);
}
