import type { Item } from '../feeds/item.js';

/** ms since epoch of an item's publication (its first-seen time when the date is unusable). */
export function itemTime(item: Pick<Item, 'publishedAt' | 'firstSeenAt'>): number {
  const published = Date.parse(item.publishedAt);
  return Number.isNaN(published) ? Date.parse(item.firstSeenAt) : published;
}
