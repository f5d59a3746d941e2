/**
 * The one text folding for comparison: feed normalization hashes content with it (exact
 * dedup), and fingerprints, short-text keys and clustering tokens all see the same folded
 * text, so two layers never disagree about whether texts are "the same".
 */

/**
 * Runs of whitespace and lone whitespace other than a space: the same result as replacing every
 * run, without rewriting the single spaces that are nearly all of a text's whitespace.
 */
const WHITESPACE_TO_FOLD = /\s{2,}|[^\S ]/g;

/** Every run of whitespace (line breaks too) made one space. */
export function whitespaceRunsToSpace(text: string): string {
  return text.replace(WHITESPACE_TO_FOLD, ' ');
}

/** NFKC-normalized, lower-cased text with runs of whitespace folded to one space. */
export function normalizeForComparison(text: string): string {
  return whitespaceRunsToSpace(text.normalize('NFKC').toLowerCase()).trim();
}
