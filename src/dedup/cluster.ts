import type { Item } from '../feeds/item.js';
import { DEFAULT_INDEX_OPTIONS, type NearDuplicateIndexOptions } from './near-duplicate-index.js';
import { contentTokens } from './tokens.js';

/** Tuning of the whole dedup + clustering pass; defaults chosen on the labelled set (bench/dedup.bench.ts). */
export interface ClusterOptions extends NearDuplicateIndexOptions {
  /** Score at or above which an item joins a story. */
  joinThreshold: number;
  /** Share of the score given to headline similarity (the rest to title + body). */
  titleWeight: number;
  /** The score halves for every this many hours between the item and the story's newest item. */
  decayHalfLifeHours: number;
  /** How many of an item's highest-weighted terms are used to look up (and index) stories. */
  lookupTerms: number;
  /** At most this many candidate stories are scored per item, those sharing the most lookup terms. */
  maxCandidates: number;
}

export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = {
  ...DEFAULT_INDEX_OPTIONS,
  joinThreshold: 0.2,
  titleWeight: 0.15,
  decayHalfLifeHours: 12,
  lookupTerms: 20,
  maxCandidates: 40,
};

/** Sublinear, unit-length term weights of one item: the whole text, and the headline alone. */
export interface TermDocument {
  body: Map<string, number>;
  title: Map<string, number>;
}

/** A story as the clusterer sees it: summed term weights of its items, and its newest time. */
export interface StoryProfile {
  id: string;
  body: Map<string, number>;
  title: Map<string, number>;
  /** ms since epoch of the newest item. */
  updatedAt: number;
}

/** Document frequencies over the items of the window, for IDF. */
export interface TermStatistics {
  documents: number;
  frequency(term: string): number;
}

export type PlacementKind = 'near-duplicate' | 'joined' | 'new-story';

export interface Placement {
  kind: PlacementKind;
  storyId: string;
}

function unitWeights(tokens: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  let norm = 0;
  for (const [term, count] of counts) {
    const weight = 1 + Math.log(count);
    counts.set(term, weight);
    norm += weight * weight;
  }
  norm = Math.sqrt(norm);
  for (const [term, weight] of counts) counts.set(term, weight / norm);
  return counts;
}

/** The term document of an item; the headline counts in the body too, as readers weigh it. */
export function termDocument(item: Pick<Item, 'title' | 'text' | 'language'>): TermDocument {
  const title = contentTokens(item.title, item.language);
  return { body: unitWeights([...title, ...contentTokens(item.text, item.language)]), title: unitWeights(title) };
}

/** Smoothed inverse document frequency. */
function inverseDocumentFrequency(stats: TermStatistics, term: string): number {
  return Math.log((1 + stats.documents) / (1 + stats.frequency(term))) + 1;
}

const idfCaches = new WeakMap<TermStatistics, Map<string, number>>();

/** IDF memoized per statistics object: clustering asks for the same terms thousands of times per batch. */
export function cachedIdf(stats: TermStatistics): (term: string) => number {
  let cache = idfCaches.get(stats);
  if (!cache) {
    cache = new Map();
    idfCaches.set(stats, cache);
  }
  const known = cache;
  return (term) => {
    let value = known.get(term);
    if (value === undefined) {
      value = inverseDocumentFrequency(stats, term);
      known.set(term, value);
    }
    return value;
  };
}

/** Document frequencies of a batch of term documents (each term counted once per document). */
export function batchStatistics(documents: Iterable<TermDocument>): TermStatistics {
  const frequencies = new Map<string, number>();
  let count = 0;
  for (const document of documents) {
    count += 1;
    for (const term of document.body.keys()) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  }
  return { documents: count, frequency: (term) => frequencies.get(term) ?? 0 };
}

function idfCosine(a: Map<string, number>, b: Map<string, number>, idf: (term: string) => number): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [term, weight] of a) {
    const w = idf(term);
    const weighted = weight * w;
    normA += weighted * weighted;
    const other = b.get(term);
    if (other !== undefined) dot += weighted * other * w;
  }
  for (const [term, weight] of b) {
    const weighted = weight * idf(term);
    normB += weighted * weighted;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/** Similarity of an item to a story: TF-IDF cosine of texts and of headlines, decayed by the time between them. */
function storySimilarity(document: TermDocument, story: StoryProfile, at: number, stats: TermStatistics, options: ClusterOptions): number {
  const idf = cachedIdf(stats);
  const content = (1 - options.titleWeight) * idfCosine(document.body, story.body, idf) + options.titleWeight * idfCosine(document.title, story.title, idf);
  const hoursApart = Math.abs(at - story.updatedAt) / 3600_000;
  return content * 0.5 ** (hoursApart / options.decayHalfLifeHours);
}

/** The item's most distinctive terms (weight × IDF), used to find candidate stories through the inverted index. */
export function lookupTerms(document: TermDocument, stats: TermStatistics, limit: number): string[] {
  const idf = cachedIdf(stats);
  return [...document.body]
    .map(([term, weight]) => ({ term, score: weight * idf(term) }))
    .sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : 1))
    .slice(0, limit)
    .map((entry) => entry.term);
}

/**
 * Where an item goes: into the story of the near-duplicate it reprints; else into the most
 * similar candidate story scoring at least the threshold; else into a new story named after it.
 */
export function placeItem(
  itemId: string,
  document: TermDocument,
  at: number,
  nearDuplicateStoryId: string | undefined,
  candidates: StoryProfile[],
  stats: TermStatistics,
  options: ClusterOptions,
): Placement {
  if (nearDuplicateStoryId !== undefined) return { kind: 'near-duplicate', storyId: nearDuplicateStoryId };
  let best: { id: string; score: number } | undefined;
  for (const story of candidates) {
    if (Math.abs(at - story.updatedAt) > options.windowMs) continue;
    const score = storySimilarity(document, story, at, stats, options);
    if (score >= options.joinThreshold && (!best || score > best.score)) best = { id: story.id, score };
  }
  return best ? { kind: 'joined', storyId: best.id } : { kind: 'new-story', storyId: newStoryId(itemId) };
}

/** A story is named after its first item, so the same input gives the same ids in preview and in Redis. */
function newStoryId(firstItemId: string): string {
  return `s-${firstItemId}`;
}

/** A fresh profile for a story started by one item. */
export function startProfile(storyId: string, document: TermDocument, at: number): StoryProfile {
  return { id: storyId, body: new Map(document.body), title: new Map(document.title), updatedAt: at };
}

/** Adds an item's terms to its story's profile (the profile is a sum, so larger stories weigh their shared terms more). */
export function absorbIntoProfile(profile: StoryProfile, document: TermDocument, at: number): void {
  for (const [term, weight] of document.body) profile.body.set(term, (profile.body.get(term) ?? 0) + weight);
  for (const [term, weight] of document.title) profile.title.set(term, (profile.title.get(term) ?? 0) + weight);
  profile.updatedAt = Math.max(profile.updatedAt, at);
}

/** Ranks stories by how many lookup terms they share with the item and keeps the best `limit`. */
export function topCandidates(hitsByStory: Map<string, number>, limit: number): string[] {
  return [...hitsByStory]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([id]) => id);
}
