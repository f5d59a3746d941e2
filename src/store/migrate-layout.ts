import { isCluster, type RedisClient } from './client.js';
import { migrateNearDuplicateBands } from './near-duplicate-migration.js';
import { withStoreScripts } from './scripts.js';

/** Key families that moved under a hash tag when Herald learnt Redis Cluster: old name start → tag. */
const MOVED_FAMILIES = [
  { match: 'feed', tag: '{feeds}' },
  { match: 'sub', tag: '{subs}' },
] as const;

/**
 * The old layout's index keys: the feed index, the URL → id map and the subscription index.
 * An older Herald writes one of them with every feed it adds and every subscription it writes
 * (in the same MULTI as the record), so while none is left there is nothing to migrate.
 */
const OLD_INDEXES = ['feeds', 'feed-urls', 'subs'];

/** Set while a migration runs: one cut short (a crash) is taken up again at the next start, though its index keys already moved. */
const UNDER_WAY = 'layout-migration';

/**
 * Drops the handle counter of the near-duplicate index Herald had before its time-bucketed one,
 * the one old key without a ttl, once nothing uses it. An older Herald still running (a rolling
 * upgrade) numbers each entry it indexes with it (`nd-entry:<hex>`, expiring after the window):
 * deleted while its entries live, the counter would start over and hand out their numbers again,
 * and that Herald would match stories against other items' fingerprints. So it goes only once
 * the newest entry it numbered has expired, and with it every older one.
 */
async function dropOldHandleCounter(redis: RedisClient, prefix: string, counter: string): Promise<void> {
  await withStoreScripts(redis).heraldDeleteIdleCounter(`${prefix}:nd-handles`, `${prefix}:nd-entry:${Number(counter).toString(16)}`, counter);
}

/** A key's name in today's layout; undefined for a key of no moved family. */
function newName(prefix: string, key: string): string | undefined {
  const rest = key.slice(prefix.length + 1);
  const family = MOVED_FAMILIES.find(({ match }) => rest.startsWith(match));
  return family && `${prefix}:${family.tag}:${rest}`;
}

/** Moves a key to its new name (heraldMoveKey); a key of no moved family stays. */
async function moveKey(redis: RedisClient, prefix: string, key: string): Promise<boolean> {
  const to = newName(prefix, key);
  return to !== undefined && (await withStoreScripts(redis).heraldMoveKey(key, to, key === `${prefix}:feed-urls` ? '1' : '0')) === 1;
}

/**
 * Renames the keys an older Herald wrote (`herald:feed:…`, `herald:sub:…`) to today's layout
 * (`herald:{feeds}:feed:…`, see keys.ts), so an upgrade keeps every feed and subscription.
 * Runs at every start, and does nothing on a cluster (no older Herald ran on one). Also moves the
 * near-duplicate index's band records of layout 4 into today's (migrateNearDuplicateBands, on a
 * cluster too) and drops the old near-duplicate handle counter once no older Herald uses it
 * (dropOldHandleCounter). Returns how many keys moved (a band group's hash counting as one).
 *
 * No "done" mark is kept: in a rolling upgrade an older Herald still running may add a feed or
 * a subscription in the old layout after a newer one migrated, and a mark would leave it behind
 * for good. Instead each start asks whether an old index key exists (one EXISTS): an older
 * Herald writes one with every feed it adds and every subscription it writes, so while there
 * is none there is nothing to move, and the keyspace is not scanned. Otherwise the index keys
 * move first, then one scan moves the records: a record an older Herald adds after that brings
 * its index key back, and the next start moves it. An older Herald writes a feed's settings or
 * poll state only while its old record exists, so none is written once it moved; a subscription
 * it changes after the move stays behind, the new layout's own kept (as RENAMENX always did).
 */
export async function migrateKeyLayout(redis: RedisClient, prefix: string): Promise<number> {
  const bandGroups = await migrateNearDuplicateBands(redis, prefix);
  if (isCluster(redis)) return bandGroups;
  const [left, handles] = await Promise.all([redis.exists(...[...OLD_INDEXES, UNDER_WAY].map((name) => `${prefix}:${name}`)), redis.get(`${prefix}:nd-handles`)]);
  if (handles !== null) await dropOldHandleCounter(redis, prefix, handles);
  if (left === 0) return bandGroups;
  await redis.set(`${prefix}:${UNDER_WAY}`, '1');
  let moved = bandGroups;
  for (const name of OLD_INDEXES) if (await moveKey(redis, prefix, `${prefix}:${name}`)) moved += 1;
  // One scan for both families: the pattern matches `feed…` and `sub…` but not today's `seen:…` and `sent:…` (the bulk
  // of the keyspace), nor `{feeds}:…`; the names it lets through besides have no new name, and moveKey skips them.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:[fs][eu][eb][-:ds]*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    const moves = await Promise.all(keys.map((key) => moveKey(redis, prefix, key)));
    moved += moves.filter(Boolean).length;
  } while (cursor !== '0');
  await redis.del(`${prefix}:${UNDER_WAY}`);
  return moved;
}
