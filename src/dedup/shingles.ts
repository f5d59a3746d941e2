import { normalizeForComparison } from '../text/fold.js';
import { isMostlySpaceless, splitWords } from './text.js';

/** Shingle sizes: characters for scripts without spaces, words otherwise. */
export interface ShingleOptions {
  charGram: number;
  wordGram: number;
}

export const DEFAULT_SHINGLE_OPTIONS: ShingleOptions = { charGram: 4, wordGram: 3 };

/**
 * The distinct shingles of a text: character n-grams (whitespace and punctuation removed)
 * when the text is mostly in a script without spaces, word n-grams otherwise.
 */
export function shingles(text: string, options: ShingleOptions = DEFAULT_SHINGLE_OPTIONS): Set<string> {
  const normalized = normalizeForComparison(text);
  return isMostlySpaceless(normalized) ? characterShingles(normalized, options.charGram) : wordShingles(normalized, options.wordGram);
}

function characterShingles(normalized: string, size: number): Set<string> {
  const chars = [...normalized.replace(/[^\p{L}\p{N}]/gu, '')];
  return grams(chars, size, '');
}

function wordShingles(normalized: string, size: number): Set<string> {
  return grams(splitWords(normalized), size, ' ');
}

function grams(units: string[], size: number, joiner: string): Set<string> {
  const result = new Set<string>();
  for (let start = 0; start + size <= units.length; start += 1) result.add(units.slice(start, start + size).join(joiner));
  return result;
}
