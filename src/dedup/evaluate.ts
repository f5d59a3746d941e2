/**
 * Quality metrics of the dedup layers against a labelled set, shared by the bench (which prints
 * them) and the tests (which hold them above the bars).
 */
import type { Item } from '../feeds/item.js';
import { DEFAULT_CLUSTER_OPTIONS, type ClusterOptions } from './cluster.js';
import { fingerprintItem } from './fingerprint.js';
import { byPublication, groupIntoStories } from './group.js';
import { InMemoryNearDuplicateIndex } from './near-duplicate-index.js';
import { itemTime } from './item-time.js';

/** One item of a labelled set: the event it reports and the original it reprints (itself for originals). */
export interface LabelledItem {
  item: Item;
  story: string;
  dupOf: string;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** Item id → cluster label. */
export type Assignment = Map<string, string>;

function scores(precision: number, recall: number): Scores {
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

const pairs = (n: number): number => (n * (n - 1)) / 2;

/** How many of `ids` carry each label. */
function labelSizes(ids: Iterable<string>, labelOf: (id: string) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) {
    const label = labelOf(id);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

/** The number of same-label pairs among `ids`. */
function pairsSharingLabel(ids: Iterable<string>, labelOf: (id: string) => string): number {
  return [...labelSizes(ids, labelOf).values()].reduce((sum, n) => sum + pairs(n), 0);
}

/** A label for the (predicted, gold) pair of an item: items sharing it agree in both. */
function jointLabel(predicted: Assignment, gold: Assignment): (id: string) => string {
  return (id) => `${predicted.get(id)}\u0000${gold.get(id)}`;
}

/**
 * Pairwise precision/recall over the items both assignments know: a pair counts as predicted
 * when both items share a predicted label, as true when they share a gold label.
 */
export function pairwiseScores(predicted: Assignment, gold: Assignment): Scores {
  const ids = [...predicted.keys()].filter((id) => gold.has(id));
  const truePairs = pairsSharingLabel(ids, jointLabel(predicted, gold));
  const predictedPairs = pairsSharingLabel(ids, (id) => predicted.get(id)!);
  const goldPairs = pairsSharingLabel(ids, (id) => gold.get(id)!);
  return scores(predictedPairs === 0 ? 1 : truePairs / predictedPairs, goldPairs === 0 ? 1 : truePairs / goldPairs);
}

/** B-cubed precision/recall: per item, the share of its predicted cluster that is correct, and of its gold cluster that was found. */
export function bcubedScores(predicted: Assignment, gold: Assignment): Scores {
  const ids = [...predicted.keys()].filter((id) => gold.has(id));
  if (ids.length === 0) return scores(1, 1);
  const jointOf = jointLabel(predicted, gold);
  const both = labelSizes(ids, jointOf);
  const predictedSizes = labelSizes(ids, (id) => predicted.get(id)!);
  const goldSizes = labelSizes(ids, (id) => gold.get(id)!);
  let precision = 0;
  let recall = 0;
  for (const id of ids) {
    const overlap = both.get(jointOf(id))!;
    precision += overlap / predictedSizes.get(predicted.get(id)!)!;
    recall += overlap / goldSizes.get(gold.get(id)!)!;
  }
  return scores(precision / ids.length, recall / ids.length);
}

/**
 * Near-duplicate groups as the pipeline forms them: items in publication order, each joining the
 * group of its most similar earlier near-duplicate.
 */
export function nearDuplicateAssignment(items: Item[], options: ClusterOptions = DEFAULT_CLUSTER_OPTIONS): Assignment {
  const index = new InMemoryNearDuplicateIndex(options);
  const group: Assignment = new Map();
  for (const item of [...items].sort(byPublication)) {
    const fingerprint = fingerprintItem(item, options);
    const at = itemTime(item);
    const original = index.querySync(fingerprint, at, item.feedId)[0];
    group.set(item.id, original === undefined ? item.id : group.get(original)!);
    index.addSync(item.id, fingerprint, at, item.feedId);
  }
  return group;
}

export interface LabelledSetEvaluation {
  nearDuplicate: Scores;
  clustering: Scores;
  stories: number;
  duplicatesDropped: number;
}

/** Scores the near-duplicate layer (pairwise, over all items) and the clustering (B-cubed, over the items kept). */
export function evaluateLabelledSet(labelled: LabelledItem[], options: Partial<ClusterOptions> = {}): LabelledSetEvaluation {
  const settings = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  const items = labelled.map((entry) => entry.item);
  const goldDuplicates: Assignment = new Map(labelled.map((entry) => [entry.item.id, entry.dupOf]));
  const goldStories: Assignment = new Map(labelled.map((entry) => [entry.item.id, entry.story]));
  const { stories, duplicatesDropped } = groupIntoStories(items, settings);
  const predictedStories: Assignment = new Map(stories.flatMap((story) => story.items.map((item) => [item.id, story.id] as const)));
  return {
    nearDuplicate: pairwiseScores(nearDuplicateAssignment(items, settings), goldDuplicates),
    clustering: bcubedScores(predictedStories, goldStories),
    stories: stories.length,
    duplicatesDropped,
  };
}

/** How a briefing shows the stories of a labelled set: the items of each bullet against the gold stories. */
export interface BriefingEvaluation {
  /** B-cubed over the items shown, each bullet a predicted cluster. */
  bcubed: Scores;
  /** Per gold story with an item shown: how many bullets carry its items, averaged (1 is ideal). */
  bulletsPerStory: number;
  bullets: number;
  storiesShown: number;
  itemsShown: number;
}

/** Scores a briefing given the item ids of each bullet and the gold story of every item. */
export function evaluateBriefing(bullets: string[][], gold: Assignment): BriefingEvaluation {
  const predicted: Assignment = new Map(bullets.flatMap((ids, index) => ids.map((id) => [id, `b${index}`] as const)));
  const bulletsOfStory = new Map<string, Set<number>>();
  bullets.forEach((ids, index) => {
    for (const id of ids) {
      const story = gold.get(id);
      if (story === undefined) continue;
      const seen = bulletsOfStory.get(story);
      if (seen) seen.add(index);
      else bulletsOfStory.set(story, new Set([index]));
    }
  });
  const spread = [...bulletsOfStory.values()].reduce((sum, seen) => sum + seen.size, 0);
  return {
    bcubed: bcubedScores(predicted, gold),
    bulletsPerStory: bulletsOfStory.size === 0 ? 0 : spread / bulletsOfStory.size,
    bullets: bullets.length,
    storiesShown: bulletsOfStory.size,
    itemsShown: predicted.size,
  };
}
