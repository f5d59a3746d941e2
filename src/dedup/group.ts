import type { Item } from '../feeds/item.js';
import { batchStatistics, DEFAULT_CLUSTER_OPTIONS, termDocument, type ClusterOptions } from './cluster.js';
import { ExactDuplicateSet } from './exact.js';
import type { Story } from './story.js';
import { itemTime } from './item-time.js';
import { InMemoryStoryClusterer } from './story-clusterer.js';

export interface GroupResult {
  stories: Story[];
  duplicatesDropped: number;
}

/** Publication order; ties broken by id so the result does not depend on input order. */
export function byPublication(a: Item, b: Item): number {
  return itemTime(a) - itemTime(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Exact dedup → near-dup merge → clustering, in order of publishedAt. Every input item ends up
 * in exactly one story's items or is counted in duplicatesDropped (exact duplicates only).
 *
 * IDF comes from the batch itself: in a preview the batch is the window.
 */
export function groupIntoStories(items: Item[], options?: Partial<ClusterOptions>): GroupResult {
  const settings = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  const exact = new ExactDuplicateSet();
  const kept = [...items].sort(byPublication).filter((item) => !exact.checkAndAdd(item));
  const documents = kept.map((item) => termDocument(item));
  const clusterer = new InMemoryStoryClusterer(settings, batchStatistics(documents));
  const itemsByStory = new Map<string, Item[]>();
  kept.forEach((item, index) => {
    const { storyId } = clusterer.add(item, documents[index]!);
    const storyItems = itemsByStory.get(storyId);
    if (storyItems) storyItems.push(item);
    else itemsByStory.set(storyId, [item]);
  });
  const stories = [...itemsByStory].map(([id, storyItems]): Story => ({ id, items: storyItems, updatedAt: storyItems.at(-1)!.publishedAt }));
  return { stories, duplicatesDropped: items.length - kept.length };
}
