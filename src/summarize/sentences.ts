/**
 * Sentence and word segmentation with Intl.Segmenter, so Japanese 。, Chinese, Russian and
 * English all split by the same ICU rules rather than by a hand-made regex.
 */
import { segmenter } from '../text/segmenter.js';

/**
 * Abbreviations that ICU's plain sentence rules end a sentence after ("Mr. Smith"): a segment
 * ending in one of these is joined to the next.
 */
const ABBREVIATION_AT_END = /(?:^|[\s(])(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Gen|Gov|Sen|Rep|Lt|Col|Sgt|Capt|Mt|No|Nr|vs|etc|Inc|Corp|Ltd|Co|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|z\.B|d\.h|u\.a|bzw|ca|S)\.\s*$/;

/** Sentences of a plain text, trimmed, in order. */
export function splitSentences(text: string, locale?: string): string[] {
  const sentences: string[] = [];
  let pending = '';
  for (const { segment } of segmenter(locale, 'sentence').segment(text)) {
    pending += segment;
    if (ABBREVIATION_AT_END.test(pending)) continue;
    const sentence = pending.trim();
    if (sentence) sentences.push(sentence);
    pending = '';
  }
  const rest = pending.trim();
  if (rest) sentences.push(rest);
  return sentences;
}

/** Word-like segments, lower-cased (NFKC, so full-width Latin and digits match their ASCII forms). */
export function words(text: string, locale?: string): string[] {
  const out: string[] = [];
  for (const { segment, isWordLike } of segmenter(locale, 'word').segment(text.normalize('NFKC'))) {
    if (isWordLike) out.push(segment.toLowerCase());
  }
  return out;
}

/** Closing quotes and brackets that may follow a sentence's final punctuation. */
const TRAILING_CLOSERS = /[\s"'”’»」』）)\]】]+$/u;

/**
 * Whether a sentence really ends: final punctuation, and not an ellipsis or "[…]" that marks a
 * feed's truncated excerpt (a sentence cut by the publisher is still half a sentence).
 */
export function isCompleteSentence(sentence: string): boolean {
  const core = sentence.replace(TRAILING_CLOSERS, '');
  if (/(\.\.\.|…)$/u.test(core)) return false;
  return /[.!?。！？．｡]$/u.test(core);
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
    for (const { segment, index } of segmenter(locale, granularity).segment(text)) {
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
