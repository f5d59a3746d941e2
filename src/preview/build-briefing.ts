import type { HeraldConfig } from '../config/schema.js';
import type { Briefing } from '../briefing/model.js';
import { composeBriefing } from '../briefing/compose.js';
import { groupIntoStories } from '../dedup/group.js';
import type { Item } from '../feeds/item.js';
import { summarizeStories } from '../summarize/summarize.js';

export interface BriefingWindow {
  /** Items published before this instant are left out; undefined keeps everything. */
  from?: Date;
  to: Date;
}

export interface BuildOptions {
  config: HeraldConfig;
  timezone: string;
  window: BriefingWindow;
  /** The briefing's "now": its date and title come from this instant in the time zone. */
  now: Date;
  locale?: string;
  feedWeights?: Record<string, number>;
}

/** Items inside the window; publishedAt is always set (normalization falls back to first-seen). */
export function itemsInWindow(items: Item[], window: BriefingWindow): Item[] {
  return items.filter((item) => {
    const at = Date.parse(item.publishedAt);
    return (window.from === undefined || at >= window.from.getTime()) && at <= window.to.getTime();
  });
}

/**
 * The pipeline core after ingestion: dedup → cluster → summarize → compose. Pure but for the
 * optional LLM call inside summarize, so it runs the same in `herald preview` and in a worker.
 */
export async function buildBriefing(items: Item[], options: BuildOptions): Promise<Briefing | null> {
  const { stories, duplicatesDropped } = groupIntoStories(items);
  const summaries = await summarizeStories(stories, { llm: options.config.llm });
  return composeBriefing(stories, summaries, { itemsIn: items.length, duplicatesDropped }, {
    now: options.now,
    timezone: options.timezone,
    locale: options.locale ?? options.config.defaults.language,
    sections: options.config.sections,
    feedWeights: options.feedWeights,
    maxBullets: options.config.defaults.bulletsPerBriefing,
  });
}
