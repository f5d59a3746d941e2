import { expect } from 'vitest';

/**
 * Fails unless every pair of UTF-16 code units below `end` is already in normal form `form`:
 * what lets a text with no code unit from `end` on skip normalization.
 */
export function expectPairsBelowAreNormal(form: 'NFC' | 'NFKC', end: number): void {
  for (let first = 0; first < end; first++) {
    for (let second = 0; second < end; second++) {
      const pair = String.fromCharCode(first, second);
      if (pair.normalize(form) !== pair) expect.fail(`${form} changes ${first.toString(16)} ${second.toString(16)}`);
    }
  }
}
