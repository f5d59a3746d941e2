import type { RedisClient } from './client.js';
import {
  DEFAULT_CLUSTER_OPTIONS,
  lookupTerms,
  placeItem,
  termDocument,
  topCandidates,
  type ClusterOptions,
  type Placement,
  type PlacementKind,
  type StoryProfile,
  type TermDocument,
  type TermStatistics,
} from '../dedup/cluster.js';
import { fingerprintItem } from '../dedup/fingerprint.js';
import { byPublication } from '../dedup/group.js';
import { itemTime } from '../dedup/item-time.js';
import type { Item } from '../feeds/item.js';
import { RedisNearDuplicateIndex } from './near-duplicate-index.js';
import { withLock } from './lock.js';
import { createStoryKeys, type StoryKeys } from './story-keys.js';

const DAY_MS = 86_400_000;

export interface StoryEngineOptions extends ClusterOptions {
  /** How long a story's item list and its place in the story index are kept (briefings read them). */
  storyRetentionMs: number;
  /** The clustering lock expires after this long should its holder die mid-batch. */
  lockTtlMs: number;
  /** How long addItems waits for the clustering lock before giving up with an error. */
  lockWaitMs: number;
}

const DEFAULT_STORY_ENGINE_OPTIONS: StoryEngineOptions = {
  ...DEFAULT_CLUSTER_OPTIONS,
  storyRetentionMs: 7 * DAY_MS,
  lockTtlMs: 60_000,
  lockWaitMs: 120_000,
};

export interface ItemPlacement {
  itemId: string;
  storyId: string;
  /** How the batch placed it, or 'placed-before': an earlier batch did (it is left where it is). */
  kind: PlacementKind | 'placed-before';
}

/** Whether the batch placed the item, rather than finding it placed by an earlier one. */
export function placedNow(placement: ItemPlacement): placement is ItemPlacement & { kind: PlacementKind } {
  return placement.kind !== 'placed-before';
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC days of the windows that end at each of the given times (a batch may hold a feed's years-old archive). */
function windowDays(times: number[], windowMs: number): string[] {
  const days = new Set<string>();
  for (const at of times) {
    for (let day = Math.floor((at - windowMs) / DAY_MS) * DAY_MS; day <= at; day += DAY_MS) days.add(utcDay(day));
  }
  return [...days];
}

/**
 * Story clustering over Redis, for the poll worker: the same decisions as `groupIntoStories`
 * (near-duplicate → its original's story, else the best candidate story above the threshold,
 * else a new story), with the state in Redis so every worker and every poll shares it.
 *
 * Document frequencies are counted per UTC day of publication and read over the days of the
 * window, so IDF reflects the items of the window as in a preview.
 *
 * Batches are placed one at a time across all workers (a Redis lock): two feeds polled at once
 * often carry the same wire story, and placing both copies concurrently would let each miss the
 * other and start two stories.
 *
 * Round trips: a batch is matched against the near-duplicate index and added to it at once
 * (RedisNearDuplicateIndex.matchAndAdd); then each item costs its candidate lookups, if it is no
 * near-duplicate, and one round trip recording its placement (every write sent together).
 */
export class RedisStoryEngine {
  readonly options: StoryEngineOptions;
  private readonly keys: StoryKeys;
  private readonly nearDuplicates: RedisNearDuplicateIndex;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    options: Partial<StoryEngineOptions> = {},
  ) {
    this.options = { ...DEFAULT_STORY_ENGINE_OPTIONS, ...options };
    this.keys = createStoryKeys(prefix);
    this.nearDuplicates = new RedisNearDuplicateIndex(redis, prefix, this.options);
  }

  /**
   * Places new items (already stored and exact-deduplicated by the item store) into stories,
   * in publication order, and returns where each went. An item placed before (a poll that
   * stopped before settling its items hands them on again, see ItemStore) stays where it is,
   * counted once in its story and in the statistics, as long as its place is remembered (the window).
   */
  async addItems(items: Item[]): Promise<ItemPlacement[]> {
    if (items.length === 0) return [];
    return this.oneBatchAtATime(() => this.placeBatch(items));
  }

  private async oneBatchAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.lockWaitMs;
    for (;;) {
      const outcome = await withLock(this.redis, this.keys.clusteringLock(), this.options.lockTtlMs, fn);
      if (outcome.acquired) return outcome.value;
      if (Date.now() > deadline) {
        throw new Error(`could not take the story clustering lock ${this.keys.clusteringLock()} within ${this.options.lockWaitMs} ms; is another worker stuck?`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  }

  private async placeBatch(items: Item[]): Promise<ItemPlacement[]> {
    const before = await this.storiesOf(items.map((item) => item.id));
    const placedBefore = [...before].map(([itemId, storyId]): ItemPlacement => ({ itemId, storyId, kind: 'placed-before' }));
    const ordered = items.filter((item) => !before.has(item.id)).sort(byPublication);
    if (ordered.length === 0) return placedBefore;
    const documents = ordered.map((item) => termDocument(item));
    const times = ordered.map(itemTime);
    await this.countDocuments(documents, times);
    const stats = await this.statistics(documents, windowDays(times, this.options.windowMs));
    // The whole batch is matched against the index (and against its own earlier items) at once.
    // An item indexed by a batch that stopped before placing it finds itself: its original is another.
    const originals = (
      await this.nearDuplicates.matchAndAdd(ordered.map((item, index) => ({ id: item.id, fingerprint: fingerprintItem(item, this.options), at: times[index]!, feedId: item.feedId })))
    ).map((ids, index) => ids.find((id) => id !== ordered[index]!.id));
    const storyOfItem = await this.storiesOf(originals.filter((id): id is string => id !== undefined && !ordered.some((item) => item.id === id)));
    const placements: ItemPlacement[] = [];
    for (const [index, item] of ordered.entries()) {
      const original = originals[index];
      const placement = await this.place(item, documents[index]!, times[index]!, stats, original === undefined ? undefined : storyOfItem.get(original));
      storyOfItem.set(item.id, placement.storyId);
      placements.push({ itemId: item.id, ...placement });
    }
    return [...placedBefore, ...placements];
  }

  /** The story each of these (earlier) items was placed in, where it is still remembered. */
  async storiesOf(itemIds: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(itemIds)];
    const stories = await Promise.all(unique.map((id) => this.redis.get(this.keys.storyOf(id))));
    return new Map(unique.flatMap((id, index) => (stories[index] === null ? [] : [[id, stories[index]!] as const])));
  }

  private async place(item: Item, document: TermDocument, at: number, stats: TermStatistics, originalStory: string | undefined): Promise<Placement> {
    const terms = lookupTerms(document, stats, this.options.lookupTerms);
    const candidates = originalStory === undefined ? await this.candidates(terms, at) : [];
    const placement = placeItem(item.id, document, at, originalStory, candidates, stats, this.options);
    await this.record(item.id, placement, document, terms, at);
    return placement;
  }

  /** Counts the batch's documents and their terms per UTC day: one command per day and term, sent together. */
  private async countDocuments(documents: TermDocument[], times: number[]): Promise<void> {
    const ttl = this.options.windowMs + DAY_MS;
    const perDay = new Map<string, { count: number; terms: Map<string, number> }>();
    documents.forEach((document, index) => {
      const day = utcDay(times[index]!);
      const counts = perDay.get(day) ?? { count: 0, terms: new Map<string, number>() };
      counts.count += 1;
      for (const term of document.body.keys()) counts.terms.set(term, (counts.terms.get(term) ?? 0) + 1);
      perDay.set(day, counts);
    });
    const writes: Array<Promise<unknown>> = [];
    for (const [day, { count, terms }] of perDay) {
      const frequencies = this.keys.documentFrequencies(day);
      for (const [term, increment] of terms) writes.push(this.redis.hincrby(frequencies, term, increment));
      writes.push(this.redis.incrby(this.keys.documentCount(day), count), this.redis.pexpire(frequencies, ttl), this.redis.pexpire(this.keys.documentCount(day), ttl));
    }
    await Promise.all(writes);
  }

  /** Document frequencies of the batch's terms summed over the given days. */
  private async statistics(documents: TermDocument[], days: string[]): Promise<TermStatistics> {
    const terms = [...new Set(documents.flatMap((document) => [...document.body.keys()]))];
    const replies = await Promise.all(days.map((day) => Promise.all([this.redis.hmget(this.keys.documentFrequencies(day), ...terms), this.redis.get(this.keys.documentCount(day))])));
    const frequencies = new Map<string, number>();
    let count = 0;
    for (const [values, dayCount] of replies) {
      values.forEach((value, termIndex) => {
        if (value !== null) frequencies.set(terms[termIndex]!, (frequencies.get(terms[termIndex]!) ?? 0) + Number(value));
      });
      count += Number(dayCount ?? 0);
    }
    return { documents: count, frequency: (term) => frequencies.get(term) ?? 0 };
  }

  private async candidates(terms: string[], at: number): Promise<StoryProfile[]> {
    const windowStart = at - this.options.windowMs;
    const hits = new Map<string, number>();
    for (const reply of await Promise.all(terms.map((term) => this.redis.zrangebyscore(this.keys.storiesByTerm(term), windowStart, '+inf')))) {
      for (const storyId of reply) hits.set(storyId, (hits.get(storyId) ?? 0) + 1);
    }
    const ids = topCandidates(hits, this.options.maxCandidates);
    if (ids.length === 0) return [];
    const replies = await Promise.all(ids.map((id) => Promise.all([this.redis.hgetall(this.keys.storyTerms(id)), this.redis.zscore(this.keys.stories(), id)])));
    return ids.flatMap((id, index): StoryProfile[] => {
      const [fields, updatedAt] = replies[index]!;
      if (updatedAt === null) return [];
      const profile: StoryProfile = { id, body: new Map(), title: new Map(), updatedAt: Number(updatedAt) };
      for (const [field, value] of Object.entries(fields)) (field.startsWith('t:') ? profile.title : profile.body).set(field.slice(2), Number(value));
      return [profile];
    });
  }

  private async record(itemId: string, placement: Placement, document: TermDocument, terms: string[], at: number): Promise<void> {
    const { windowMs, storyRetentionMs } = this.options;
    const { storyId } = placement;
    // One round trip: every write is sent at once (on a cluster, to the nodes of their slots).
    const writes: Array<Promise<unknown>> = [
      this.redis.set(this.keys.storyOf(itemId), storyId, 'PX', windowMs),
      this.redis.rpush(this.keys.storyItems(storyId), itemId),
      this.redis.pexpire(this.keys.storyItems(storyId), storyRetentionMs),
      this.redis.zadd(this.keys.stories(), 'GT', at, storyId),
      this.redis.zremrangebyscore(this.keys.stories(), '-inf', `(${at - storyRetentionMs}`),
    ];
    // A near-duplicate repeats its original's words: counting them again would only inflate the profile.
    if (placement.kind !== 'near-duplicate') {
      const termsKey = this.keys.storyTerms(storyId);
      for (const [term, weight] of document.body) writes.push(this.redis.hincrbyfloat(termsKey, `b:${term}`, weight));
      for (const [term, weight] of document.title) writes.push(this.redis.hincrbyfloat(termsKey, `t:${term}`, weight));
      writes.push(this.redis.pexpire(termsKey, windowMs));
      for (const term of terms) {
        const key = this.keys.storiesByTerm(term);
        writes.push(this.redis.zadd(key, 'GT', at, storyId), this.redis.zremrangebyscore(key, '-inf', `(${at - windowMs}`), this.redis.pexpire(key, windowMs));
      }
    }
    await Promise.all(writes);
  }
}
