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
