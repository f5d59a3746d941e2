import type { RedisClient } from './client.js';
import { exactKeys } from '../dedup/exact-keys.js';
import type { Item } from '../feeds/item.js';
import type { Keys } from './keys.js';
import { execPipeline } from './pipeline.js';
import { withStoreScripts } from './scripts.js';

const DAY_MS = 86_400_000;

export interface ItemStoreOptions {
  /** How long items (and the memory of having seen them) are kept. */
  retentionDays: number;
}

/** Stored items by id in one MGET, in the order given; expired ones are left out. */
export async function readItems(redis: RedisClient, keys: Keys, ids: string[]): Promise<Item[]> {
  if (ids.length === 0) return [];
  const texts = await redis.mget(ids.map((id) => keys.item(id)));
  return texts.flatMap((text) => (text === null ? [] : [JSON.parse(text) as Item]));
}

/**
 * Ingested items in Redis: each item as JSON with a ttl of the retention period, an index sorted
 * by publication time for composing briefings, and one marker per exact-duplicate key so an
 * entry seen in any feed is stored once.
 */
export class ItemStore {
  private readonly redis: RedisClient;
  private readonly retentionMs: number;

  constructor(
    redis: RedisClient,
    private readonly keys: Keys,
    options: ItemStoreOptions,
  ) {
    this.redis = withStoreScripts(redis);
    this.retentionMs = options.retentionDays * DAY_MS;
  }

  /**
   * Stores the items none of whose exact keys (guid, canonical URL, content hash) was seen
   * before, and returns them in input order. Each check-and-store is one atomic script, so two
   * workers adding the same entry at once store it once. Entries published before the retention
   * period are remembered as seen but neither stored nor returned: a new feed's archive is not news.
   */
  async addNew(items: Item[], now = new Date()): Promise<Item[]> {
    return (await this.addNewCountingDuplicates(items, now)).fresh;
  }

  /**
   * addNew, also counting the duplicates: entries whose guid, URL or content another item
   * claimed first (an entry a feed lists again is not one).
   */
  async addNewCountingDuplicates(items: Item[], now = new Date()): Promise<{ fresh: Item[]; duplicates: number }> {
    if (items.length === 0) return { fresh: [], duplicates: 0 };
    const ttlSeconds = String(Math.ceil(this.retentionMs / 1000));
    const oldestKept = now.getTime() - this.retentionMs;
    const pipeline = this.redis.pipeline();
    for (const item of items) {
      const publishedMs = Date.parse(item.publishedAt);
      const seenKeys = exactKeys(item).map((key) => this.keys.seen(key));
      pipeline.heraldAddItemIfUnseen(
        2 + seenKeys.length,
        this.keys.item(item.id),
        this.keys.itemsByPublished(),
        ...seenKeys,
        item.id,
        JSON.stringify(item),
        ttlSeconds,
        String(publishedMs),
        publishedMs >= oldestKept ? '1' : '0',
      );
    }
    const outcomes = await execPipeline(pipeline);
    return { fresh: items.filter((_item, index) => outcomes[index] === 1), duplicates: outcomes.filter((outcome) => outcome === 2).length };
  }

  /** Items by id, in the order asked; ids whose item expired are left out. */
  async getMany(ids: string[]): Promise<Item[]> {
    return readItems(this.redis, this.keys, ids);
  }

  /** Items published in [from, to], oldest first. */
  async inWindow(from: Date, to: Date): Promise<Item[]> {
    const ids = await this.redis.zrangebyscore(this.keys.itemsByPublished(), from.getTime(), to.getTime());
    return this.getMany(ids);
  }

  /**
   * Housekeeping: drops index entries published before the retention period (the items
   * themselves expire by ttl). Returns how many were dropped.
   */
  async trimIndex(now = new Date()): Promise<number> {
    return this.redis.zremrangebyscore(this.keys.itemsByPublished(), '-inf', `(${now.getTime() - this.retentionMs}`);
  }
}
