import { fnv1a32, mix32 } from './hash.js';

/** Seeds of the hash permutations, fixed so signatures stored in Redis stay comparable across restarts. */
function permutationSeeds(count: number): Uint32Array {
  const seeds = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) seeds[i] = mix32(0x9e3779b9 + i * 0x632be5ab);
  return seeds;
}

const seedCache = new Map<number, Uint32Array>();

/** MinHash signature: per permutation, the minimum hash over the shingles. */
export function minHashSignature(shingleSet: Iterable<string>, permutations: number): Uint32Array {
  let seeds = seedCache.get(permutations);
  if (!seeds) {
    seeds = permutationSeeds(permutations);
    seedCache.set(permutations, seeds);
  }
  const signature = new Uint32Array(permutations).fill(0xffffffff);
  for (const shingle of shingleSet) {
    const base = fnv1a32(shingle);
    for (let i = 0; i < permutations; i += 1) {
      const value = mix32(base ^ seeds[i]!);
      if (value < signature[i]!) signature[i] = value;
    }
  }
  return signature;
}

/**
 * Share of equal positions: an unbiased estimate of the Jaccard similarity of the shingle sets.
 * With `bits` < 32 only the low bits of each value are compared (b-bit MinHash, Li & König):
 * two different minima then agree by chance once in 2^bits, which the estimate subtracts, so
 * it stays unbiased at a slightly larger spread (4 bits: standard deviation 0.066 instead of
 * 0.061 at J = 0.4 over 64 values) for an eighth of the storage.
 */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array, bits = 32): number {
  const length = Math.min(a.length, b.length);
  if (length === 0) return 0;
  let equal = 0;
  if (bits >= 32) {
    for (let i = 0; i < length; i += 1) if (a[i] === b[i]) equal += 1;
    return equal / length;
  }
  const mask = (1 << bits) - 1;
  for (let i = 0; i < length; i += 1) if (((a[i]! ^ b[i]!) & mask) === 0) equal += 1;
  const chance = 2 ** -bits;
  return Math.max(0, (equal / length - chance) / (1 - chance));
}

/**
 * LSH band hashes: the signature's first `bands` × `rows` values cut into `bands` runs of `rows`,
 * each hashed to 32 bits (from the full values, so unrelated items rarely share one). Two
 * signatures share a band hash with probability 1 - (1 - J^rows)^bands.
 */
export function bandHashes(signature: Uint32Array, bands: number, rows = Math.floor(signature.length / bands)): number[] {
  const result: number[] = [];
  for (let band = 0; band < bands; band += 1) {
    let hash = mix32(band + 1);
    for (let row = 0; row < rows; row += 1) hash = mix32(hash ^ signature[band * rows + row]!);
    result.push(hash);
  }
  return result;
}
