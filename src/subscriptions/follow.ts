import type { Story } from '../dedup/story.js';
import type { Item } from '../feeds/item.js';
import type { BriefingWindow } from './bundle.js';
import type { Subscription } from './model.js';

type Following = Pick<Subscription, 'feedIds' | 'sections'>;

/** The copy a subscription reads an entry through when it follows several: the first seen, whatever order Redis returned them in. */
function firstSeen(copies: Item[]): Item | undefined {
  return copies.reduce<Item | undefined>((first, copy) => (first === undefined || Date.parse(copy.firstSeenAt) < Date.parse(first.firstSeenAt) ? copy : first), undefined);
}

/**
 * The items of a story a subscription follows: those of its feeds and sections (all when it
 * names none). An item of another feed counts as listed by a followed one that carries the same
 * entry (a copy, see Story.copies); each entry once, so a copy never makes a story look updated.
 */
function followedItems(story: Story, subscription: Following): Item[] {
  const feeds = new Set(subscription.feedIds);
  const sections = new Set(subscription.sections);
  const follows = (item: Item) => (feeds.size === 0 || feeds.has(item.feedId)) && (sections.size === 0 || (item.section !== undefined && sections.has(item.section)));
  return story.items.flatMap((item) => {
    const followed = follows(item) ? item : firstSeen(story.copies?.[item.id]?.filter(follows) ?? []);
    return followed ? [followed] : [];
  });
}

/**
 * The part of each story a subscription follows: only items of its feeds and sections (all
 * when it names none). A story left with no item, or whose newest followed item is older than
 * `since`, is nothing new to this subscriber and is dropped.
 */
export function storiesFollowed(stories: Story[], subscription: Following, since: Date): Story[] {
  return stories.flatMap((story): Story[] => {
    const items = followedItems(story, subscription);
    const newest = items.at(-1);
    if (!newest || Date.parse(newest.publishedAt) < since.getTime()) return [];
    return [{ ...story, items, updatedAt: newest.publishedAt }];
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
  return stories.flatMap((story): Story[] => {
    const items = followedItems(story, subscription).filter((item) => !(Date.parse(item.firstSeenAt) > window.to.getTime()));
    if (!items.some((item) => isNewIn(item, window, maxAgeMs))) return [];
    return [{ ...story, items, updatedAt: items.at(-1)!.publishedAt }];
  });
}
