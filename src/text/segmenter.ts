/**
 * One cache of Intl.Segmenter instances for every layer that segments text (headline
 * fallbacks in normalization, clustering tokens, sentences, message splitting): building a
 * segmenter loads ICU data, so each (locale, granularity) is built once.
 */

const segmenters = new Map<string, Intl.Segmenter>();
/** Locales come from feeds, so anything may arrive: the cache forgets its oldest entry beyond this. */
const MAX_CACHED_SEGMENTERS = 64;

/** A cached segmenter; an unknown or malformed locale falls back to the root rules. */
export function segmenter(locale: string | undefined, granularity: 'sentence' | 'word' | 'grapheme'): Intl.Segmenter {
  const key = `${granularity}:${locale ?? 'und'}`;
  let found = segmenters.get(key);
  if (!found) {
    try {
      found = new Intl.Segmenter(locale ?? 'und', { granularity });
    } catch {
      found = new Intl.Segmenter('und', { granularity });
    }
    segmenters.set(key, found);
    if (segmenters.size > MAX_CACHED_SEGMENTERS) segmenters.delete(segmenters.keys().next().value!);
  }
  return found;
}

/** A segment of a text, its index counted in the whole text. */
export interface Segment {
  segment: string;
  index: number;
  isWordLike?: boolean;
}

/**
 * Node 20's V8 spends time proportional to the whole string on every step of an
 * Intl.Segmenter iterator (https://issues.chromium.org/issues/326176949): cutting an
 * 80,000-character article into words took 9 s, a cost that grows with the square of its length
 * or worse, and feeds carry whole articles. So text is segmented through windows of this many UTF-16 units.
 */
const SEGMENT_WINDOW = 1024;
/** Boundary rules look past a boundary: one found this close to a window's cut is left to the next window. */
const SEGMENT_LOOKAHEAD = 32;

/**
 * Whether a sentence boundary before `index` is settled once ICU has seen this character: after
 * a full stop, ICU reads on over digits, symbols and spaces to the next letter or terminator
 * to tell "etc. and" from a sentence's end.
 */
const SETTLES_SENTENCE = /[\p{L}\p{Sentence_Terminal}\n\r\u0085\u2029]/u;

/**
 * Where a window's trusted segments end: short of the window's end by the lookahead, and for
 * sentences no later than the last character that settles a boundary before it.
 */
function trustedEnd(text: string, start: number, end: number, granularity: Intl.SegmenterOptions['granularity']): number {
  let limit = end - SEGMENT_LOOKAHEAD;
  if (granularity === 'sentence') while (limit > start && !SETTLES_SENTENCE.test(text[limit]!)) limit--;
  return limit;
}

/**
 * The text's segments, as `segmenter(locale, granularity).segment(text)` gives them, found
 * window by window: each window starts where the last trusted segment ended. A segment longer
 * than a window is found in a window doubled until it holds it. `window` is for tests.
 */
export function* segments(
  text: string,
  locale: string | undefined,
  granularity: 'sentence' | 'word' | 'grapheme',
  window = SEGMENT_WINDOW,
): Generator<Segment> {
  const breaker = segmenter(locale, granularity);
  let start = 0;
  let size = window;
  while (start < text.length) {
    const end = Math.min(text.length, start + size);
    const trusted = end === text.length ? end : trustedEnd(text, start, end, granularity);
    let next = start;
    for (const { segment, index, isWordLike } of breaker.segment(text.slice(start, end))) {
      if (start + index + segment.length > trusted) break;
      yield { segment, index: start + index, ...(isWordLike !== undefined ? { isWordLike } : {}) };
      next = start + index + segment.length;
      // A doubled window is dropped after its one long segment: stepping on through it would cost its size per step.
      if (size > window) break;
    }
    size = next === start ? size * 2 : window;
    start = next;
  }
}
