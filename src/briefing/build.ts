import type { HeraldConfig } from '../config/schema.js';
import type { Story } from '../dedup/story.js';
import { mergeSimilarStories } from '../dedup/story-merge.js';
import { llmOptionsFromConfig, summarizeStories, type SummaryHooks } from '../summarize/summarize.js';
import { composeSelection, selectStories, type ComposeOptions } from './compose.js';
import type { QuietFigures } from './labels.js';
import type { Briefing } from './model.js';

/**
 * What varies per briefing; the rest of the compose options comes from the configuration.
 * Keyword lists given here replace the configured ones (a subscription starts from a copy of them).
 */
export interface BriefingRequest {
  now: Date;
  timezone: string;
  locale?: string;
  maxBullets?: number;
  boosts?: string[];
  mutes?: string[];
  whenEmpty?: 'message' | 'nothing';
  feedWeights?: Record<string, number>;
  /** What the feeds held, said by an empty briefing. */
  quiet?: QuietFigures;
}

type BriefingConfig = Pick<HeraldConfig, 'sections' | 'briefing' | 'defaults' | 'llm'>;

/** Compose options from the configuration's `briefing:` and `sections:`, with per-briefing choices on top. */
function composeOptionsFor(config: BriefingConfig, request: BriefingRequest): ComposeOptions {
  const { briefing } = config;
  return {
    now: request.now,
    timezone: request.timezone,
    locale: request.locale ?? briefing.locale ?? config.defaults.language,
    sections: config.sections,
    feedWeights: request.feedWeights,
    boosts: request.boosts ?? briefing.boosts,
    mutes: request.mutes ?? briefing.mutes,
    maxBullets: request.maxBullets ?? config.defaults.bulletsPerBriefing,
    ...(briefing.maxPerSection !== undefined ? { maxPerSection: briefing.maxPerSection } : {}),
    importantMinSources: briefing.importantMinSources,
    importantKeywords: briefing.importantKeywords,
    emoji: briefing.emoji,
    whenEmpty: request.whenEmpty ?? briefing.whenEmpty,
    summaryMaxChars: briefing.summaryMaxChars,
    ...(request.quiet ? { quiet: request.quiet } : {}),
  };
}

/**
 * Stories → briefing: merge stories alike (mergeSimilarStories), rank and cap, summarize only
 * the stories shown (with an LLM that is the costly step; `summaryHooks` give it the process's
 * shared cache and its report), compose.
 * Returns the shown stories too (each part of a merged one), for delivery memory.
 */
export async function briefStories(
  stories: Story[],
  stats: { itemsIn: number; duplicatesDropped: number },
  config: BriefingConfig,
  request: BriefingRequest,
  summaryHooks: SummaryHooks = {},
): Promise<{ briefing: Briefing | null; shown: Story[] }> {
  const merged = mergeSimilarStories(stories);
  const compose = { ...composeOptionsFor(config, request), similarity: merged.similarity };
  const selection = selectStories(merged.stories, compose);
  const bulletStories = selection.chosen.map((chosen) => chosen.story);
  const summaries = await summarizeStories(bulletStories, { ...summaryHooks, maxChars: config.briefing.summaryMaxChars, llm: llmOptionsFromConfig(config.llm) });
  // Delivery memory knows the stories as clustering made them, so it is told of each part of a merged bullet.
  const shown = bulletStories.flatMap((story) => merged.partsOf(story));
  return { briefing: composeSelection(merged.stories, selection, summaries, stats, compose), shown };
}
