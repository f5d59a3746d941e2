import { briefStories, type BriefingRequest } from '../briefing/build.js';
import type { Briefing } from '../briefing/model.js';
import type { HeraldConfig } from '../config/schema.js';
import { groupIntoStories } from '../dedup/group.js';
import type { Item } from '../feeds/item.js';
import { frameLanguage } from '../summarize/language.js';
import type { SummaryHooks } from '../summarize/summarize.js';

/** The span `herald preview` shows; unlike a subscription's BriefingWindow it may be open at the start. */
export interface PreviewWindow {
  /** Items published before this instant are left out; undefined keeps everything. */
  from?: Date;
  to: Date;
}

/** Items inside the window; publishedAt is always set (normalization falls back to first-seen). */
export function itemsInWindow(items: Item[], window: PreviewWindow): Item[] {
  return items.filter((item) => {
    const at = Date.parse(item.publishedAt);
    return (window.from === undefined || at >= window.from.getTime()) && at <= window.to.getTime();
  });
}

/**
 * The in-memory pipeline after ingestion, for `herald preview`: dedup → cluster → rank →
 * summarize → compose, with no Redis.
 */
export async function previewBriefing(items: Item[], config: HeraldConfig, request: BriefingRequest, summaryHooks: SummaryHooks = {}): Promise<Briefing | null> {
  const { stories, duplicatesDropped } = groupIntoStories(items);
  // Without a configured locale the briefing speaks the language of its feeds (a Japanese title over Japanese news).
  const locale = request.locale ?? config.briefing.locale ?? frameLanguage(items);
  const { briefing } = await briefStories(stories, { itemsIn: items.length, duplicatesDropped }, config, { ...request, ...(locale !== undefined ? { locale } : {}) }, summaryHooks);
  return briefing;
}
