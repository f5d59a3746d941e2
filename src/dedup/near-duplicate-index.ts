import { DEFAULT_NEAR_DUPLICATE_OPTIONS, fingerprintBuckets, fingerprintSimilarity, type Fingerprint, type NearDuplicateOptions } from './fingerprint.js';

/**
 * Finds earlier items whose fingerprint is close enough to be a reprint of the same text.
 * Implemented in memory (for `herald preview`) and over Redis (src/store/near-duplicate-index.ts).
 */
export interface NearDuplicateIndex {
  /** Remembers an item's fingerprint; `at` (ms since epoch) places it in the time window. */
  add(id: string, fingerprint: Fingerprint, at: number, feedId: string): Promise<void>;
  /** Ids of indexed items within the window around `at` that are near-duplicates of an item of `feedId`, most similar first. */
  query(fingerprint: Fingerprint, at: number, feedId: string): Promise<string[]>;
}

export interface NearDuplicateIndexOptions extends NearDuplicateOptions {
  /** How far apart in time two items may be and still be matched. */
  windowMs: number;
}

/** Reprints of a story rarely come more than three days apart. */
const DEFAULT_WINDOW_MS = 72 * 3600_000;

export const DEFAULT_INDEX_OPTIONS: NearDuplicateIndexOptions = { ...DEFAULT_NEAR_DUPLICATE_OPTIONS, windowMs: DEFAULT_WINDOW_MS };

/** A candidate found through a shared bucket, before the similarity check. */
export interface IndexedFingerprint {
  id: string;
  feedId: string;
  at: number;
  fingerprint: Fingerprint;
}

/**
 * Keeps the candidates similar enough to be near-duplicates of an item of `feedId` (candidates
 * of the same feed must meet the stricter same-feed threshold), most similar first (earliest
 * first on ties).
 */
export function rankNearDuplicates(
  fingerprint: Fingerprint,
  feedId: string,
  candidates: Iterable<IndexedFingerprint>,
  options: Pick<NearDuplicateOptions, 'threshold' | 'sameFeedThreshold' | 'signatureBits'>,
): string[] {
  const scored: Array<{ id: string; at: number; similarity: number }> = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate.id)) continue;
    seen.add(candidate.id);
    const similarity = fingerprintSimilarity(fingerprint, candidate.fingerprint, options.signatureBits);
    const threshold = candidate.feedId === feedId ? options.sameFeedThreshold : options.threshold;
    if (similarity >= threshold) scored.push({ id: candidate.id, at: candidate.at, similarity });
  }
  scored.sort((a, b) => b.similarity - a.similarity || a.at - b.at);
  return scored.map((entry) => entry.id);
}

/**
 * In-memory index: bucket → entries. Entries older than the window behind the newest item
 * added are evicted as new ones arrive, so a long-running process stays bounded.
 * The synchronous methods serve the synchronous preview pipeline; the async ones the interface.
 */
export class InMemoryNearDuplicateIndex implements NearDuplicateIndex {
  private readonly buckets = new Map<string, IndexedFingerprint[]>();
  /** Insertion order, for eviction. */
  private readonly arrivals: Array<{ entry: IndexedFingerprint; buckets: string[] }> = [];
  private evicted = 0;
  private newest = -Infinity;
  readonly options: NearDuplicateIndexOptions;

  constructor(options: Partial<NearDuplicateIndexOptions> = {}) {
    this.options = { ...DEFAULT_INDEX_OPTIONS, ...options };
  }

  addSync(id: string, fingerprint: Fingerprint, at: number, feedId: string): void {
    const entry = { id, feedId, at, fingerprint };
    const keys = fingerprintBuckets(fingerprint, this.options);
    for (const key of keys) {
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(entry);
      else this.buckets.set(key, [entry]);
    }
    this.arrivals.push({ entry, buckets: keys });
    this.newest = Math.max(this.newest, at);
    this.evictOlderThan(this.newest - this.options.windowMs);
  }

  querySync(fingerprint: Fingerprint, at: number, feedId: string): string[] {
    const candidates: IndexedFingerprint[] = [];
    for (const key of fingerprintBuckets(fingerprint, this.options)) {
      for (const entry of this.buckets.get(key) ?? []) {
        if (Math.abs(entry.at - at) <= this.options.windowMs) candidates.push(entry);
      }
    }
    return rankNearDuplicates(fingerprint, feedId, candidates, this.options);
  }

  /** Number of fingerprints currently held. */
  get size(): number {
    return this.arrivals.length - this.evicted;
  }

  async add(id: string, fingerprint: Fingerprint, at: number, feedId: string): Promise<void> {
    this.addSync(id, fingerprint, at, feedId);
  }

  async query(fingerprint: Fingerprint, at: number, feedId: string): Promise<string[]> {
    return this.querySync(fingerprint, at, feedId);
  }

  private evictOlderThan(cutoff: number): void {
    while (this.evicted < this.arrivals.length && this.arrivals[this.evicted]!.entry.at < cutoff) {
      const { entry, buckets } = this.arrivals[this.evicted]!;
      for (const key of buckets) {
        const remaining = this.buckets.get(key)?.filter((other) => other !== entry) ?? [];
        if (remaining.length > 0) this.buckets.set(key, remaining);
        else this.buckets.delete(key);
      }
      this.evicted += 1;
    }
    // Compact now and then rather than shifting the array on every eviction.
    if (this.evicted > 1024 && this.evicted * 2 > this.arrivals.length) {
      this.arrivals.splice(0, this.evicted);
      this.evicted = 0;
    }
  }
}
