import type { RedisClient } from './client.js';
import { feedIdFor } from '../feeds/feed-id.js';
import type { Feed, FeedState } from '../feeds/item.js';
import type { Keys } from './keys.js';
import { execPipeline } from './pipeline.js';
import { withStoreScripts } from './scripts.js';

/** What an admin or the config gives to add a feed; the rest is filled in. */
export interface NewFeed {
  url: string;
  /** The feed's own interval, else the configured default (`defaults.interval`). */
  intervalMinutes: number;
  name?: string;
  section?: string;
  weight?: number;
}

/** The settings of a feed that may change after it was added. */
export type FeedSettings = Partial<Pick<Feed, 'name' | 'section' | 'intervalMinutes' | 'weight'>>;

type Hash = Record<string, string>;

/** Flattens a record to HSET arguments, leaving out absent fields. */
function toFieldValues(record: object): string[] {
  return Object.entries(record).flatMap(([field, value]) => (value === undefined ? [] : [field, String(value)]));
}

function feedFromHash(id: string, hash: Hash): Feed | undefined {
  if (hash.url === undefined) return undefined;
  return {
    id,
    url: hash.url,
    ...(hash.name !== undefined ? { name: hash.name } : {}),
    ...(hash.section !== undefined ? { section: hash.section } : {}),
    intervalMinutes: Number(hash.intervalMinutes),
    weight: Number(hash.weight ?? 1),
    addedAt: hash.addedAt ?? new Date(0).toISOString(),
  };
}

function stateFromHash(hash: Hash): FeedState {
  const { consecutiveFailures, ...texts } = hash;
  return { ...texts, consecutiveFailures: Number(consecutiveFailures ?? 0) };
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
    const url = input.url.trim();
    const existing = await this.findByUrl(url);
    if (existing) return { feed: existing, created: false };
    const feed: Feed = {
      id: feedIdFor(url),
      url,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.section !== undefined ? { section: input.section } : {}),
      intervalMinutes: input.intervalMinutes,
      weight: input.weight ?? 1,
      addedAt: now.toISOString(),
    };
    const { id, ...fields } = feed;
    await execPipeline(
      this.redis
        .multi()
        .hset(this.keys.feed(id), ...toFieldValues(fields))
        .zadd(this.keys.feedIndex(), 'NX', now.getTime(), id)
        .hset(this.keys.feedUrls(), url, id)
        .sadd(this.keys.urlsOfFeed(id), url),
    );
    return { feed, created: true };
  }

  async get(id: string): Promise<Feed | undefined> {
    return feedFromHash(id, await this.redis.hgetall(this.keys.feed(id)));
  }

  /** The feed stored under this URL now or before a permanent redirect moved it. */
  async findByUrl(url: string): Promise<Feed | undefined> {
    const id = await this.redis.hget(this.keys.feedUrls(), url.trim());
    return id === null ? undefined : this.get(id);
  }

  /** Every feed, oldest first. */
  async list(): Promise<Feed[]> {
    return (await this.listWithState()).map(({ feed }) => feed);
  }

  /** Every feed with its poll state, oldest first (for status and for scheduling). */
  async listWithState(): Promise<{ feed: Feed; state: FeedState }[]> {
    const ids = await this.redis.zrange(this.keys.feedIndex(), 0, -1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.feed(id)).hgetall(this.keys.feedState(id));
    const replies = (await execPipeline(pipeline)) as Hash[];
    return ids.flatMap((id, index) => {
      const feed = feedFromHash(id, replies[2 * index]!);
      return feed ? [{ feed, state: stateFromHash(replies[2 * index + 1]!) }] : [];
    });
  }

  /** Changes settings of a stored feed; false when there is no such feed. */
  async update(id: string, settings: FeedSettings): Promise<boolean> {
    const fields = toFieldValues(settings);
    if (fields.length === 0) return (await this.redis.exists(this.keys.feed(id))) === 1;
    return (await this.redis.heraldHsetIfExists(this.keys.feed(id), this.keys.feed(id), '0', ...fields)) === 1;
  }

  /** Moves a feed to a new URL (after a permanent redirect); its old URLs keep leading to it. */
  async updateUrl(id: string, url: string): Promise<boolean> {
    const updated = (await this.redis.heraldHsetIfExists(this.keys.feed(id), this.keys.feed(id), '0', 'url', url)) === 1;
    if (updated) {
      await execPipeline(this.redis.multi().hset(this.keys.feedUrls(), url, id).sadd(this.keys.urlsOfFeed(id), url));
    }
    return updated;
  }

  /** Removes a feed, its state and its URLs; false when there was no such feed. */
  async remove(id: string): Promise<boolean> {
    const urls = await this.redis.smembers(this.keys.urlsOfFeed(id));
    const transaction = this.redis.multi();
    if (urls.length > 0) transaction.hdel(this.keys.feedUrls(), ...urls);
    transaction.del(this.keys.feed(id), this.keys.feedState(id), this.keys.urlsOfFeed(id)).zrem(this.keys.feedIndex(), id);
    const replies = await execPipeline(transaction);
    return replies.at(-1) === 1;
  }

  async getState(id: string): Promise<FeedState> {
    return stateFromHash(await this.redis.hgetall(this.keys.feedState(id)));
  }

  /**
   * Replaces a feed's poll state. Does nothing (false) when the feed was removed meanwhile, so a
   * poll that finishes after a removal leaves nothing behind.
   */
  async saveState(id: string, state: FeedState): Promise<boolean> {
    const fields = toFieldValues(state);
    return (await this.redis.heraldHsetIfExists(this.keys.feed(id), this.keys.feedState(id), '1', ...fields)) === 1;
  }
}
