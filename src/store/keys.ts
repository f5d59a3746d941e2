import { createHash } from 'node:crypto';

/**
 * Every Redis key Herald writes outside BullMQ, built in one place so the prefix is applied
 * everywhere and the key layout can be read at a glance.
 */
export interface Keys {
  readonly prefix: string;
  /** Sorted set of feed ids, scored by the time each feed was added. */
  feedIndex(): string;
  /** Hash: the Feed record. */
  feed(feedId: string): string;
  /** Hash: the FeedState record. */
  feedState(feedId: string): string;
  /** Hash: every URL a feed was ever stored under → its id, so re-adding an old URL finds it. */
  feedUrls(): string;
  /** Set: the URLs one feed has held (for cleaning feedUrls when the feed is removed). */
  urlsOfFeed(feedId: string): string;
  /** String: one item as JSON. */
  item(itemId: string): string;
  /** Sorted set of item ids scored by publishedAt (ms). */
  itemsByPublished(): string;
  /** String: marks one exact-duplicate key (see exactKeys) as seen; holds the id of the item that claimed it. */
  seen(exactKey: string): string;
  /** String: the per-feed poll lock. */
  pollLock(feedId: string): string;
}

/** Exact keys embed whole URLs and guids; a digest keeps key sizes bounded. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** Keys under `prefix:` (`herald:` by default). */
export function createKeys(prefix = 'herald'): Keys {
  const under = (...parts: string[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    feedIndex: () => under('feeds'),
    feed: (feedId) => under('feed', feedId),
    feedState: (feedId) => under('feed-state', feedId),
    feedUrls: () => under('feed-urls'),
    urlsOfFeed: (feedId) => under('feed-urls', feedId),
    item: (itemId) => under('item', itemId),
    itemsByPublished: () => under('items', 'by-published'),
    seen: (exactKey) => under('seen', digest(exactKey)),
    pollLock: (feedId) => under('lock', 'poll', feedId),
  };
}
