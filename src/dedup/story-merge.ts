/**
 * The second look at a window's stories, when a briefing is composed. Online clustering places
 * each item once, as it arrives, against the stories of that moment; headlines of one event
 * written by many outlets ("Sbarro files for bankruptcy" / "Pizza-maker Sbarro filing for
 * Chapter 11") often start two stories that no later item joins. Here every story is seen whole:
 * stories whose centroids are alike merge, and the centroids tell the briefing which of the
 * remaining stories echo one another.
 */
import { batchStatistics, cachedIdf, DEFAULT_CLUSTER_OPTIONS, termDocument, type TermDocument, type TermStatistics } from './cluster.js';
import type { Item } from '../feeds/item.js';
import { cosine } from '../summarize/centrality.js';
import type { Story } from './story.js';

export interface StoryMergeOptions {
  /** Cosine of two story centroids at or above which the stories merge. */
  mergeThreshold: number;
  /** Terms weigh their IDF raised to this power: above 1, names and numbers (rare) count more than common words. */
  idfPower: number;
  /** Each centroid's this many heaviest terms find its candidate partners. */
  lookupTerms: number;
  /**
   * Likeness halves for every this many hours between two stories' items (0 while their times
   * overlap), as in online clustering: the flu bulletin of Monday and Tuesday's are alike in
   * every word but are two events.
   */
  decayHalfLifeHours: number;
}

/** Chosen on the tuning half of the UCI news dev set (bench/story-quality.bench.ts). */
export const DEFAULT_STORY_MERGE_OPTIONS: StoryMergeOptions = {
  mergeThreshold: 0.3,
  idfPower: 1.5,
  lookupTerms: 12,
  decayHalfLifeHours: DEFAULT_CLUSTER_OPTIONS.decayHalfLifeHours,
};

type Centroid = Map<string, number>;

/** The stories of a window after merging, with what the briefing needs to know about them. */
export interface MergedStories {
  stories: Story[];
  /** The stories of the input a story was made of (itself when it was not merged). */
  partsOf(story: Story): Story[];
  /** Cosine of two stories' centroids, decayed by the time between them (0 for a story not in `stories`). */
  similarity(a: Story, b: Story): number;
}

/** Unit-length sum of the items' term weights, each weighted by IDF^power. */
function centroidOf(documents: TermDocument[], weight: (term: string) => number): Centroid {
  const sum: Centroid = new Map();
  for (const document of documents) for (const [term, value] of document.body) sum.set(term, (sum.get(term) ?? 0) + value * weight(term));
  let norm = 0;
  for (const value of sum.values()) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [term, value] of sum) sum.set(term, value / norm);
  return sum;
}

function heaviestTerms(centroid: Centroid, limit: number): string[] {
  return [...centroid]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([term]) => term);
}

interface Cluster {
  story: Story;
  parts: Story[];
  documents: TermDocument[];
  centroid: Centroid;
  /** ms of the oldest and the newest item. */
  from: number;
  to: number;
}

function timeSpan(story: Story): { from: number; to: number } {
  const times = story.items.map((item) => Date.parse(item.publishedAt));
  return { from: Math.min(...times), to: Math.max(...times) };
}

/** Cosine of the centroids, halved for every half-life between the two stories' time spans. */
function likeness(a: Cluster, b: Cluster, halfLifeHours: number): number {
  const gapHours = Math.max(0, a.from - b.to, b.from - a.to) / 3_600_000;
  return cosine(a.centroid, b.centroid) * 0.5 ** (gapHours / halfLifeHours);
}

/** Oldest item first, as groupIntoStories leaves them; ties by id so merges do not depend on input order. */
function byTime(a: Item, b: Item): number {
  return Date.parse(a.publishedAt) - Date.parse(b.publishedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** One story of two: the id of the one that started first (delivery memory and LLM caches know it), every item and copy, the newest time. */
function combine(a: Cluster, b: Cluster, weight: (term: string) => number): Cluster {
  const [first, second] = byTime(a.story.items[0]!, b.story.items[0]!) <= 0 ? [a, b] : [b, a];
  const items = [...first.story.items, ...second.story.items].sort(byTime);
  const updatedAt = Date.parse(first.story.updatedAt) >= Date.parse(second.story.updatedAt) ? first.story.updatedAt : second.story.updatedAt;
  const isUpdate = first.story.isUpdate === true || second.story.isUpdate === true;
  const copies = { ...first.story.copies, ...second.story.copies };
  const story: Story = { id: first.story.id, items, updatedAt, ...(isUpdate ? { isUpdate } : {}), ...(Object.keys(copies).length > 0 ? { copies } : {}) };
  const documents = [...first.documents, ...second.documents];
  return { story, parts: [...first.parts, ...second.parts], documents, centroid: centroidOf(documents, weight), from: Math.min(a.from, b.from), to: Math.max(a.to, b.to) };
}

/**
 * For each cluster, its most similar other cluster at or above the threshold (or -1).
 * Candidates come from an inverted index over each centroid's heaviest terms, so a window of
 * thousands of stories is not compared pair by pair.
 */
function bestPartners(clusters: Cluster[], options: StoryMergeOptions): number[] {
  const byTerm = new Map<string, number[]>();
  const lookups = clusters.map((cluster) => heaviestTerms(cluster.centroid, options.lookupTerms));
  lookups.forEach((terms, index) => {
    for (const term of terms) {
      const list = byTerm.get(term);
      if (list) list.push(index);
      else byTerm.set(term, [index]);
    }
  });
  return clusters.map((cluster, index) => {
    let best = -1;
    let bestScore = options.mergeThreshold;
    const seen = new Set<number>([index]);
    for (const term of lookups[index]!) {
      for (const other of byTerm.get(term) ?? []) {
        if (seen.has(other)) continue;
        seen.add(other);
        const score = likeness(cluster, clusters[other]!, options.decayHalfLifeHours);
        if (score > bestScore || (score === bestScore && best >= 0 && other < best)) {
          best = other;
          bestScore = score;
        }
      }
    }
    return best;
  });
}

/** Term documents of items already seen: compose jobs of one process share the window's item objects (ComposeCache). */
const documentCache = new WeakMap<Item, TermDocument>();

function documentOf(item: Item): TermDocument {
  let document = documentCache.get(item);
  if (!document) {
    document = termDocument(item);
    documentCache.set(item, document);
  }
  return document;
}

/**
 * Merges stories whose centroids are alike, in rounds: each round merges the pairs that are
 * each other's best match above the threshold (mutual best, so a large story does not swallow
 * its neighbours one after another through a chain of weaker likenesses), until no pair is left.
 * IDF comes from the window's own items, as in groupIntoStories.
 */
export function mergeSimilarStories(stories: Story[], options: Partial<StoryMergeOptions> = {}, stats?: TermStatistics): MergedStories {
  const settings = { ...DEFAULT_STORY_MERGE_OPTIONS, ...options };
  const documentsOf = stories.map((story) => story.items.map(documentOf));
  const statistics = stats ?? batchStatistics(documentsOf.flat());
  const idf = cachedIdf(statistics);
  const weight = (term: string) => idf(term) ** settings.idfPower;
  let clusters: Cluster[] = stories.map((story, index) => ({ story, parts: [story], documents: documentsOf[index]!, centroid: centroidOf(documentsOf[index]!, weight), ...timeSpan(story) }));
  for (;;) {
    const partners = bestPartners(clusters, settings);
    const merged = new Set<number>();
    const next: Cluster[] = [];
    clusters.forEach((cluster, index) => {
      const partner = partners[index]!;
      if (partner > index && partners[partner] === index) {
        merged.add(index).add(partner);
        next.push(combine(cluster, clusters[partner]!, weight));
      }
    });
    if (merged.size === 0) break;
    clusters.forEach((cluster, index) => {
      if (!merged.has(index)) next.push(cluster);
    });
    clusters = next;
  }
  const byStory = new Map(clusters.map((cluster) => [cluster.story, cluster]));
  return {
    stories: clusters.map((cluster) => cluster.story),
    partsOf: (story) => byStory.get(story)?.parts ?? [story],
    similarity: (a, b) => {
      const first = byStory.get(a);
      const second = byStory.get(b);
      return first && second ? likeness(first, second, settings.decayHalfLifeHours) : 0;
    },
  };
}
