import type { Story } from '../dedup/story.js';
import type { Subscription } from './model.js';

/**
 * The part of each story a subscription follows: only items of its feeds and sections (all
 * when it names none). A story left with no item, or whose newest followed item is older than
 * `since`, is nothing new to this subscriber and is dropped.
 */
export function storiesFollowed(stories: Story[], subscription: Pick<Subscription, 'feedIds' | 'sections'>, since: Date): Story[] {
  const feeds = new Set(subscription.feedIds);
  const sections = new Set(subscription.sections);
  return stories.flatMap((story): Story[] => {
    const items = story.items.filter((item) => (feeds.size === 0 || feeds.has(item.feedId)) && (sections.size === 0 || (item.section !== undefined && sections.has(item.section))));
    const newest = items.at(-1);
    if (!newest || Date.parse(newest.publishedAt) < since.getTime()) return [];
    return [{ ...story, items, updatedAt: newest.publishedAt }];
  });
}
