import { isCluster, type RedisClient } from './client.js';

/** Key families that moved under a hash tag when Herald learnt Redis Cluster: old name start → tag. */
const MOVED_FAMILIES = [
  { match: 'feed', tag: '{feeds}' },
  { match: 'sub', tag: '{subs}' },
] as const;

/**
 * Renames the keys an older Herald wrote (`herald:feed:…`, `herald:sub:…`) to today's layout
 * (`herald:{feeds}:feed:…`, see keys.ts), so an upgrade keeps every feed and subscription.
 * Runs at start-up; does nothing once done, and nothing on a cluster (no older Herald ran on
 * one). Also drops the old near-duplicate handle counter, the one old key without a ttl.
 * Returns how many keys it renamed.
 */
export async function migrateKeyLayout(redis: RedisClient, prefix: string): Promise<number> {
  if (isCluster(redis)) return 0;
  let renamed = 0;
  for (const { match, tag } of MOVED_FAMILIES) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:${match}*`, 'COUNT', 1000);
      cursor = next;
      const moves = await Promise.all(keys.map((key) => redis.renamenx(key, `${prefix}:${tag}:${key.slice(prefix.length + 1)}`)));
      renamed += moves.filter((moved) => moved === 1).length;
    } while (cursor !== '0');
  }
  await redis.del(`${prefix}:nd-handles`);
  return renamed;
}
