import type { Redis } from 'ioredis';
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
import { execPipeline } from './pipeline.js';
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
  kind: PlacementKind;
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
 */
export class RedisStoryEngine {
  readonly options: StoryEngineOptions;
  private readonly keys: StoryKeys;
  private readonly nearDuplicates: RedisNearDuplicateIndex;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    options: Partial<StoryEngineOptions> = {},
  ) {
    this.options = { ...DEFAULT_STORY_ENGINE_OPTIONS, ...options };
    this.keys = createStoryKeys(prefix);
    this.nearDuplicates = new RedisNearDuplicateIndex(redis, prefix, this.options);
  }

  /**
   * Places new items (already stored and exact-deduplicated by the item store) into stories,
   * in publication order, and returns where each went.
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
    const ordered = [...items].sort(byPublication);
    const documents = ordered.map((item) => termDocument(item));
    const times = ordered.map(itemTime);
    await this.countDocuments(documents, times);
    const stats = await this.statistics(documents, windowDays(times, this.options.windowMs));
    const placements: ItemPlacement[] = [];
    for (const [index, item] of ordered.entries()) {
      const placement = await this.place(item, documents[index]!, times[index]!, stats);
      placements.push({ itemId: item.id, ...placement });
    }
    return placements;
  }

  private async place(item: Item, document: TermDocument, at: number, stats: TermStatistics): Promise<Placement> {
    const fingerprint = fingerprintItem(item, this.options);
    const original = (await this.nearDuplicates.query(fingerprint, at, item.feedId))[0];
    const originalStory = original === undefined ? null : await this.redis.get(this.keys.storyOf(original));
    const terms = lookupTerms(document, stats, this.options.lookupTerms);
    const candidates = originalStory === null ? await this.candidates(terms, at) : [];
    const placement = placeItem(item.id, document, at, originalStory ?? undefined, candidates, stats, this.options);
    await this.nearDuplicates.add(item.id, fingerprint, at, item.feedId);
    await this.record(item.id, placement, document, terms, at);
    return placement;
  }

  private async countDocuments(documents: TermDocument[], times: number[]): Promise<void> {
    const ttl = this.options.windowMs + DAY_MS;
    const pipeline = this.redis.pipeline();
    documents.forEach((document, index) => {
      const day = utcDay(times[index]!);
      for (const term of document.body.keys()) pipeline.hincrby(this.keys.documentFrequencies(day), term, 1);
      pipeline.incr(this.keys.documentCount(day));
      pipeline.pexpire(this.keys.documentFrequencies(day), ttl);
      pipeline.pexpire(this.keys.documentCount(day), ttl);
    });
    await execPipeline(pipeline);
  }

  /** Document frequencies of the batch's terms summed over the given days. */
  private async statistics(documents: TermDocument[], days: string[]): Promise<TermStatistics> {
    const terms = [...new Set(documents.flatMap((document) => [...document.body.keys()]))];
    const pipeline = this.redis.pipeline();
    for (const day of days) {
      pipeline.hmget(this.keys.documentFrequencies(day), ...terms);
      pipeline.get(this.keys.documentCount(day));
    }
    const replies = await execPipeline(pipeline);
    const frequencies = new Map<string, number>();
    let count = 0;
    for (let index = 0; index < replies.length; index += 2) {
      (replies[index] as Array<string | null>).forEach((value, termIndex) => {
        if (value !== null) frequencies.set(terms[termIndex]!, (frequencies.get(terms[termIndex]!) ?? 0) + Number(value));
      });
      count += Number(replies[index + 1] ?? 0);
    }
    return { documents: count, frequency: (term) => frequencies.get(term) ?? 0 };
  }

  private async candidates(terms: string[], at: number): Promise<StoryProfile[]> {
    const lookup = this.redis.pipeline();
    for (const term of terms) lookup.zrangebyscore(this.keys.storiesByTerm(term), at - this.options.windowMs, '+inf');
    const hits = new Map<string, number>();
    for (const reply of (await execPipeline(lookup)) as string[][]) for (const storyId of reply) hits.set(storyId, (hits.get(storyId) ?? 0) + 1);
    const ids = topCandidates(hits, this.options.maxCandidates);
    if (ids.length === 0) return [];
    const read = this.redis.pipeline();
    for (const id of ids) {
      read.hgetall(this.keys.storyTerms(id));
      read.zscore(this.keys.stories(), id);
    }
    const replies = await execPipeline(read);
    return ids.flatMap((id, index): StoryProfile[] => {
      const fields = replies[index * 2] as Record<string, string>;
      const updatedAt = replies[index * 2 + 1] as string | null;
      if (updatedAt === null) return [];
      const profile: StoryProfile = { id, body: new Map(), title: new Map(), updatedAt: Number(updatedAt) };
      for (const [field, value] of Object.entries(fields)) (field.startsWith('t:') ? profile.title : profile.body).set(field.slice(2), Number(value));
      return [profile];
    });
  }

  private async record(itemId: string, placement: Placement, document: TermDocument, terms: string[], at: number): Promise<void> {
    const { windowMs, storyRetentionMs } = this.options;
    const { storyId } = placement;
    const pipeline = this.redis.pipeline();
    pipeline.set(this.keys.storyOf(itemId), storyId, 'PX', windowMs);
    pipeline.rpush(this.keys.storyItems(storyId), itemId);
    pipeline.pexpire(this.keys.storyItems(storyId), storyRetentionMs);
    pipeline.zadd(this.keys.stories(), 'GT', at, storyId);
    pipeline.zremrangebyscore(this.keys.stories(), '-inf', `(${at - storyRetentionMs}`);
    // A near-duplicate repeats its original's words: counting them again would only inflate the profile.
    if (placement.kind !== 'near-duplicate') {
      const termsKey = this.keys.storyTerms(storyId);
      for (const [term, weight] of document.body) pipeline.hincrbyfloat(termsKey, `b:${term}`, weight);
      for (const [term, weight] of document.title) pipeline.hincrbyfloat(termsKey, `t:${term}`, weight);
      pipeline.pexpire(termsKey, windowMs);
      for (const term of terms) {
        const key = this.keys.storiesByTerm(term);
        pipeline.zadd(key, 'GT', at, storyId);
        pipeline.zremrangebyscore(key, '-inf', `(${at - windowMs}`);
        pipeline.pexpire(key, windowMs);
      }
    }
    await execPipeline(pipeline);
  }
}
