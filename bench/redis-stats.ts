import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from '../src/store/client.js';

/** The masters' own connections, for INFO (a single Redis is its own master). */
function masters(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** One numeric INFO field of every master, in `masters` order. */
export async function infoField(redis: RedisClient, section: string, field: string): Promise<number[]> {
  return Promise.all(masters(redis).map(async (node) => Number(new RegExp(`${field}:([\\d.]+)`).exec(await node.info(section))![1])));
}

export const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Commands Redis has processed, summed over the masters (a Lua script's inner commands included). */
export async function commandsProcessed(redis: RedisClient): Promise<number> {
  return sum(await infoField(redis, 'stats', 'total_commands_processed'));
}

/** CPU time the Redis servers have used, user and system, summed over the masters (ms). */
export async function redisCpuMs(redis: RedisClient): Promise<number> {
  const [user, system] = await Promise.all([infoField(redis, 'cpu', 'used_cpu_user'), infoField(redis, 'cpu', 'used_cpu_sys')]);
  return (sum(user) + sum(system)) * 1000;
}
