import type { ChainableCommander } from 'ioredis';
import { batchesOf } from '../batches.js';
import { isCluster, type RedisClient } from './client.js';
import { withStoreScripts } from './scripts.js';

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

/** Hashes read per script call: a few ms of Redis time each, however many are asked for. */
const HASHES_PER_CALL = 500;

/**
 * The values of `fields` in each hash of `keys` (null where absent), in a few script calls; every key must be in one hash slot (one `{tag}`).
 * No `fields` reads every field, as HGETALL's flat field/value list (what readHashes builds on).
 */
export async function readHashFields(redis: RedisClient, keys: readonly string[], fields: readonly string[]): Promise<Array<Array<string | null>>> {
  const scripted = withStoreScripts(redis);
  return (await Promise.all(batchesOf(keys, HASHES_PER_CALL).map((batch) => scripted.heraldReadHashes(batch.length, ...batch, ...fields)))).flat();
}

/** Each hash of `keys` as HGETALL returns it (empty when missing), in a few script calls; every key must be in one hash slot. */
export async function readHashes(redis: RedisClient, keys: readonly string[]): Promise<Record<string, string>[]> {
  return (await readHashFields(redis, keys, [])).map((flat) => {
    const hash: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
    return hash;
  });
}

/** Each hash of `keys` as HGETALL returns it, the keys in any slots: readHashes on a single server; on a cluster one HGETALL each, sent together. */
export async function readSpreadHashes(redis: RedisClient, keys: readonly string[]): Promise<Record<string, string>[]> {
  if (keys.length === 0) return [];
  return isCluster(redis) ? Promise.all(keys.map((key) => redis.hgetall(key))) : readHashes(redis, keys);
}
