import type { Item } from '../feeds/item.js';

/**
 * Keys under which an item is an exact duplicate of another, across all feeds:
 * the same guid, the same canonical URL, or the same normalized content.
 *
 * A guid is only trusted globally when it looks globally unique (a URL, URN or tag URI, or a
 * long opaque id); short guids like "123" are scoped to their feed, since two feeds may both
 * number their posts from 1.
 */
export function exactKeys(item: Item): string[] {
  const keys: string[] = [];
  if (item.guid) {
    const globallyUnique = item.guid.includes(':') || item.guid.length >= 16;
    keys.push(globallyUnique ? `guid:${item.guid}` : `guid:${item.feedId}:${item.guid}`);
  }
  if (item.url) keys.push(`url:${item.url}`);
  if (item.contentHash) keys.push(`hash:${item.contentHash}`);
  return keys;
}
