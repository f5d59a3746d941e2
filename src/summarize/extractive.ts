import type { Item } from '../feeds/item.js';
import type { Story } from '../dedup/story.js';
import { dominantLanguage, isSpacelessLanguage, itemLanguage } from './language.js';
import { foldWhitespace, plainText } from './plain-text.js';
import { splitSentences } from '../text/sentences.js';
import { ITEM_TEXT_READ_CHARS } from '../text/bound.js';
import { isCompleteSentence, isUnpunctuatedEnding, truncateAtWord, words } from './sentences.js';
import { centrality, cosine, termVectors } from './centrality.js';
import { leansOnPrevious } from './openers.js';
import { isFillerSentence, isPlaceholderItem } from './placeholder.js';
import { addsFigure, restates, sentenceFacts, type SentenceFacts } from './restatement.js';

/** A bullet's text: a headline plus at most two whole sentences. */
export interface StorySummary {
  headline: string;
  summary: string;
  /** Primary language subtag of the text, when known ("ja", "en"). */
  language?: string;
}

/** Default budget for a summary, in UTF-16 code units (what Telegram counts). */
export const DEFAULT_SUMMARY_MAX_CHARS = 280;
/** Headlines longer than this are shortened at a word boundary. */
export const MAX_HEADLINE_CHARS = 200;

/** Lead sentences beyond this carry little news value and only slow the ranking down. */
const MAX_SENTENCES_PER_ITEM = 12;
const MAX_ITEMS = 12;
/** A sentence this similar to an already chosen one adds nothing new. */
const REDUNDANT_SIMILARITY = 0.35;
/** Only a near-restatement of the headline is skipped: a lead sentence usually shares its words. */
const RESTATES_HEADLINE = 0.7;
const MAX_SENTENCES = 2;
/**
 * How much an article's lead sentence is favoured over its centrality alone: news states its
 * point first, and LexRank by itself prefers sentences that merely repeat common words.
 */
const LEAD_WEIGHT = 2;

interface Candidate {
  text: string;
  /** Order of appearance (item, then position), to print chosen sentences in reading order. */
  order: number;
  /** Lead bias and repetition across outlets, as a prior for the ranking. */
  prior: number;
  /** 1 for an article's first sentence, ½ for its second, …: the best position it was seen at. */
  lead: number;
  /** Whole but without final punctuation: only one per summary, and last, or it would run into the next. */
  unpunctuated: boolean;
  /** Its words, segmented once: saysSomething weighs them, the term vectors are made of them. */
  words: string[];
}

/**
 * Headline = the most representative title; summary ≤ 2 sentences within maxChars, cut at
 * sentence ends (Intl.Segmenter sentence granularity, locale from the story's language),
 * centrality (LexRank-style over all items' sentences) with a lead bias, opening with the
 * headline article's lead or else a sentence that stands on its own, then one that does not
 * restate it (restatement.ts: the same figures with the same words); placeholders and promises
 * ("More to follow.") give nothing; never half a word, never HTML or entities; Japanese in →
 * Japanese out. `maxChars` counts UTF-16 code units.
 */
export function summarizeExtractive(story: Story, options: { maxChars?: number } = {}): StorySummary {
  const maxChars = options.maxChars ?? DEFAULT_SUMMARY_MAX_CHARS;
  const language = dominantLanguage(story.items);
  const items = itemsWithNews(itemsInLanguage(story.items, language)).slice(0, MAX_ITEMS);
  const texts = items.map((item) => readText(item, language));
  const { headline, lead } = pickHeadline(items, texts, language);
  const summary = pickSummary(texts, language, headline, lead, maxChars);
  return language ? { headline, summary, language } : { headline, summary };
}

/** Only items in the story's language feed its text, so a Japanese story never gets an English sentence. */
function itemsInLanguage(items: Item[], language: string | undefined): Item[] {
  const matching = items.filter((item) => {
    const own = itemLanguage(item);
    return own === undefined || own === language;
  });
  return matching.length > 0 ? matching : items;
}

/** An item's text as a summary reads it: plain, split into sentences once for the headline's lead and the candidates. */
interface ReadText {
  text: string;
  sentences: string[];
  /** Longer than ITEM_TEXT_READ_CHARS, so read only that far: its last sentence is the one the cut hit. */
  cut: boolean;
}

/** The lead is what matters: a huge text is read only ITEM_TEXT_READ_CHARS far. */
function readText(item: Item, language: string | undefined): ReadText {
  const cut = item.text.length > ITEM_TEXT_READ_CHARS;
  const text = plainText(cut ? item.text.slice(0, ITEM_TEXT_READ_CHARS) : item.text);
  return { text, sentences: splitSentences(text, language), cut };
}

/** A placeholder ("地震情報 / 続報をお待ちください。") counts as a source but gives no headline or sentence when a real report is there. */
function itemsWithNews(items: Item[]): Item[] {
  const reports = items.filter((item) => !isPlaceholderItem(item));
  return reports.length > 0 ? reports : items;
}

/**
 * The title sharing the most words with the story's other titles (the earliest on a tie), and
 * the first sentence of that article: the lead the summary prefers to open with, so headline and
 * summary tell the same article's story.
 */
function pickHeadline(items: Item[], texts: ReadText[], language: string | undefined): { headline: string; lead?: string } {
  const titled = items.map((item, i) => ({ text: texts[i]!, title: foldWhitespace(plainText(item.title)) })).filter(({ title }) => title.length > 0);
  if (titled.length === 0) {
    const firstSentence = items.map((item) => splitSentences(plainText(item.text), language)[0]).find(Boolean);
    return { headline: truncateAtWord(firstSentence ?? '', MAX_HEADLINE_CHARS, language) };
  }
  const vectors = termVectors(titled.map(({ title }) => words(title, language)));
  let best = 0;
  let bestScore = -1;
  vectors.forEach((vector, i) => {
    const score = vectors.reduce((sum, other, j) => (i === j ? sum : sum + cosine(vector, other)), 0);
    if (score > bestScore + 1e-9) {
      best = i;
      bestScore = score;
    }
  });
  const { text, title } = titled[best]!;
  const lead = text.sentences[0];
  return { headline: truncateAtWord(title, MAX_HEADLINE_CHARS, language), ...(lead !== undefined ? { lead } : {}) };
}

function pickSummary(texts: ReadText[], language: string | undefined, headline: string, lead: string | undefined, maxChars: number): string {
  const candidates = collectCandidates(texts, language, maxChars);
  if (candidates.length === 0) return '';
  const vectors = termVectors([words(headline, language), ...candidates.map((c) => c.words)]);
  const headlineVector = vectors[0]!;
  const sentenceVectors = vectors.slice(1);
  const centralities = centrality(sentenceVectors, candidates.map((c) => c.prior));
  const scores = centralities.map((value, i) => value * (1 + LEAD_WEIGHT * candidates[i]!.lead));
  const joiner = isSpacelessLanguage(language) ? '' : ' ';

  const leaning = candidates.map((candidate) => leansOnPrevious(candidate.text, language));
  const chosen: number[] = [];
  let length = 0;
  const fits = (index: number) => {
    const candidate = candidates[index]!;
    const extra = candidate.text.length + (chosen.length > 0 ? joiner.length : 0);
    if (length + extra > maxChars) return false;
    const vector = sentenceVectors[index]!;
    if (cosine(vector, headlineVector) >= RESTATES_HEADLINE) return false;
    if (chosen.some((other) => cosine(vector, sentenceVectors[other]!) >= REDUNDANT_SIMILARITY)) return false;
    return !(candidate.unpunctuated && chosen.some((other) => candidates[other]!.unpunctuated));
  };
  const choose = (index: number) => {
    length += candidates[index]!.text.length + (chosen.length > 0 ? joiner.length : 0);
    chosen.push(index);
  };
  const ranked = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  // The summary opens with a sentence that stands on its own: the headline article's lead when it
  // fits and says more than the headline, else the best one that does. A "However, …" or
  // "同社は…" may only follow it (and is used alone only when nothing else stands on its own).
  const standsAlone = (index: number) => !leaning[index] && fits(index);
  const headlineLead = candidates.findIndex((candidate) => candidate.text === lead);
  const opener = headlineLead >= 0 && standsAlone(headlineLead) ? headlineLead : ranked.find(standsAlone);
  if (opener !== undefined) choose(opener);
  // A sentence restating a chosen one's fact (another outlet's "Admissions fell to 1,284 on
  // Monday, …" after the ministry's "1,284 new admissions on Monday") spends the reader's time on
  // what they just read, even when it goes on to add something: the next-best sentence that
  // tells something else is taken instead. Only when none fits is a restatement used, and only
  // one bringing a figure of its own (a new fact worth the repetition); else one sentence it is.
  const facts = new Map<number, SentenceFacts>();
  const factsOf = (index: number) => facts.get(index) ?? facts.set(index, sentenceFacts(candidates[index]!.text, language)).get(index)!;
  const chosenFacts = () => chosen.map(factsOf);
  const tellsSomethingElse = (index: number) => !chosenFacts().some((other) => restates(factsOf(index), other));
  const bringsAFigure = (index: number) => addsFigure(factsOf(index), chosenFacts());
  for (const wanted of [tellsSomethingElse, bringsAFigure]) {
    for (const index of ranked) {
      if (chosen.length === MAX_SENTENCES) break;
      if (!chosen.includes(index) && fits(index) && wanted(index)) choose(index);
    }
  }
  return chosen
    .sort((a, b) => printOrder(candidates[a]!, leaning[a]!, candidates[b]!, leaning[b]!))
    .map((index) => candidates[index]!.text)
    .join(joiner);
}

/**
 * The order chosen sentences are printed in. A sentence without final punctuation goes last (it
 * would run into the next); one leaning on an earlier sentence goes after one that does not; then
 * an article's lead before any later sentence (the lead with the figure before "Most cases are
 * in unvaccinated children", which explains it, even when the two come from different outlets);
 * then the order they were read in.
 */
function printOrder(a: Candidate, aLeans: boolean, b: Candidate, bLeans: boolean): number {
  return Number(a.unpunctuated) - Number(b.unpunctuated) || Number(aLeans) - Number(bLeans) || b.lead - a.lead || a.order - b.order;
}

/**
 * Whole sentences that could stand in a summary: complete (no publisher's "…"), long enough to
 * say something, short enough for the budget. Many feeds write one-line teasers without a final
 * full stop; the last sentence of a one-line text counts as whole when it ends in a word. A sentence repeated by several outlets is kept once
 * with a stronger prior.
 */
function collectCandidates(texts: ReadText[], language: string | undefined, maxChars: number): Candidate[] {
  const byText = new Map<string, Candidate>();
  let order = 0;
  for (const { text: itemText, sentences: read, cut } of texts) {
    // Minus the sentence the cut hit (see readText).
    const sentences = cut ? read.slice(0, -1) : read;
    const teaser = !cut && !itemText.includes('\n') ? sentences.at(-1) : undefined;
    sentences.slice(0, MAX_SENTENCES_PER_ITEM).forEach((text, position) => {
      order += 1;
      const unpunctuated = !isCompleteSentence(text, language);
      if (unpunctuated && !(text === teaser && isUnpunctuatedEnding(text))) return;
      if (text.length > maxChars) return;
      // Lead bias: news puts the point first, so earlier sentences start ahead.
      const lead = 1 / (1 + position);
      const seen = byText.get(text);
      // A text already kept passed the checks below, which depend on the text alone.
      if (seen) {
        seen.prior += lead;
        seen.lead = Math.max(seen.lead, lead);
        return;
      }
      const tokens = words(text, language);
      if (!saysSomething(text, tokens, language) || isFillerSentence(text)) return;
      byText.set(text, { text, order, prior: lead, lead, unpunctuated, words: tokens });
    });
  }
  return [...byText.values()];
}

/** Bylines, datelines and "Read more." are not sentences worth a reader's time (nor "More to follow.": isFillerSentence). */
function saysSomething(sentence: string, sentenceWords: string[], language: string | undefined): boolean {
  return isSpacelessLanguage(language) ? sentence.length >= 8 : sentenceWords.length >= 4;
}
