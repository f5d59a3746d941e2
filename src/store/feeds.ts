import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client.js';
import { feedIdFor } from '../feeds/feed-id.js';
import type { Feed, FeedOrigin, FeedState, FeedStateView } from '../feeds/item.js';
import type { Keys } from './keys.js';
import { batchesOf } from '../batches.js';
import { readHashes, readHashFields } from './pipeline.js';
import { withStoreScripts } from './scripts.js';

/** What an admin or the config gives to add a feed; the rest is filled in. */
export interface NewFeed {
  url: string;
  /** The feed's own interval, else the configured default (`defaults.interval`). */
  intervalMinutes: number;
  name?: string;
  section?: string;
  weight?: number;
  /** Who adds it (default: a chat command). */
  origin?: FeedOrigin;
}

/** The settings of a feed that may change after it was added (the config claims a feed it lists by setting its origin). */
export type FeedSettings = Partial<Pick<Feed, 'name' | 'section' | 'intervalMinutes' | 'weight' | 'origin'>>;

const ORIGINS: readonly string[] = ['config', 'chat', 'opml'] satisfies FeedOrigin[];

type Hash = Record<string, string>;

/**
 * New feeds stored per script call. A feed is some twenty arguments, and a call spreads them
 * all: past ~120,000 (an OPML import of ~6,000 feeds) JavaScript throws a RangeError.
 */
const FEEDS_PER_CALL = 500;

/** URLs looked up per HMGET: one command spreads them all as arguments, which throws past ~120,000 (a large OPML import). */
const URLS_PER_LOOKUP = 10_000;

/** The fields of a record as a hash stores them, leaving out absent ones. */
function storedFields(record: object): Map<string, string> {
  return new Map(Object.entries(record).flatMap(([field, value]): [string, string][] => (value === undefined ? [] : [[field, String(value)]])));
}

/** Flattens a record to HSET arguments, leaving out absent fields. */
function toFieldValues(record: object): string[] {
  return [...storedFields(record)].flat();
}

/** The fields of a feed's hash that feedFromHash reads (its FeedHash type lets it read no other). */
const FEED_FIELDS = ['url', 'name', 'section', 'intervalMinutes', 'weight', 'addedAt', 'origin'] as const;

/** A feed's hash as feedFromHash reads it: a field it read beside FEED_FIELDS would not compile, rather than be missing from records(). */
type FeedHash = Partial<Record<(typeof FEED_FIELDS)[number], string>>;

/** The hash HGETALL would give of FEED_FIELDS, from their values in order (null where absent). */
function feedHashOf(values: ReadonlyArray<string | null>): FeedHash {
  const hash: FeedHash = {};
  FEED_FIELDS.forEach((field, index) => {
    const value = values[index];
    if (value !== null && value !== undefined) hash[field] = value;
  });
  return hash;
}

function feedFromHash(id: string, hash: FeedHash): Feed | undefined {
  if (hash.url === undefined) return undefined;
  return {
    id,
    url: hash.url,
    ...(hash.name !== undefined ? { name: hash.name } : {}),
    ...(hash.section !== undefined ? { section: hash.section } : {}),
    intervalMinutes: Number(hash.intervalMinutes),
    weight: Number(hash.weight ?? 1),
    addedAt: hash.addedAt ?? new Date(0).toISOString(),
    ...(hash.origin !== undefined && ORIGINS.includes(hash.origin) ? { origin: hash.origin as FeedOrigin } : {}),
  };
}

/** The poll state of a feed never polled: what getState reads for a feed just added. */
export function newFeedState(): FeedState {
  return stateFromHash({});
}

function stateFromHash(hash: Hash): FeedState {
  const { consecutiveFailures, entryCount, ...texts } = hash;
  return { ...texts, consecutiveFailures: Number(consecutiveFailures ?? 0), ...(entryCount !== undefined ? { entryCount: Number(entryCount) } : {}) };
}

/**
 * The poll that found a feed redirecting onto another feed's URL recorded that feed's id: here
 * it is named as it is now, and the conflict is dropped once that feed is gone, else the health
 * would tell an admin who just removed it to remove one of the two until this feed's next poll
 * (which moves it to the URL). A name older states still hold is overwritten, so never shown.
 */
function currentRedirects(entries: { feed: Feed; state: FeedState }[]): { feed: Feed; state: FeedStateView }[] {
  const byId = new Map(entries.map(({ feed }) => [feed.id, feed]));
  return entries.map(({ feed, state }) => {
    if (state.redirectsToFeedId === undefined) return { feed, state: { ...state, redirectsToFeedName: undefined } };
    const holder = byId.get(state.redirectsToFeedId);
    if (holder) return { feed, state: { ...state, redirectsToFeedName: redirectHolderName(holder) } };
    return { feed, state: { ...state, redirectsTo: undefined, redirectsToFeedId: undefined, redirectsToFeedName: undefined } };
  });
}

/** How a redirect conflict names the feed holding the URL: its name, else its URL. */
export function redirectHolderName(holder: Feed): string {
  return holder.name ?? holder.url;
}

/**
 * Feeds and their poll state in Redis: one hash per feed, one per state, an index sorted by the
 * time of adding, and a URL → id map covering every URL a feed was stored under.
 */
export class FeedStore {
  private readonly redis: RedisClient;

  constructor(
    redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.redis = withStoreScripts(redis);
  }

  /**
   * Adds a feed, or returns the one already stored under that URL (also an URL it was redirected
   * away from). The id is a hash of the URL first added, so it survives later URL changes.
   */
  async add(input: NewFeed, now = new Date()): Promise<{ feed: Feed; created: boolean }> {
    return (await this.addMany([input], now))[0]!;
  }

  /**
   * Adds many feeds as `add` does each (the config's list): one lookup per URLS_PER_LOOKUP URLs and
   * one script call per FEEDS_PER_CALL new ones, instead of two round trips a feed. A URL given twice
   * is added once. A failed call leaves the batches before it stored: adding again finds them.
   * `alreadyRead` gives the records the caller has just read (the config sync reads the whole
   * catalogue anyway): those are not read again; a feed found by URL and not given is read.
   * A feed another process stores between the lookup and the write (two starts with one config)
   * is not written again: it is returned as found (created: false), so one process adds it.
   */
  async addMany(inputs: readonly NewFeed[], now = new Date(), alreadyRead: (id: string) => Feed | undefined = () => undefined): Promise<{ feed: Feed; created: boolean }[]> {
    if (inputs.length === 0) return [];
    const urls = inputs.map((input) => input.url.trim());
    const ids = await this.idsOfUrls(urls);
    const known = new Map<string, Feed>();
    const unread: string[] = [];
    for (const id of new Set(ids)) {
      if (id === null) continue;
      const feed = alreadyRead(id);
      if (feed) known.set(id, feed);
      else unread.push(id);
    }
    for (const feed of await this.records(unread)) if (feed) known.set(feed.id, feed);
    const created = new Map<string, Feed>();
    // The id a new feed's URL led to though no record was found: the script may take that URL over.
    const recordless = new Map<string, string>();
    const results = inputs.map((input, index) => {
      const url = urls[index]!;
      const existing = known.get(ids[index] ?? '') ?? created.get(url);
      if (existing) return { feed: existing, created: false };
      if (ids[index]) recordless.set(url, ids[index]);
      const feed: Feed = {
        id: feedIdFor(url),
        url,
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.section !== undefined ? { section: input.section } : {}),
        intervalMinutes: input.intervalMinutes,
        weight: input.weight ?? 1,
        addedAt: now.toISOString(),
        origin: input.origin ?? 'chat',
      };
      created.set(url, feed);
      return { feed, created: true };
    });
    const fresh = [...created.values()];
    // Feeds added together keep their order in the index (oldest first) though they share a millisecond:
    // a thousandth of a millisecond apart, well above a double's resolution at today's epoch times (~0.0002 ms).
    let order = 0;
    const taken = new Set<string>();
    for (const batch of batchesOf(fresh, FEEDS_PER_CALL)) {
      const keys = [this.keys.feedIndex(), this.keys.feedUrls()];
      const args: (string | number)[] = [];
      for (const { id, url, ...fields } of batch) {
        const fieldValues = toFieldValues({ url, ...fields });
        const stale = recordless.get(url);
        const record = this.keys.feed(id);
        keys.push(record, this.keys.urlsOfFeed(id), stale === undefined ? record : this.keys.feed(stale));
        args.push(id, url, stale ?? '', now.getTime() + order++ / 1000, fieldValues.length / 2, ...fieldValues);
      }
      const stored = await this.redis.heraldAddFeeds(keys.length, ...keys, ...args);
      for (const [index, feed] of batch.entries()) if (stored[index] === 0) taken.add(feed.url);
    }
    if (taken.size === 0) return results;
    // Stored by another process since the lookup (two starts with one config): found as any known feed is, by adding again.
    const again = inputs.flatMap((input, index) => (taken.has(urls[index]!) ? [{ index, input }] : []));
    const found = await this.addMany(again.map(({ input }) => input), now, alreadyRead);
    again.forEach(({ index }, position) => (results[index] = found[position]!));
    return results;
  }

  async get(id: string): Promise<Feed | undefined> {
    return feedFromHash(id, await this.redis.hgetall(this.keys.feed(id)));
  }

  /** The feed stored under this URL now or before a permanent redirect moved it. */
  async findByUrl(url: string): Promise<Feed | undefined> {
    const id = await this.redis.hget(this.keys.feedUrls(), url.trim());
    return id === null ? undefined : this.get(id);
  }

  /** Every feed, oldest first, without the poll states. */
  async list(): Promise<Feed[]> {
    return (await this.records(await this.ids())).filter((feed) => feed !== undefined);
  }

  /**
   * Every feed with its poll state, oldest first (for status and for scheduling), a redirect
   * conflict as it stands now (currentRedirects).
   */
  async listWithState(): Promise<{ feed: Feed; state: FeedStateView }[]> {
    return currentRedirects((await this.getMany(await this.ids())).flatMap(({ feed, state }) => (feed ? [{ feed, state }] : [])));
  }

  /** The id of every feed, oldest first. */
  async ids(): Promise<string[]> {
    return this.redis.zrange(this.keys.feedIndex(), 0, -1);
  }

  /** Changes settings of a stored feed; false when there is no such feed. */
  async update(id: string, settings: FeedSettings): Promise<boolean> {
    const fields = toFieldValues(settings);
    if (fields.length === 0) return (await this.redis.exists(this.keys.feed(id))) === 1;
    return (await this.redis.heraldHsetIfExists(this.keys.feed(id), this.keys.feed(id), '0', ...fields)) === 1;
  }

  /**
   * Moves a feed to a new URL (after a permanent redirect); its old URLs keep leading to it.
   * False when there is no such feed, or when the URL leads to another feed: that one keeps it,
   * and this one stays where it is (its fetch follows the redirect). Merging the two would mean
   * moving every subscription of one to the other. One script (heraldMoveFeed), so a removal or an
   * add racing the move never leaves a URL leading to no feed nor a feed its URL does not lead to.
   */
  async updateUrl(id: string, url: string): Promise<boolean> {
    const holder = (await this.redis.hget(this.keys.feedUrls(), url)) ?? '';
    return (await this.redis.heraldMoveFeed(this.keys.feed(id), this.keys.feedUrls(), this.keys.urlsOfFeed(id), this.keys.feed(holder || id), id, url, holder)) === 1;
  }

  /** Removes a feed, its state, its URLs and its place in the poll schedule, in one script; false when there was no such feed. */
  async remove(id: string): Promise<boolean> {
    const { keys } = this;
    const removed = await this.redis.heraldRemoveFeed(keys.feedIndex(), keys.feedUrls(), keys.feed(id), keys.feedState(id), keys.urlsOfFeed(id), keys.pollDue(), keys.pollLeases(), keys.pollAsked(), id);
    return removed === 1;
  }

  async getState(id: string): Promise<FeedState> {
    return stateFromHash(await this.redis.hgetall(this.keys.feedState(id)));
  }

  /**
   * Replaces a feed's poll state. Does nothing (false) when the feed was removed meanwhile, so a
   * poll that finishes after a removal leaves nothing behind. Given the state it replaces (as
   * read before), only the fields that changed are written when none was dropped: a 304 poll
   * rewrites just its times, and an unchanged state is not written at all.
   */
  async saveState(id: string, state: FeedState, previous?: FeedState): Promise<boolean> {
    const write = stateWrite(state, previous);
    if (write.fields.length === 0 && !write.replace) return true;
    return (await this.redis.heraldHsetIfExists(this.keys.feed(id), this.keys.feedState(id), write.replace ? '1' : '0', ...write.fields)) === 1;
  }

  /** The feed id stored under each URL (null for none), one HMGET per URLS_PER_LOOKUP. */
  private async idsOfUrls(urls: readonly string[]): Promise<(string | null)[]> {
    return (await Promise.all(batchesOf(urls, URLS_PER_LOOKUP).map((batch) => this.redis.hmget(this.keys.feedUrls(), ...batch)))).flat();
  }

  /** The feed records of `ids` (one script call per few hundred), without their poll states; a removed feed has none. */
  async records(ids: readonly string[]): Promise<(Feed | undefined)[]> {
    // The values of FEED_FIELDS, not HGETALL's names and values: half the strings to read for the 10,000 feeds every start lists.
    const replies = await readHashFields(
      this.redis,
      ids.map((id) => this.keys.feed(id)),
      FEED_FIELDS,
    );
    return ids.map((id, index) => feedFromHash(id, feedHashOf(replies[index]!)));
  }

  /** The poll states of `ids`, without their records. */
  async states(ids: readonly string[]): Promise<FeedState[]> {
    return (await readHashes(this.redis, ids.map((id) => this.keys.feedState(id)))).map(stateFromHash);
  }

  /** Every feed record and poll state of `ids`, read together (a batch of claimed polls); a removed feed has no record. */
  async getMany(ids: readonly string[]): Promise<{ id: string; feed: Feed | undefined; state: FeedState }[]> {
    const replies = await readHashes(
      this.redis,
      ids.flatMap((id) => [this.keys.feed(id), this.keys.feedState(id)]),
    );
    return ids.map((id, index) => ({ id, feed: feedFromHash(id, replies[2 * index]!), state: stateFromHash(replies[2 * index + 1]!) }));
  }
}

/**
 * Queues the commands that take feeds out of the poll schedule (due time, lease, pending ask),
 * for PollQueue.unschedule; FeedStore.remove's script clears the same. The first reply is how many were scheduled.
 */
export function leavePollSchedule(transaction: ChainableCommander, keys: Keys, ids: readonly string[]): ChainableCommander {
  return transaction
    .zrem(keys.pollDue(), ...ids)
    .zrem(keys.pollLeases(), ...ids)
    .srem(keys.pollAsked(), ...ids);
}

/** How to store `state` over `previous` (as read before): the fields that changed, or, without a previous state or when a field was dropped, the whole state replacing the hash. */
export function stateWrite(state: FeedState, previous?: FeedState): { replace: boolean; fields: string[] } {
  const changed = previous === undefined ? undefined : changedFieldValues(previous, state);
  return changed === undefined ? { replace: true, fields: toFieldValues(state) } : { replace: false, fields: changed };
}

/** HSET arguments for what `next` changes in `previous`; undefined when it drops a field, so the hash must be replaced. */
function changedFieldValues(previous: object, next: object): string[] | undefined {
  const before = storedFields(previous);
  const after = storedFields(next);
  if ([...before.keys()].some((field) => !after.has(field))) return undefined;
  return [...after].filter(([field, value]) => before.get(field) !== value).flat();
}
