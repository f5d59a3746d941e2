/**
 * Stories → Briefing: rank, mute and cap (selectStories), then group into sections with emoji
 * bullets, a dated title and a footer. Pure: summaries come in ready-made, so the costly
 * summarizing can be limited to the stories chosen.
 */
import { storySources, type Story } from '../dedup/story.js';
import { summarizeExtractive, type StorySummary } from '../summarize/extractive.js';
import { isPlaceholderStory } from '../summarize/placeholder.js';
import { localDate } from '../time/zoned.js';
import { longDate } from './calendar.js';
import { bulletEmoji, DEFAULT_EMOJI, type EmojiSet } from './emoji.js';
import { dailyHashtags } from './footer.js';
import { compileKeywords } from './keywords.js';
import { labelsFor, type QuietFigures } from './labels.js';
import type { Briefing, BriefingSection, Bullet, Source } from './model.js';
import { DEFAULT_PICK_TUNING, pickBullets, storyScore, storyStanding, storyText, storyTime, type PickTuning } from './rank.js';
import { readingOrder } from './order.js';
import { storySection } from './sections.js';

export interface ComposeOptions {
  now: Date;
  /** IANA zone of the subscriber: the title's date and `Briefing.date` are local to it. */
  timezone: string;
  /** BCP 47 locale for the title's date and the briefing's own words. */
  locale: string;
  /** Configured sections, in the order they should appear, with their emoji. */
  sections?: Record<string, { emoji: string }>;
  /** Ranking weight per feed id (1 when absent). */
  feedWeights?: Record<string, number>;
  /** Keyword patterns (see keywords.ts) that double a story's score. */
  boosts?: string[];
  /** Keyword patterns that leave a story out (counted in `stats.storiesMuted`/`itemsMuted`). */
  mutes?: string[];
  maxBullets: number;
  maxPerSection?: number;
  /** Distinct sources from which a story counts as important (default 3). */
  importantMinSources?: number;
  /** Keyword patterns that make a story important. */
  importantKeywords?: string[];
  emoji?: Partial<EmojiSet>;
  /** What an empty window gives: a short "nothing new" briefing, or nothing (null). */
  whenEmpty?: 'message' | 'nothing';
  /** Budget for summaries made here for stories missing from the summaries map. */
  summaryMaxChars?: number;
  /** Centroid similarity of two stories (from mergeSimilarStories), so a story echoing a bigger one is not a second bullet. */
  similarity?: (a: Story, b: Story) => number;
  /** Overrides of pickBullets' tuning (benches sweep them; the defaults suit briefings). */
  pickTuning?: Partial<PickTuning>;
  /** What the feeds held, for an empty briefing to say instead of a bare "nothing new". */
  quiet?: QuietFigures;
}

/** A story that made it into the briefing, with what ranking learnt about it. */
export interface ChosenStory {
  story: Story;
  section: string;
  /** Decides what makes the briefing (storyScore). */
  score: number;
  /** Decides the order of the bullets within their tier: the most-covered first (storyStanding, see readingOrder). */
  standing: number;
  important: boolean;
}

/** The outcome of ranking: chosen stories in reading order (readingOrder); the others, and why they are out. */
export interface StorySelection {
  chosen: ChosenStory[];
  /**
   * Over the per-section or per-briefing cap, under the coverage floor, or an echo of a story
   * shown (see pickBullets); or only placeholders so far (isPlaceholderStory), to be shown once
   * a report with facts joins it.
   */
  cut: Story[];
  /** Matched a mute pattern. */
  muted: Story[];
}

const DEFAULT_IMPORTANT_MIN_SOURCES = 3;

/**
 * Ranks stories and applies mutes, caps and pickBullets' share per feed, coverage floor and
 * echoes. Needs no summaries, so a caller can summarize only
 * the chosen stories (the costly part with an LLM) before composing.
 */
export function selectStories(stories: Story[], options: ComposeOptions): StorySelection {
  const labels = labelsFor(options.locale);
  const configuredSections = Object.keys(options.sections ?? {});
  const mutes = compileKeywords(options.mutes ?? []);
  const important = compileKeywords(options.importantKeywords ?? []);
  const context = { now: options.now, feedWeights: options.feedWeights, boosts: compileKeywords(options.boosts ?? []) };
  const minSources = options.importantMinSources ?? DEFAULT_IMPORTANT_MIN_SOURCES;

  const muted: Story[] = [];
  const placeholders: Story[] = [];
  const ranked: ChosenStory[] = [];
  for (const story of stories) {
    if (isPlaceholderStory(story.items)) {
      placeholders.push(story);
      continue;
    }
    const text = storyText(story);
    if (mutes.matches(text)) {
      muted.push(story);
      continue;
    }
    ranked.push({
      story,
      section: storySection(story, configuredSections, labels.defaultSection),
      score: storyScore(story, context, text),
      standing: storyStanding(story, context, text),
      important: storySources(story).length >= minSources || important.matches(text),
    });
  }
  ranked.sort((a, b) => b.score - a.score || storyTime(b.story) - storyTime(a.story) || a.story.id.localeCompare(b.story.id));
  const { chosen, cut } = pickBullets(ranked, { maxBullets: options.maxBullets, maxPerSection: options.maxPerSection, similarity: options.similarity }, { ...DEFAULT_PICK_TUNING, ...options.pickTuning });
  // Recency and the share per feed decide what gets in; readingOrder decides the order the reader meets it in.
  return { chosen: readingOrder(chosen), cut: [...placeholders, ...cut], muted };
}

/**
 * The briefing for a window of stories: ranked, capped, grouped in sections with emoji bullets,
 * a dated title and a footer. Every item of every story is either in one bullet's `items` or
 * counted in `stats.itemsCut` / `stats.itemsMuted`. Stories missing from `summaries` get an
 * extractive summary. Returns null for an empty window when `whenEmpty` is 'nothing'.
 */
export function composeBriefing(
  stories: Story[],
  summaries: Map<string, StorySummary>,
  stats: { itemsIn: number; duplicatesDropped: number },
  options: ComposeOptions,
): Briefing | null {
  return composeSelection(stories, selectStories(stories, options), summaries, stats, options);
}

/**
 * composeBriefing for a caller that already ranked the stories with selectStories (to
 * summarize only the chosen ones): the selection is used as it is, not made again.
 */
export function composeSelection(
  stories: Story[],
  selection: StorySelection,
  summaries: Map<string, StorySummary>,
  stats: { itemsIn: number; duplicatesDropped: number },
  options: ComposeOptions,
): Briefing | null {
  const labels = labelsFor(options.locale);
  const emoji = { ...DEFAULT_EMOJI, ...options.emoji };
  const { chosen, cut, muted } = selection;
  if (chosen.length === 0 && options.whenEmpty === 'nothing') return null;

  const date = localDate(options.now, options.timezone);
  const sections = groupIntoSections(chosen, Object.keys(options.sections ?? {})).map(
    (group): BriefingSection => ({
      title: group.title,
      emoji: options.sections?.[group.title]?.emoji ?? emoji.section,
      bullets: group.stories.map((candidate) => toBullet(candidate, summaries, emoji, options.summaryMaxChars)),
    }),
  );
  const countItems = (list: Story[]) => list.reduce((sum, story) => sum + story.items.length, 0);
  // The outlets the bullets credit, copies included.
  const shownSources = new Set(sections.flatMap((section) => section.bullets.flatMap((bullet) => bullet.sources.map((source) => source.name))));
  const counts = labels.counts({ stories: chosen.length, sources: shownSources.size, duplicates: stats.duplicatesDropped });
  return {
    title: `${labels.title} · ${longDate(options.now, options.timezone, options.locale)}`,
    date,
    timezone: options.timezone,
    sections,
    stats: {
      itemsIn: stats.itemsIn,
      duplicatesDropped: stats.duplicatesDropped,
      stories: stories.length,
      bullets: chosen.length,
      storiesCut: cut.length,
      itemsCut: countItems(cut),
      storiesMuted: muted.length,
      itemsMuted: countItems(muted),
    },
    footer: chosen.length === 0 ? (options.quiet ? labels.quiet(options.quiet) : labels.nothingNew) : counts,
    ...(chosen.length > 0 ? { hashtags: dailyHashtags(sections.map((section) => section.title), date) } : {}),
  };
}

/**
 * Sections in configured order first (the user chose it), then the others in the order of
 * their best story; stories within a section in reading order (readingOrder).
 */
function groupIntoSections(chosen: ChosenStory[], configuredOrder: string[]): { title: string; stories: ChosenStory[] }[] {
  const groups = new Map<string, ChosenStory[]>();
  for (const candidate of chosen) groups.set(candidate.section, [...(groups.get(candidate.section) ?? []), candidate]);
  const position = (title: string) => {
    const configured = configuredOrder.indexOf(title);
    return configured >= 0 ? configured : configuredOrder.length;
  };
  // Map iteration follows the first (best-ranked) story of each section; sort is stable.
  return [...groups].map(([title, stories]) => ({ title, stories })).sort((a, b) => position(a.title) - position(b.title));
}

function toBullet(candidate: ChosenStory, summaries: Map<string, StorySummary>, emoji: EmojiSet, summaryMaxChars: number | undefined): Bullet {
  const { story } = candidate;
  const summary = summaries.get(story.id) ?? summarizeExtractive(story, { maxChars: summaryMaxChars });
  return {
    emoji: bulletEmoji(emoji, { important: candidate.important, update: story.isUpdate === true }),
    headline: summary.headline,
    summary: summary.summary,
    sources: bulletSources(story),
    items: story.items.map((item) => item.url ?? item.id),
  };
}

/**
 * One source per outlet, linking to that outlet's first article with a link ('' when none has
 * one). An entry's copies (other followed feeds that carried it, see storiesFollowed) credit
 * their outlets after the entry's own, as the other items of a multi-source story do.
 */
function bulletSources(story: Story): Source[] {
  const sources = new Map<string, string>();
  for (const item of story.items.flatMap((entry) => [entry, ...(story.copies?.[entry.id] ?? [])])) {
    if (!sources.has(item.sourceName) || (!sources.get(item.sourceName) && item.url)) sources.set(item.sourceName, item.url ?? '');
  }
  return [...sources].map(([name, url]) => ({ name, url }));
}
