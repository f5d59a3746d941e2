import type { Item } from '../feeds/item.js';

/**
 * A story: every item about one event, from however many outlets.
 * Near-duplicates (reprints with edits) are merged into the story of the earlier item,
 * so they are never shown twice but their links and sources are kept.
 */
export interface Story {
  id: string;
  /** All items of the story, oldest first. */
  items: Item[];
  /**
   * Item id → the same entry as other feeds listed it (an exact duplicate, stored once), for
   * whoever follows one of those feeds and not the item's own; in no set order (a Redis hash).
   * After storiesFollowed, only the other followed listings, which the bullet credits too.
   */
  copies?: Record<string, Item[]>;
  /** ISO time of the newest item. */
  updatedAt: string;
  /** Set when this story was delivered before (to the same subscription) and gained items since. */
  isUpdate?: boolean;
}

/** Distinct source names of a story, in order of first appearance. */
export function storySources(story: Story): string[] {
  return [...new Set(story.items.map((item) => item.sourceName))];
}
