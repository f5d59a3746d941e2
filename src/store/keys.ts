import { createHash } from 'node:crypto';

/**
 * Every Redis key Herald writes outside BullMQ, built in one place so the prefix is applied
 * everywhere and the key layout can be read at a glance.
 *
 * Redis Cluster: a Lua script, MULTI or multi-key command must keep all its keys in one hash
 * slot, and a `{tag}` in a key name picks the slot. Herald's layout, by design:
 * - `{herald}` (BullMQ's prefix, see queue/names.ts): every key of every queue, one slot, as
 *   BullMQ's scripts require.
 * - `{feeds}`: the feed catalogue (records, poll states, URL maps, the index) and the poll
 *   schedule, so adding, moving and removing a feed, and claiming and finishing a batch of
 *   polls, stay atomic; small (~1 KB a feed).
 * - `{subs}`: the subscriptions and their index sets, for the same reason; small.
 * - `{ratelimit}`: every rate-limit bucket, since one send checks a platform-wide bucket and a
 *   per-chat one in one script; a few KB.
 * - the bulk — items, seen markers, stories, briefings, delivery records — carries no tag:
 *   each key hashes to its own slot and the data spreads evenly over the masters. No script
 *   touches two of those keys (see ItemStore for how exact dedup does without one).
 * - the near-duplicate index (story-keys.ts) tags per LSH band and per entry shard.
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
  /** Hash: feed id → an ItemCopy of the item, for each other feed that listed the same entry (marked pending until alerted, see ItemStore). */
  itemCopies(itemId: string): string;
  /** Sorted set of item ids scored by publishedAt (ms). */
  itemsByPublished(): string;
  /** Sorted set of the ids of items that have copies (itemCopies), scored by when the first was recorded (ms), so readers look up only those. */
  copiedItems(): string;
  /** Sorted set of the ids of items stored by a poll that has not yet handed them on (see ItemStore), scored by when (ms). */
  unplacedItems(): string;
  /** Sorted set of `[feed id, item id]` (JSON): the copies polls recorded of stored items, scored by when last listed (ms), until one poll or housekeeping has handed them on (alerted their stories); for housekeeping to hand on those of a poll that stopped (see ItemStore.leftUnalerted). */
  unalertedCopies(): string;
  /** String: marks one exact-duplicate key (see exactKeys) as seen; holds the id of the item that claimed it (marked pending until the item is placed, see ItemStore). */
  seen(exactKey: string): string;
  /** Sorted set of the feeds to poll, scored by when each is next due (ms). */
  pollDue(): string;
  /** Sorted set of the feeds a worker is polling, scored by when its claim lapses (ms). */
  pollLeases(): string;
  /** Set of the feeds asked to be polled again while a poll of theirs was in flight. */
  pollAsked(): string;
  /** Hash: one Subscription (`json`, plus the fields jobs update on their own). */
  subscription(subscriptionId: string): string;
  /** Set of every subscription id. */
  subscriptionIndex(): string;
  /** Set of the ids of subscriptions with breaking-news alerts on. */
  breakingSubscriptions(): string;
  /** String: old subscription id → new one, left behind when a destination moves (Telegram group → supergroup). */
  subscriptionMoved(subscriptionId: string): string;
  /** String: a composed briefing and its rendered parts, as JSON; its id is the bundle key. */
  briefing(briefingId: string): string;
  /** String: the lock held while one bundle is composed. */
  composeLock(briefingId: string): string;
  /** Hash: part index → sent record, for one delivery (briefing × destination). */
  deliverySent(deliveryId: string): string;
  /** Hash: delivery job id → dead letter JSON, for deliveries that failed their last attempt. */
  deadLetters(): string;
  /** String: marks a story as alerted to a subscription (breaking news): the alert's briefing id, marked pending until fanned out (see alertBreakingStories). */
  breakingAlerted(subscriptionId: string, storyId: string): string;
  /** Sorted set of `<check>:<story id>`: the stories each breaking-alert check is looking at, scored by when it started (ms), until it went through; for housekeeping to finish the checks cut short (see alertLeftPending). */
  breakingClaimed(): string;
  /** String: an LLM summary as JSON, under a digest of its cache key (model, length, story, item count); expires. */
  llmSummary(cacheKey: string): string;
  /** What the shared rate limiter puts before its bucket names (it builds the bucket keys itself). */
  rateLimitPrefix(): string;
  /** What the shared per-host fetch limit puts before a host name: one sorted set of leases per host. */
  hostLeasePrefix(): string;
}

/** Exact keys embed whole URLs and guids; a digest keeps key sizes bounded. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** A key builder: its parts joined with ':' after `prefix`. Both key layouts (here and story-keys.ts) use it. */
export function keysUnder(prefix: string): (...parts: string[]) => string {
  return (...parts) => [prefix, ...parts].join(':');
}

/** Keys under `prefix:` (`herald:` by default). */
export function createKeys(prefix = 'herald'): Keys {
  const under = keysUnder(prefix);
  return {
    prefix,
    feedIndex: () => under('{feeds}', 'feeds'),
    feed: (feedId) => under('{feeds}', 'feed', feedId),
    feedState: (feedId) => under('{feeds}', 'feed-state', feedId),
    feedUrls: () => under('{feeds}', 'feed-urls'),
    urlsOfFeed: (feedId) => under('{feeds}', 'feed-urls', feedId),
    item: (itemId) => under('item', itemId),
    itemCopies: (itemId) => under('item-copies', itemId),
    itemsByPublished: () => under('items', 'by-published'),
    copiedItems: () => under('items', 'copied'),
    unplacedItems: () => under('items', 'unplaced'),
    unalertedCopies: () => under('items', 'unalerted-copies'),
    seen: (exactKey) => under('seen', digest(exactKey)),
    pollDue: () => under('{feeds}', 'poll-due'),
    pollLeases: () => under('{feeds}', 'poll-leases'),
    pollAsked: () => under('{feeds}', 'poll-asked'),
    subscription: (subscriptionId) => under('{subs}', 'sub', subscriptionId),
    subscriptionIndex: () => under('{subs}', 'subs'),
    breakingSubscriptions: () => under('{subs}', 'subs', 'breaking'),
    subscriptionMoved: (subscriptionId) => under('{subs}', 'sub-moved', subscriptionId),
    briefing: (briefingId) => under('briefing', briefingId),
    composeLock: (briefingId) => under('lock', 'compose', briefingId),
    deliverySent: (deliveryId) => under('sent', deliveryId),
    deadLetters: () => under('dead-letters'),
    breakingAlerted: (subscriptionId, storyId) => under('breaking', subscriptionId, storyId),
    breakingClaimed: () => under('breaking-claimed'),
    llmSummary: (cacheKey) => under('llm-summary', digest(cacheKey)),
    rateLimitPrefix: () => `${under('{ratelimit}')}:`,
    hostLeasePrefix: () => `${under('host-leases')}:`,
  };
}
