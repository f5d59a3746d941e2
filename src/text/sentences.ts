/**
 * Sentence boundaries: ICU's rules (Intl.Segmenter) plus the abbreviation suppressions ICU
 * itself would apply with `ss=standard`, which Node's Intl.Segmenter ignores. The
 * suppressions are CLDR's own lists (the `cldr-segments-full` package, the data ICU is built
 * from), so "U.S. Geological Survey" or "Mr. Smith" stays one sentence in every language CLDR
 * covers, without a hand-kept list.
 */
import { createRequire } from 'node:module';
import { segments } from './segmenter.js';

const require = createRequire(import.meta.url);

/**
 * Titles and company suffixes common in English news that CLDR's English list lacks (it has
 * "Mr." and "Capt." but not "Dr.", "Gov." or "Inc."). Initials and dotted acronyms need no
 * list: see endsOnAbbreviation.
 */
const ENGLISH_NEWS_ABBREVIATIONS = [
  'Dr.', 'Gov.', 'Sen.', 'Sens.', 'Gen.', 'Adm.', 'Cmdr.', 'Pres.', 'Supt.', 'Atty.', 'Sr.', 'Jr.', 'St.', 'Ste.', 'Ft.',
  'Inc.', 'Corp.', 'Co.', 'Ltd.', 'Bros.', 'No.', 'Nos.', 'etc.', 'approx.', 'vs.', 'Calif.', 'Fla.', 'Ariz.',
];

/** Where CLDR keeps the sentence-break suppressions of one language. */
interface CldrSuppressions {
  segments: { segmentations: { SentenceBreak?: { standard?: { suppression: string }[] } } };
}

const suppressionsByLanguage = new Map<string, ReadonlySet<string>>();

/** CLDR's suppressions for a primary language subtag; empty when CLDR has none for it. */
function cldrSuppressions(language: string): string[] {
  // The subtag comes from feeds: only a plain one may become part of a module path.
  if (!/^[a-z]{2,3}$/.test(language)) return [];
  try {
    const data = require(`cldr-segments-full/segments/${language}/suppressions.json`) as CldrSuppressions;
    return (data.segments.segmentations.SentenceBreak?.standard ?? []).map((entry) => entry.suppression);
  } catch {
    return [];
  }
}

/**
 * The abbreviations no sentence ends after, for a language: its own CLDR list plus the English
 * ones, since news in any language cites "U.S." or "Inc.", and joining one sentence too many
 * is harmless where splitting one too many is not.
 */
function abbreviationsFor(language: string): ReadonlySet<string> {
  let found = suppressionsByLanguage.get(language);
  if (!found) {
    found = new Set([...cldrSuppressions('en'), ...ENGLISH_NEWS_ABBREVIATIONS, ...(language === 'en' ? [] : cldrSuppressions(language))]);
    suppressionsByLanguage.set(language, found);
  }
  return found;
}

/** Brackets and quotes that may open a token ("(Mr." is "Mr."). */
const LEADING_OPENERS = /^[([{"'“‘«「『（]+/u;
/** "V." of "Vladimir V. Putin", "J." of "J. K. Rowling": one capital letter and a full stop. */
const INITIAL = /^\p{Lu}\.$/u;
/** "U.S.", "a.m.", "e.g.", "Ph.D.", "z.B.": letters and full stops, two groups or more. */
const DOTTED_ACRONYM = /^(?:\p{L}{1,2}\.){2,}$/u;
/** "3." of "am 3. März": languages that write ordinal numbers with a full stop. */
const ORDINAL_DOT_LANGUAGES = new Set(['cs', 'da', 'de', 'et', 'fi', 'hr', 'hu', 'is', 'lv', 'nb', 'nn', 'no', 'pl', 'sk', 'sl', 'sr', 'tr']);
const ORDINAL = /^\d{1,2}\.$/;

/**
 * Whether a text ends on a word after which no sentence ends: an initial, a dotted acronym, an
 * abbreviation of the language, or an ordinal number where the language writes one with a dot. A piece of text ending so is a fragment, never a sentence.
 */
export function endsOnAbbreviation(text: string, locale?: string): boolean {
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith('.')) return false;
  const token = trimmed.slice(lastWhitespace(trimmed) + 1).replace(LEADING_OPENERS, '');
  const language = locale?.split(/[-_]/)[0]?.toLowerCase() ?? 'en';
  if (ORDINAL_DOT_LANGUAGES.has(language) && ORDINAL.test(token)) return true;
  return INITIAL.test(token) || DOTTED_ACRONYM.test(token) || abbreviationsFor(language).has(token);
}

function lastWhitespace(text: string): number {
  for (let index = text.length - 1; index >= 0; index--) if (/\s/u.test(text[index]!)) return index;
  return -1;
}

/** Brackets and quotes whose pairs a sentence boundary may not fall between. */
const OPENERS = '([（「『【“«';
const CLOSERS = ')]）」』】”»';
/** A closing bracket at the end of a piece, and a piece that starts with hiragana: 「…。」と述べた continues. */
const ENDS_WITH_CLOSER = /[)\]）」』】”»]\s*$/u;
const STARTS_WITH_HIRAGANA = /^\s*\p{Script=Hiragana}/u;
/** ICU counts opening brackets as "Close" and leaves 「 of 。「 on the sentence before: they open the next one. */
const TRAILING_OPENERS = /[([（「『【“«]+$/u;

const ANY_BRACKET = /[()[\]（）「」『』【】“”«»]/u;

/** How far a piece of text opens brackets (positive) or closes them (negative). */
function bracketBalance(text: string): number {
  if (!ANY_BRACKET.test(text)) return 0;
  let balance = 0;
  for (const char of text) {
    if (OPENERS.includes(char)) balance += 1;
    else if (CLOSERS.includes(char)) balance -= 1;
  }
  return balance;
}

/**
 * Sentences of a plain text, trimmed, in order; each stands verbatim in the text. ICU's
 * boundaries are kept except where the piece before ends on an abbreviation or initial, where
 * a bracket or quote opened in the sentence is still open, and where Japanese goes on after a
 * closing quote (「…。」と述べた). A line break always ends a sentence.
 */
export function splitSentences(text: string, locale?: string): string[] {
  const sentences: string[] = [];
  let pending = '';
  let openBrackets = 0;
  const flush = () => {
    const sentence = pending.trim();
    if (sentence) sentences.push(sentence);
    pending = '';
    openBrackets = 0;
  };
  let carried = '';
  for (const piece of segments(text, locale, 'sentence')) {
    let segment = carried + piece.segment;
    const opening = TRAILING_OPENERS.exec(segment);
    carried = opening && opening.index > 0 ? opening[0] : '';
    if (carried) segment = segment.slice(0, -carried.length);
    // The end of what is pending decides; a sentence's last word is never 64 characters back.
    const tail = pending.slice(-64);
    const continues =
      pending !== '' &&
      !pending.endsWith('\n') &&
      (endsOnAbbreviation(tail, locale) || openBrackets > 0 || (ENDS_WITH_CLOSER.test(tail) && STARTS_WITH_HIRAGANA.test(segment)));
    if (!continues) flush();
    pending += segment;
    openBrackets = Math.max(0, openBrackets + bracketBalance(segment));
  }
  pending += carried;
  flush();
  return sentences;
}
