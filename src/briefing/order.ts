/**
 * The order a reader meets the bullets in (what makes the briefing is decided before, by
 * pickBullets). Three rules, each simple enough to predict from the briefing itself:
 *
 * 1. ❗️ top stories first: a bullet marked important never follows an ordinary one.
 * 2. Within that tier, the most-covered first (storyStanding); on a tie, the newest first, since
 *    a briefing is read for what is new.
 * 3. A recurring series (the daily flu bulletin, the market close, 「日経平均終値、…」) stays
 *    together, newest installment first, at the place of its best-placed installment: read by
 *    coverage alone, Tuesday's bulletin (two outlets) came before Monday's and Wednesday's (one),
 *    so the days read out of order. Installments are recognised by their titles beginning alike
 *    once numbers are set aside (see sameSeries); two stories that merely begin with the same
 *    three words end up side by side too, which costs a reader nothing.
 */
import type { Story } from '../dedup/story.js';
import { itemLanguage } from '../summarize/language.js';
import { words } from '../summarize/sentences.js';

/** What ordering needs of a chosen story. */
export interface OrderedStory {
  story: Story;
  standing: number;
  important: boolean;
}

/**
 * Words two titles must share at their start, numbers apart, to be installments of one series:
 * "Influenza update: N new hospital admissions…", "Stocks close: S&P 500 …", "日経平均終値、…".
 */
const SERIES_PREFIX_WORDS = 3;
/** Stands for any word with a digit in a title's template ("1,197", "2.7", "12日" → "#"). */
const NUMBER = '#';

/** A story's first report: when the news first appeared, which a later reprint does not change. */
function firstReported(story: Story): number {
  const times = story.items.map((item) => Date.parse(item.publishedAt)).filter((time) => !Number.isNaN(time));
  return times.length > 0 ? Math.min(...times) : 0;
}

/**
 * What a title's series is known by: its words up to the SERIES_PREFIX_WORDS-th that is not a
 * number, numbers masked ("influenza update # new"); none for a shorter title. Two titles begin
 * with the same words, that many of them not numbers, exactly when their keys are equal, so
 * series are found by looking keys up rather than by comparing every pair of titles.
 */
function seriesKey(title: string, language: string | undefined): string | undefined {
  const prefix: string[] = [];
  let named = 0;
  for (const word of words(title, language)) {
    const isNumber = /\p{N}/u.test(word);
    prefix.push(isNumber ? NUMBER : word);
    if (!isNumber) named += 1;
    if (named === SERIES_PREFIX_WORDS) return prefix.join(' ');
  }
  return undefined;
}

/** The series keys of a story's titles (each title once). */
function storySeriesKeys(story: Story): string[] {
  const distinct = new Map(story.items.map((item) => [item.title, item]));
  return [...distinct.values()].flatMap((item) => seriesKey(item.title, itemLanguage(item)) ?? []);
}

/** Whether two stories are installments of one recurring series: some title of each begins like one of the other. */
export function sameSeries(a: Story, b: Story): boolean {
  const theirs = new Set(storySeriesKeys(b));
  return storySeriesKeys(a).some((key) => theirs.has(key));
}

/** The chosen stories in reading order (see the module comment); a new array. */
export function readingOrder<T extends OrderedStory>(chosen: readonly T[]): T[] {
  const time = new Map(chosen.map((candidate) => [candidate, firstReported(candidate.story)]));
  const newestFirst = (a: T, b: T) => time.get(b)! - time.get(a)! || a.story.id.localeCompare(b.story.id);
  const ranked = [...chosen].sort((a, b) => Number(b.important) - Number(a.important) || b.standing - a.standing || newestFirst(a, b));
  const keys = new Map(ranked.map((candidate) => [candidate, storySeriesKeys(candidate.story)]));
  // The stories of each tier by series key, to find a story's fellow installments without comparing every pair.
  const byKey = new Map<string, T[]>();
  for (const candidate of ranked) {
    for (const key of keys.get(candidate)!) {
      const tierKey = `${candidate.important}|${key}`;
      const fellows = byKey.get(tierKey);
      if (fellows) fellows.push(candidate);
      else byKey.set(tierKey, [candidate]);
    }
  }
  const ordered: T[] = [];
  const placed = new Set<T>();
  for (const candidate of ranked) {
    if (placed.has(candidate)) continue;
    // The series this story opens: every story of its tier linked to it through titles begun alike.
    const series = [candidate];
    placed.add(candidate);
    for (let i = 0; i < series.length; i += 1) {
      for (const key of keys.get(series[i]!)!) {
        for (const other of byKey.get(`${candidate.important}|${key}`)!) {
          if (placed.has(other)) continue;
          series.push(other);
          placed.add(other);
        }
      }
    }
    ordered.push(...series.sort(newestFirst));
  }
  return ordered;
}
