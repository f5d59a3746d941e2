import { keysUnder } from './keys.js';

/**
 * Redis keys of the dedup and story layers (near-duplicate index, story profiles, delivery
 * memory), all under the configured prefix (`herald:` by default).
 *
 * Redis Cluster (see keys.ts): the near-duplicate index tags its keys per group of LSH bands
 * (`{nd5-g<group>}`: one key, so one script looks up and appends a batch's records) and per
 * entry shard (`{nd4-e<shard>}`: a shard's time buckets share a slot, so one script reads a
 * batch's candidates from it); no other key here is tagged and none shares a script or MULTI
 * with another, so stories, their profiles and the term lookups spread over every slot.
 */
export interface StoryKeys {
  /** Hash: near-duplicate band records of one group of LSH bands (see near-duplicate-index.ts). */
  nearDuplicateBands(group: number): string;
  /** Hash: the same in layout 4 (4-byte records, 11-bit fields), which an upgrade migrates (see near-duplicate-migration.ts). */
  nearDuplicateLayout4Bands(group: number): string;
  /** Hash: near-duplicate entries of one entry shard and time bucket, 64 fixed-size entries a field (see near-duplicate-index.ts). */
  nearDuplicateEntries(shard: number, bucket: number): string;
  /** String: the story an item was placed in. */
  storyOf(itemId: string): string;
  /** Sorted set: story ids scored by the time of their newest item (ms). */
  stories(): string;
  /** List: item ids of one story in the order they joined. */
  storyItems(storyId: string): string;
  /** Hash: `b:<term>` / `t:<term>` → summed weights; the story's clustering profile. */
  storyTerms(storyId: string): string;
  /** Sorted set: ids of stories indexed under one lookup term, scored by their newest item (ms). */
  storiesByTerm(term: string): string;
  /** Hash: term → number of items published on one UTC day containing it. */
  documentFrequencies(day: string): string;
  /** String: number of items published on one UTC day. */
  documentCount(day: string): string;
  /** String: the lock that lets one worker at a time place items into stories. */
  clusteringLock(): string;
  /** Hash: story id → items delivered, for one bundle family (subscriptions that read alike). */
  deliveredStories(family: string): string;
}

/** Story-layer keys under `prefix:` (`herald:` by default). */
export function createStoryKeys(prefix = 'herald'): StoryKeys {
  const under = keysUnder(prefix);
  return {
    nearDuplicateBands: (group) => under(`{nd5-g${group}}`),
    nearDuplicateLayout4Bands: (group) => under(`{nd4-g${group}}`),
    nearDuplicateEntries: (shard, bucket) => under(`{nd4-e${shard}}`, String(bucket)),
    storyOf: (itemId) => under('story-of', itemId),
    stories: () => under('stories'),
    storyItems: (storyId) => under('story', storyId, 'items'),
    storyTerms: (storyId) => under('story', storyId, 'terms'),
    storiesByTerm: (term) => under('story-term', term),
    documentFrequencies: (day) => under('df', day),
    documentCount: (day) => under('df', day, 'n'),
    clusteringLock: () => under('lock', 'clustering'),
    deliveredStories: (family) => under('delivered', family),
  };
}
