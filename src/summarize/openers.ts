/**
 * Sentences that lean on one before them: "It was the third drop in a row.", "However, …",
 * "同社は…", "これに対し…", "此外，…", "Dabei …". Such a sentence may follow another in a summary
 * but must not open it, where the reader has nothing for "it" or "however" to refer to.
 * Lists for English, German, Japanese and Chinese (simplified and traditional), the languages
 * Herald speaks or reads most; in other languages no sentence counts as leaning.
 */
import { words } from './sentences.js';

/** First words (lower-cased) that point back: pronouns, demonstratives, connectives. */
const LEANING_FIRST_WORDS: Record<string, ReadonlySet<string>> = {
  en: new Set([
    'it', 'its', "it's", 'this', 'these', 'those', 'they', 'their', 'them', 'he', 'she', 'his', 'her', 'him', 'but', 'and', 'or', 'also',
    'however', 'meanwhile', 'still', 'yet', 'moreover', 'furthermore', 'besides', 'instead', 'nevertheless', 'nonetheless', 'thus',
    'therefore', 'hence', 'then', 'such', 'another', 'otherwise', 'likewise', 'similarly', 'consequently', 'accordingly',
  ]),
  de: new Set([
    'er', 'sie', 'es', 'dies', 'diese', 'dieser', 'dieses', 'diesem', 'diesen', 'damit', 'dabei', 'dazu', 'davon', 'darauf', 'daraufhin',
    'darüber', 'deshalb', 'daher', 'deswegen', 'dennoch', 'trotzdem', 'aber', 'doch', 'jedoch', 'allerdings', 'außerdem', 'zudem',
    'ebenfalls', 'auch', 'derweil', 'unterdessen', 'indes', 'sein', 'seine', 'seiner', 'ihr', 'ihre', 'ihrer', 'und', 'oder',
  ]),
};

/** Two-word openers of the same kind: "In addition", "As a result", "Zum anderen"… */
const LEANING_FIRST_PAIRS: Record<string, ReadonlySet<string>> = {
  en: new Set(['in addition', 'as a result', 'even so', 'in turn', 'by contrast', 'in contrast', 'the latter']),
  de: new Set(['im gegenzug', 'zum anderen', 'vor allem', 'im übrigen']),
};

/**
 * Two-word openers that start with a leaning word yet name a time, pointing at the calendar and
 * not at an earlier sentence: "This week, the ministry said…", "This year's harvest…", "Diese
 * Woche …". They override the first word. ("This fall in prices…" is read as the season too: a rare
 * miss beside the common "This fall, …".)
 */
const STANDING_FIRST_PAIRS: Record<string, ReadonlySet<string>> = {
  en: new Set([
    ...['week', 'morning', 'afternoon', 'evening', 'weekend', 'month', 'quarter', 'year', 'season', 'spring', 'summer', 'autumn', 'fall', 'winter'].map((time) => `this ${time}`),
    'these days',
  ]),
  de: new Set([
    'diese woche', 'dieses jahr', 'dieses frühjahr', 'dieses wochenende', 'diesen monat', 'diesen sommer', 'diesen herbst', 'diesen winter', 'diesen frühling',
    'dieser tage',
  ]),
};

/** "year's" → "year": a possessive time ("This year's harvest…") stands as the bare one does. */
const withoutPossessive = (word: string) => word.replace(/['’]s$/u, '');

/**
 * Japanese and Chinese run words together, so openers are prefixes. 同社・同氏・同日… ("the said
 * company, person, day") refer back by definition.
 */
const LEANING_PREFIXES: Record<string, RegExp> = {
  ja: /^(?:これ|それ|あれ|この|その|あの|こうした|そうした|こう|そう|また|しかし|ただ[、,し]|なお|さらに|一方|だが|でも|そして|それでも|このため|そのため|彼女|彼(?:は|が|の|ら|を|に)|同(?:社|氏|日|市|町|村|県|府|都|国|党|省|庁|局|署|校|容疑者|被告|選手|チーム|大|機))/u,
  zh: /^(?:他们|她们|它们|他們|她們|它們|他|她|它|这些|這些|这|這|那些|那个|那個|此外|此|该|該|其|但是|但|而且|而|不过|不過|然而|另外|同时|同時|因此|所以|并且|並且|对此|對此)/u,
};

/** Whether a sentence opens by pointing back at an earlier one, in the given language. */
export function leansOnPrevious(sentence: string, language: string | undefined): boolean {
  if (language === undefined) return false;
  const prefix = LEANING_PREFIXES[language];
  if (prefix) return prefix.test(sentence.trimStart());
  const firstWords = LEANING_FIRST_WORDS[language];
  if (!firstWords) return false;
  const [first, second] = words(sentence.slice(0, 60), language);
  if (first === undefined) return false;
  const pair = second === undefined ? undefined : `${first} ${withoutPossessive(second)}`;
  if (pair !== undefined && STANDING_FIRST_PAIRS[language]!.has(pair)) return false;
  return firstWords.has(first) || (pair !== undefined && LEANING_FIRST_PAIRS[language]!.has(pair));
}
