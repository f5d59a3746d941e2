import type { Item } from '../feeds/item.js';
import { exactKeys } from './exact-keys.js';

/**
 * The exact-duplicate layer in memory: an item is a duplicate when any of its exact keys
 * (guid, canonical URL, content hash) was seen before, in any feed.
 */
export class ExactDuplicateSet {
  private readonly seen = new Set<string>();

  /** Records the item's keys; true when one of them had been seen already (the item is a duplicate). */
  checkAndAdd(item: Item): boolean {
    const keys = exactKeys(item);
    const duplicate = keys.some((key) => this.seen.has(key));
    for (const key of keys) this.seen.add(key);
    return duplicate;
  }
}
