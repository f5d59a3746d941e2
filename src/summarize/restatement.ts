/**
 * Whether one sentence restates another's fact: "Flu hospital admissions fell to 1,284 on
 * Monday, …" after "The Ministry of Health reported 1,284 new hospital admissions for influenza
 * on Monday, …". Word overlap (cosine of tf-idf vectors) misses it: the second outlet words the
 * same fact differently and goes on to add words of its own. A fact in news is a figure with the
 * words around it, so the figures carry the comparison.
 */
import { contentTokens } from '../dedup/tokens.js';
import { normalizeForComparison } from '../text/fold.js';

/** What a sentence states: its figures (normalized values, dates and times left out) and its content words. */
export interface SentenceFacts {
  figures: Set<string>;
  words: Set<string>;
}

/**
 * A figure: digits with thousands separators and decimals, in Japanese and Chinese with 兆/億/万
 * groups ("14万1796" = 141796, "3万6819", "260亿"), in English optionally scaled by a word ("2 million"). Not
 * inside a name like "G7" or "COVID-19" (a Latin letter or hyphen before it; kana and kanji before a figure are just the sentence).
 */
const FIGURE = /(?<![\p{Script=Latin}\d.,-])((?:\d[\d,]*(?:\.\d+)?[兆億亿萬万])*\d[\d,]*(?:\.\d+)?[兆億亿萬万]?)(?:\s*(million|billion|trillion)\b)?/gu;
/** Myriad groups of Japanese and Chinese (億 and 亿, 万 and 萬 are the same unit in other scripts). */
const MYRIAD_UNITS: Record<string, number> = { 兆: 1e12, 億: 1e8, 亿: 1e8, 萬: 1e4, 万: 1e4 };
const SCALE_WORDS: Record<string, number> = { million: 1e6, billion: 1e9, trillion: 1e12 };
/**
 * A Japanese date or clock figure ("10日", "11時14分", "2025年", "3月"): it says when, not what.
 * A duration ("30日間", "8時間") is a fact.
 */
const JAPANESE_DATE_UNIT = /^[年月日時分秒](?!間)/u;
const MONTHS = /\b(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s*$/u;
/** A plain four-digit year ("since September 2022"): when, not what. */
const YEAR = /^(?:19|20)\d\d$/u;
const HAS_DIGIT = /\p{N}/u;
const MYRIAD_UNIT = /^[兆億亿萬万]+$/u;

/** The value of "14万1796", "1,284" or "2.7" (with an optional English scale word) as a canonical string. */
function figureValue(written: string, scale: string | undefined): string {
  let total = 0;
  let rest = written.replaceAll(',', '');
  for (const [, digits, unit] of rest.matchAll(/(\d+(?:\.\d+)?)([兆億亿萬万])/gu)) total += Number(digits) * MYRIAD_UNITS[unit!]!;
  rest = rest.replace(/\d+(?:\.\d+)?[兆億亿萬万]/gu, '');
  total += rest === '' ? 0 : Number(rest);
  // toPrecision: "3.3万" and "33,000" meet despite floating-point noise in the product.
  return String(Number((total * (scale ? SCALE_WORDS[scale]! : 1)).toPrecision(12)));
}

/**
 * The figures and content words of a sentence (folded for comparison first: NFKC, so full-width
 * "１，２８４" is 1284; its whitespace runs made one space, which no figure pattern tells apart).
 */
export function sentenceFacts(sentence: string, language: string | undefined): SentenceFacts {
  const text = normalizeForComparison(sentence);
  const figures = new Set<string>();
  for (const match of text.matchAll(FIGURE)) {
    const written = match[1]!;
    const after = text.slice(match.index + match[0].length);
    const before = text.slice(0, match.index);
    const isDate = JAPANESE_DATE_UNIT.test(after) || after.startsWith(':') || before.endsWith(':') || MONTHS.test(before) || YEAR.test(written);
    if (!isDate) figures.add(figureValue(written, match[2]));
  }
  // Words count only beside a shared figure (restates), so a sentence with none needs no tokens.
  if (figures.size === 0) return { figures, words: new Set() };
  const words = new Set(contentTokens(sentence, language).filter((token) => !HAS_DIGIT.test(token) && !MYRIAD_UNIT.test(token)));
  return { figures, words };
}

/**
 * Two figures in common, or one and two content words ("1,284" with "hospital" and
 * "admissions"): the same fact told again. One shared figure alone is not enough (the S&P 500
 * or a death toll is named by sentences that say something else about it), nor are shared
 * words alone (that is what the word-overlap check is for).
 */
const SHARED_FIGURES_ALONE = 2;
const SHARED_WORDS_WITH_FIGURE = 2;

function sharedCount(a: Set<string>, b: Set<string>): number {
  let count = 0;
  for (const value of a) if (b.has(value)) count += 1;
  return count;
}

/** Whether the two sentences state the same fact (symmetric). */
export function restates(a: SentenceFacts, b: SentenceFacts): boolean {
  const figures = sharedCount(a.figures, b.figures);
  return figures >= SHARED_FIGURES_ALONE || (figures >= 1 && sharedCount(a.words, b.words) >= SHARED_WORDS_WITH_FIGURE);
}

/** Whether a sentence has a figure none of the others has: a new fact, even when it repeats an old one. */
export function addsFigure(facts: SentenceFacts, others: SentenceFacts[]): boolean {
  return [...facts.figures].some((figure) => others.every((other) => !other.figures.has(figure)));
}
