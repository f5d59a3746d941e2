/**
 * What summaries need of sentences beyond splitting them (src/text/sentences.ts): words for
 * ranking, whether a sentence really ends, and cutting headlines at a word.
 */
import { segments } from '../text/segmenter.js';
import { endsOnAbbreviation } from '../text/sentences.js';

/** Word-like segments, lower-cased (NFKC, so full-width Latin and digits match their ASCII forms). */
export function words(text: string, locale?: string): string[] {
  const out: string[] = [];
  for (const { segment, isWordLike } of segments(text.normalize('NFKC'), locale, 'word')) {
    if (isWordLike) out.push(segment.toLowerCase());
  }
  return out;
}

/** Closing quotes and brackets that may follow a sentence's final punctuation. */
const TRAILING_CLOSERS = /[\s"'”’»」』）)\]】]+$/u;

/**
 * Whether a sentence really ends: final punctuation, and not an ellipsis or "[…]" that marks a
 * feed's truncated excerpt (a sentence cut by the publisher is still half a sentence), nor an
 * abbreviation or initial ("the U.S.", "Vladimir V."), which marks a fragment.
 */
export function isCompleteSentence(sentence: string, locale?: string): boolean {
  const core = sentence.replace(TRAILING_CLOSERS, '');
  if (/(\.\.\.|…)$/u.test(core)) return false;
  return /[.!?。！？．｡]$/u.test(core) && !endsOnAbbreviation(core, locale);
}

/**
 * The longest prefix of `text` within `maxChars` (UTF-16 units, ellipsis included) that ends at a
 * word boundary, followed by "…". For headlines and titles only: summaries are never cut.
 */
export function truncateAtWord(text: string, maxChars: number, locale?: string): string {
  if (text.length <= maxChars) return text;
  const budget = maxChars - 1;
  const lastEnd = (granularity: 'word' | 'grapheme'): number => {
    let end = 0;
    for (const { segment, index } of segments(text, locale, granularity)) {
      if (index + segment.length > budget) break;
      end = index + segment.length;
    }
    return end;
  };
  // One giant "word" (a long token without spaces) falls back to whole graphemes, never half a surrogate pair.
  const end = lastEnd('word') || lastEnd('grapheme');
  return `${text.slice(0, end).trimEnd()}…`;
}

/**
 * Whether a sentence without final punctuation ends the way a finished teaser does: on a letter,
 * digit or closing bracket, not on a comma, dash, colon or ellipsis that marks a cut.
 */
export function isUnpunctuatedEnding(sentence: string): boolean {
  return /[\p{L}\p{N}"'”’»」』）)\]】%]$/u.test(sentence.trimEnd());
}
