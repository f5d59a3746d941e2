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

/** A title's words with every number replaced by NUMBER, so installments of a series compare equal. */
function titleTemplate(title: string, language: string | undefined): string[] {
  return words(title, language).map((word) => (/\p{N}/u.test(word) ? NUMBER : word));
}

/** Whether two templates begin with the same words, at least SERIES_PREFIX_WORDS of them not numbers. */
function beginAlike(a: string[], b: string[]): boolean {
  let shared = 0;
  for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i += 1) {
    if (a[i] !== NUMBER) shared += 1;
    if (shared >= SERIES_PREFIX_WORDS) return true;
  }
  return false;
}

/** A story's distinct title templates. */
function storyTemplates(story: Story): string[][] {
  const distinct = new Map(story.items.map((item) => [item.title, item]));
  return [...distinct.values()].map((item) => titleTemplate(item.title, itemLanguage(item)));
}

function templatesBeginAlike(a: string[][], b: string[][]): boolean {
  return a.some((mine) => b.some((other) => beginAlike(mine, other)));
}

/** Whether two stories are installments of one recurring series: some title of each begins like one of the other. */
export function sameSeries(a: Story, b: Story): boolean {
  return templatesBeginAlike(storyTemplates(a), storyTemplates(b));
}

/** The chosen stories in reading order (see the module comment); a new array. */
export function readingOrder<T extends OrderedStory>(chosen: readonly T[]): T[] {
  const time = new Map(chosen.map((candidate) => [candidate, firstReported(candidate.story)]));
  const templates = new Map(chosen.map((candidate) => [candidate, storyTemplates(candidate.story)]));
  const newestFirst = (a: T, b: T) => time.get(b)! - time.get(a)! || a.story.id.localeCompare(b.story.id);
  const ranked = [...chosen].sort((a, b) => Number(b.important) - Number(a.important) || b.standing - a.standing || newestFirst(a, b));
  const ordered: T[] = [];
  const placed = new Set<T>();
  for (const candidate of ranked) {
    if (placed.has(candidate)) continue;
    // The series this story opens: every story of its tier linked to it through titles begun alike.
    const series = [candidate];
    placed.add(candidate);
    for (let i = 0; i < series.length; i += 1) {
      for (const other of ranked) {
        if (!placed.has(other) && other.important === candidate.important && templatesBeginAlike(templates.get(series[i]!)!, templates.get(other)!)) {
          series.push(other);
          placed.add(other);
        }
      }
    }
    ordered.push(...series.sort(newestFirst));
  }
  return ordered;
}
