import { storySources, type Story } from '../dedup/story.js';
import type { KeywordMatcher } from './keywords.js';
import { ITEM_TEXT_READ_CHARS } from '../text/bound.js';

/** Ranking inputs that do not depend on the story. */
export interface RankingContext {
  now: Date;
  /** Weight per feed id (1 when absent). */
  feedWeights?: Record<string, number>;
  boosts: KeywordMatcher;
}

/** Hours after which a story's recency counts half. */
const RECENCY_HALF_LIFE_HOURS = 12;
/** Share of the score that never decays, so a big story from yesterday still beats today's trivia. */
const TIMELESS_SHARE = 0.25;
const BOOST_FACTOR = 2;

/** What keyword patterns are matched against: every title, category and text (as far as readers read it: a story is about what its lead says) of the story. */
export function storyText(story: Story): string {
  return story.items.map((item) => `${item.title}\n${item.categories.join(' ')}\n${item.text.slice(0, ITEM_TEXT_READ_CHARS)}`).join('\n');
}

/** The time a story last changed: `updatedAt`, else its newest item. */
export function storyTime(story: Story): number {
  const updated = Date.parse(story.updatedAt);
  if (!Number.isNaN(updated)) return updated;
  return Math.max(0, ...story.items.map((item) => Date.parse(item.publishedAt)).filter((t) => !Number.isNaN(t)));
}

/**
 * How much a story counts regardless of its age: more distinct sources, heavier feeds and boost
 * keywords all raise it. Sources count logarithmically so ten reprints do not bury everything
 * else. Bullets are listed in this order: the most-covered stories first.
 */
export function storyStanding(story: Story, context: RankingContext, text = storyText(story)): number {
  const sources = Math.max(1, storySources(story).length);
  const weight = Math.max(...story.items.map((item) => context.feedWeights?.[item.feedId] ?? 1));
  const boost = context.boosts.matches(text) ? BOOST_FACTOR : 1;
  return weight * boost * (1 + Math.log2(sources));
}

/** A story's rank score, which decides what makes the briefing: its standing, less as it ages. */
export function storyScore(story: Story, context: RankingContext, text = storyText(story)): number {
  const ageHours = Math.max(0, (context.now.getTime() - storyTime(story)) / 3_600_000);
  const recency = TIMELESS_SHARE + (1 - TIMELESS_SHARE) * 0.5 ** (ageHours / RECENCY_HALF_LIFE_HOURS);
  return storyStanding(story, context, text) * recency;
}

/** How the bullets are drawn from the ranked stories; defaults chosen on the UCI news dev set (bench/story-quality.bench.ts). */
export interface PickTuning {
  /** Each bullet a feed already has multiplies the score of its next story by this: the day, not one feed. */
  feedRepeatFactor: number;
  /**
   * Stories carried by fewer outlets than this share of the best-covered story's are left out.
   * It only bites on large streams (2 sources once the lead story has 34): there a story one outlet
   * carries while the lead story is in a hundred is nearly always a stray angle on a bigger one.
   */
  coverageFloorShare: number;
  /** A story this similar to one already in the briefing (centroid cosine)… */
  echoSimilarity: number;
  /** …and carried by fewer than this share of that story's outlets is an echo of it: left out, not a second bullet. */
  echoSourcesShare: number;
}

export const DEFAULT_PICK_TUNING: PickTuning = {
  feedRepeatFactor: 0.5,
  coverageFloorShare: 0.03,
  echoSimilarity: 0.1,
  echoSourcesShare: 0.5,
};

/** A ranked story as pickBullets sees it. */
export interface RankedStory {
  story: Story;
  section: string;
  score: number;
}

export interface PickLimits {
  maxBullets: number;
  maxPerSection?: number;
  /** Centroid similarity of two stories (see mergeSimilarStories); without it no story counts as an echo. */
  similarity?: (a: Story, b: Story) => number;
}

/**
 * Draws the bullets from stories ranked best first: one at a time, the best score after the
 * feed-repeat discount (a story counts against the least used of its feeds, so a story many
 * outlets carry is never held back); stories under the coverage floor, over a section's cap, or
 * echoing a bigger story already drawn are cut. Returns the chosen in the order drawn.
 */
export function pickBullets<T extends RankedStory>(ranked: T[], limits: PickLimits, tuning: PickTuning = DEFAULT_PICK_TUNING): { chosen: T[]; cut: Story[] } {
  const sourcesOf = new Map(ranked.map((candidate) => [candidate.story, storySources(candidate.story).length]));
  const floor = Math.max(0, ...sourcesOf.values()) * tuning.coverageFloorShare;
  const cut: Story[] = [];
  const remaining = ranked.filter((candidate) => {
    if (sourcesOf.get(candidate.story)! >= floor) return true;
    cut.push(candidate.story);
    return false;
  });
  const feedsOf = new Map(ranked.map((candidate) => [candidate.story, [...new Set(candidate.story.items.map((item) => item.feedId))]]));
  const feedBullets = new Map<string, number>();
  const sectionBullets = new Map<string, number>();
  const chosen: T[] = [];
  const discounted = (candidate: T) => {
    const repeats = Math.min(...feedsOf.get(candidate.story)!.map((feed) => feedBullets.get(feed) ?? 0));
    return candidate.score * tuning.feedRepeatFactor ** repeats;
  };
  const isEcho = (story: Story) =>
    limits.similarity !== undefined &&
    chosen.some((shown) => sourcesOf.get(story)! < tuning.echoSourcesShare * sourcesOf.get(shown.story)! && limits.similarity!(story, shown.story) >= tuning.echoSimilarity);
  while (remaining.length > 0 && chosen.length < limits.maxBullets) {
    let bestIndex = 0;
    let bestScore = -Infinity;
    remaining.forEach((candidate, index) => {
      const score = discounted(candidate);
      if (score > bestScore) {
        bestIndex = index;
        bestScore = score;
      }
    });
    const [candidate] = remaining.splice(bestIndex, 1) as [T];
    const inSection = sectionBullets.get(candidate.section) ?? 0;
    if (inSection >= (limits.maxPerSection ?? Infinity) || isEcho(candidate.story)) {
      cut.push(candidate.story);
      continue;
    }
    sectionBullets.set(candidate.section, inSection + 1);
    for (const feed of feedsOf.get(candidate.story)!) feedBullets.set(feed, (feedBullets.get(feed) ?? 0) + 1);
    chosen.push(candidate);
  }
  cut.push(...remaining.map((candidate) => candidate.story));
  return { chosen, cut };
}
