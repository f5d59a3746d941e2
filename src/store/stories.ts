import type { RedisClient } from './client.js';
import type { Story } from '../dedup/story.js';
import { itemTime } from '../dedup/item-time.js';
import { readCopies, readItems } from './items.js';
import { createKeys } from './keys.js';
import { createStoryKeys } from './story-keys.js';

/**
 * Stories (as built by RedisStoryEngine) whose newest item was published in [from, to], newest
 * first. Stories hold item ids; the items themselves are loaded from the item store, oldest
 * first, with the copies other feeds listed of them. Items that have expired from the store are
 * left out, and a story left with none is omitted.
 */
export async function storiesInWindow(redis: RedisClient, prefix: string, from: Date, to: Date): Promise<Story[]> {
  const storyIds = await redis.zrevrangebyscore(createStoryKeys(prefix).stories(), to.getTime(), from.getTime());
  return storiesByIds(redis, prefix, storyIds);
}

/** Stories by id, in the order given, loaded as `storiesInWindow` loads them. */
export async function storiesByIds(redis: RedisClient, prefix: string, storyIds: string[]): Promise<Story[]> {
  if (storyIds.length === 0) return [];
  const keys = createStoryKeys(prefix);
  const itemIds = await Promise.all(storyIds.map((id) => redis.lrange(keys.storyItems(id), 0, -1)));
  const itemKeys = createKeys(prefix);
  const items = await readItems(redis, itemKeys, [...new Set(itemIds.flat())]);
  const itemsById = new Map(items.map((item) => [item.id, item]));
  const copies = await readCopies(redis, itemKeys, items);
  const copiesOf = new Map(items.map((item, index) => [item.id, copies[index]!]));
  return storyIds.flatMap((id, index): Story[] => {
    const storyItems = itemIds[index]!.flatMap((itemId) => itemsById.get(itemId) ?? []).sort((a, b) => itemTime(a) - itemTime(b));
    const newest = storyItems.at(-1);
    if (!newest) return [];
    const copied = storyItems.filter((item) => copiesOf.get(item.id)!.length > 0).map((item) => [item.id, copiesOf.get(item.id)!] as const);
    return [{ id, items: storyItems, updatedAt: newest.publishedAt, ...(copied.length > 0 ? { copies: Object.fromEntries(copied) } : {}) }];
  });
}
