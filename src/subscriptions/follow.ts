import type { Story } from '../dedup/story.js';
import type { Item } from '../feeds/item.js';
import type { BriefingWindow } from './bundle.js';
import type { Subscription } from './model.js';

type Following = Pick<Subscription, 'feedIds' | 'sections'>;

const bySight = (a: Item, b: Item) => Date.parse(a.firstSeenAt) - Date.parse(b.firstSeenAt);

/**
 * Each entry of a story as the followed feeds listed it, the listing the subscription reads it
 * through first: the item itself when followed, else the copy seen first (whatever order Redis
 * returned them in). The other followed listings only credit their outlets (see bulletSources).
 */
function followedListings(story: Story, subscription: Following): Item[][] {
  const feeds = new Set(subscription.feedIds);
  const sections = new Set(subscription.sections);
  const follows = (item: Item) => (feeds.size === 0 || feeds.has(item.feedId)) && (sections.size === 0 || (item.section !== undefined && sections.has(item.section)));
  return story.items.flatMap((item) => {
    const copies = story.copies?.[item.id]?.filter(follows).sort(bySight) ?? [];
    const listings = follows(item) ? [item, ...copies] : copies;
    return listings.length > 0 ? [listings] : [];
  });
}

/**
 * The story with one item per entry (its first listing) and the other followed listings as its
 * copies: each entry once, so a copy never makes a story look updated, yet every followed
 * outlet that carried it is credited.
 */
function followedStory(story: Story, listings: Item[][]): Story {
  const items = listings.map((listing) => listing[0]!);
  const credited = listings.filter((listing) => listing.length > 1).map((listing) => [listing[0]!.id, listing.slice(1)] as const);
  const followed: Story = { ...story, items, updatedAt: items.at(-1)!.publishedAt };
  // The story's copies also hold unfollowed feeds' listings: only followed ones may be credited.
  if (credited.length > 0) followed.copies = Object.fromEntries(credited);
  else delete followed.copies;
  return followed;
}

/**
 * The part of each story a subscription follows: only items of its feeds and sections (all
 * when it names none). A story left with no item, or whose newest followed item is older than
 * `since`, is nothing new to this subscriber and is dropped.
 */
export function storiesFollowed(stories: Story[], subscription: Following, since: Date): Story[] {
  return stories.flatMap((story): Story[] => {
    const listings = followedListings(story, subscription);
    const newest = listings.at(-1)?.[0];
    if (!newest || Date.parse(newest.publishedAt) < since.getTime()) return [];
    return [followedStory(story, listings)];
  });
}

/**
 * Whether an item is news in a window: Herald first saw it in the window, no older than
 * `maxAgeMs` by its publication time then. Going by first sight, a feed added after a briefing
 * still brings its recent items to the next one; the age bound keeps its archive out.
 */
export function isNewIn(item: Pick<Item, 'publishedAt' | 'firstSeenAt'>, window: BriefingWindow, maxAgeMs: number): boolean {
  const published = Date.parse(item.publishedAt);
  const seen = Number.isNaN(Date.parse(item.firstSeenAt)) ? published : Date.parse(item.firstSeenAt);
  return seen >= window.from.getTime() && seen <= window.to.getTime() && seen - published <= maxAgeMs;
}

/**
 * The stories with news for a subscription in a window: those with a followed item new in it
 * (see isNewIn), with their followed items seen up to the window's end (older ones give the
 * context and sources of an update).
 */
export function storiesNewIn(stories: Story[], subscription: Following, window: BriefingWindow, maxAgeMs: number): Story[] {
  const seenByEnd = (item: Item) => !(Date.parse(item.firstSeenAt) > window.to.getTime());
  return stories.flatMap((story): Story[] => {
    const listings = followedListings(story, subscription).flatMap((listing) => {
      const seen = listing.filter(seenByEnd);
      return seen.length > 0 ? [seen] : [];
    });
    if (!listings.some(([first]) => isNewIn(first!, window, maxAgeMs))) return [];
    return [followedStory(story, listings)];
  });
}
