/**
 * The one text folding for comparison: feed normalization hashes content with it (exact
 * dedup), and fingerprints, short-text keys and clustering tokens all see the same folded
 * text, so two layers never disagree about whether texts are "the same".
 */

/** NFKC-normalized, lower-cased text with runs of whitespace folded to one space. */
export function normalizeForComparison(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}
