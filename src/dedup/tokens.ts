import { normalizeForComparison } from '../text/fold.js';
import { segmenter } from '../text/segmenter.js';

/**
 * Function words too common to say anything about an event. Kept short on purpose
 * ("stopword-light"): IDF weighting does the rest.
 */
const STOPWORDS = new Set(
  [
    // English
    'the a an and or but of to in on at for from by with as is are was were be been has have had it its this that these those',
    'he she they we you i his her their our not no will would said says say after before over into than then also about more up out new',
    // German
    'der die das den dem des ein eine einen einem einer eines und oder aber zu im in am an auf für von vom mit als ist sind war waren',
    'wird werden wurde wurden hat haben hatte sich nicht auch bei nach aus um es sie er wir ihr dass noch nur so wie',
    // Russian
    'и в во на не что с со как а по к у о об из за от до это он она они мы вы его ее их был была были будет бы же ли',
    // French / Spanish (common in feeds)
    'le la les de du des un une et ou en au aux est sont pour par sur dans el los las del y que por para con',
  ]
    .join(' ')
    .split(' '),
);

/**
 * Words of alphabetic scripts are cut to their first six letters: a crude, language-free stemmer
 * that lets "rates"/"rate", "Lawine"/"Lawinenabgang" or "нефть"/"нефти" meet. On the labelled set
 * it lifted clustering B-cubed F1 by about half a point over whole words (5 to 8 letters measured).
 */
const STEM_LENGTH = 6;
const ALPHABETIC = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]+$/u;

const HIRAGANA_ONLY = /^[\p{Script=Hiragana}ー]+$/u;
const SINGLE_NON_HAN = /^[^\p{Script=Han}\p{N}]$/u;

/** Feeds send all sorts of language tags ("en_US", "English"); an unusable one means the default segmenter. */
function supportedLocale(language: string | undefined): string {
  try {
    return (language && Intl.Segmenter.supportedLocalesOf([language])[0]) || 'en';
  } catch {
    return 'en';
  }
}

/**
 * Content words of a text for clustering: Intl.Segmenter word segments (ICU segments Japanese
 * and Chinese by dictionary), NFKC and case-folded, without stopwords, hiragana-only
 * segments (Japanese particles and endings) and single non-Han characters; alphabetic words
 * are stemmed by truncation.
 */
export function contentTokens(text: string, language?: string): string[] {
  const tokens: string[] = [];
  for (const segment of segmenter(supportedLocale(language), 'word').segment(normalizeForComparison(text))) {
    if (!segment.isWordLike) continue;
    const token = segment.segment;
    if (STOPWORDS.has(token) || HIRAGANA_ONLY.test(token) || SINGLE_NON_HAN.test(token)) continue;
    tokens.push(ALPHABETIC.test(token) ? token.slice(0, STEM_LENGTH) : token);
  }
  return tokens;
}
