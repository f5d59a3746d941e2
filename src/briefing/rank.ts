import { storySources, type Story } from '../dedup/story.js';
import type { KeywordMatcher } from './keywords.js';

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

/** How far into an item's text keywords are looked for: a story is about what its lead says. */
const KEYWORD_TEXT_CHARS = 8_000;

/** What keyword patterns are matched against: every title, category and text (its first part) of the story. */
export function storyText(story: Story): string {
  return story.items.map((item) => `${item.title}\n${item.categories.join(' ')}\n${item.text.slice(0, KEYWORD_TEXT_CHARS)}`).join('\n');
}

/** The time a story last changed: `updatedAt`, else its newest item. */
export function storyTime(story: Story): number {
  const updated = Date.parse(story.updatedAt);
  if (!Number.isNaN(updated)) return updated;
  return Math.max(0, ...story.items.map((item) => Date.parse(item.publishedAt)).filter((t) => !Number.isNaN(t)));
}

/**
 * A story's rank score: more distinct sources, more recent, heavier feeds and boost keywords
 * all raise it. Sources count logarithmically so ten reprints do not bury everything else.
 */
export function storyScore(story: Story, context: RankingContext, text = storyText(story)): number {
  const sources = Math.max(1, storySources(story).length);
  const ageHours = Math.max(0, (context.now.getTime() - storyTime(story)) / 3_600_000);
  const recency = TIMELESS_SHARE + (1 - TIMELESS_SHARE) * 0.5 ** (ageHours / RECENCY_HALF_LIFE_HOURS);
  const weight = Math.max(...story.items.map((item) => context.feedWeights?.[item.feedId] ?? 1));
  const boost = context.boosts.matches(text) ? BOOST_FACTOR : 1;
  return weight * boost * (1 + Math.log2(sources)) * recency;
}
