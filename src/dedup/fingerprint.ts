import { createHash } from 'node:crypto';
import type { Item } from '../feeds/item.js';
import { normalizeForComparison } from '../text/fold.js';
import { bandHashes, estimatedJaccard, minHashSignature } from './minhash.js';
import { DEFAULT_SHINGLE_OPTIONS, shingles, type ShingleOptions } from './shingles.js';

/** Tuning of the near-duplicate layer; the defaults were chosen on the labelled set (see bench/dedup.bench.ts). */
export interface NearDuplicateOptions {
  /** MinHash permutations (signature length). */
  permutations: number;
  /** LSH bands, `rows` values each, from the start of the signature (bands × rows ≤ permutations). */
  bands: number;
  /** Signature values per LSH band. */
  rows: number;
  /** Low bits of each signature value that similarity compares (and the Redis index stores): 4, 8, 16 or 32. */
  signatureBits: number;
  /** Estimated Jaccard similarity of shingle sets at or above which two items are near-duplicates. */
  threshold: number;
  /**
   * The same, for two items of one feed. Set higher: an outlet that publishes an article twice
   * repeats it almost word for word, while feeds written from a template (dispatch logs, market
   * closes, classifieds) make different entries look alike.
   */
  sameFeedThreshold: number;
  /** Below this many shingles a text is too short to fingerprint and only matches its exact normalized twin. */
  minShingles: number;
  shingles: ShingleOptions;
}

export const DEFAULT_NEAR_DUPLICATE_OPTIONS: NearDuplicateOptions = {
  permutations: 64,
  bands: 16,
  rows: 2,
  signatureBits: 4,
  threshold: 0.4,
  sameFeedThreshold: 0.8,
  minShingles: 8,
  shingles: DEFAULT_SHINGLE_OPTIONS,
};

/**
 * What the near-duplicate index stores per item: a MinHash signature, or for texts too short
 * to shingle meaningfully a digest of the whole normalized title and text (so that short
 * items such as "Live updates" never collide with each other by accident).
 */
export type Fingerprint = { kind: 'minhash'; signature: Uint32Array } | { kind: 'short-text'; digest: string };

/**
 * Fingerprint of an item. The body alone is used when it is long enough, so a reprint with a
 * new headline still matches; otherwise title and body together.
 */
export function fingerprintItem(item: Pick<Item, 'title' | 'text'>, options: NearDuplicateOptions = DEFAULT_NEAR_DUPLICATE_OPTIONS): Fingerprint {
  for (const text of [item.text, `${item.title}\n${item.text}`]) {
    const set = shingles(text, options.shingles);
    if (set.size >= options.minShingles) return { kind: 'minhash', signature: minHashSignature(set, options.permutations) };
  }
  const digest = createHash('sha256').update(normalizeForComparison(`${item.title}\n${item.text}`)).digest('base64url').slice(0, 22);
  return { kind: 'short-text', digest };
}

/** Index buckets of a fingerprint: one per LSH band, or the single digest bucket of a short text. */
export function fingerprintBuckets(fingerprint: Fingerprint, options: Pick<NearDuplicateOptions, 'bands' | 'rows'>): string[] {
  if (fingerprint.kind === 'short-text') return [`t:${fingerprint.digest}`];
  return bandHashes(fingerprint.signature, options.bands, options.rows).map((hash, band) => `${band}:${hash.toString(16).padStart(8, '0')}`);
}

/** Similarity in [0, 1] of two fingerprints: estimated Jaccard on the low `signatureBits` bits, or 1/0 for exact short-text digests. */
export function fingerprintSimilarity(a: Fingerprint, b: Fingerprint, signatureBits = DEFAULT_NEAR_DUPLICATE_OPTIONS.signatureBits): number {
  if (a.kind === 'minhash' && b.kind === 'minhash') return estimatedJaccard(a.signature, b.signature, signatureBits);
  if (a.kind === 'short-text' && b.kind === 'short-text') return a.digest === b.digest ? 1 : 0;
  return 0;
}
