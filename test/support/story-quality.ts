/**
 * Story quality of a briefing over a labelled set, as a reader meets it: the items are grouped
 * into stories and briefed as `herald preview` does, then each bullet's items are compared with
 * the gold stories (B-cubed over the items shown, bullets per story). Shared by
 * bench/story-quality.bench.ts and the tests that hold the figures above their marks.
 */
import { briefStories } from '../../src/briefing/build.js';
import { composeBriefing } from '../../src/briefing/compose.js';
import type { Briefing } from '../../src/briefing/model.js';
import { parseConfig } from '../../src/config/load.js';
import { evaluateBriefing, type Assignment, type BriefingEvaluation, type LabelledItem } from '../../src/dedup/evaluate.js';
import { ExactDuplicateSet } from '../../src/dedup/exact.js';
import { byPublication, groupIntoStories } from '../../src/dedup/group.js';
import type { Story } from '../../src/dedup/story.js';
import type { Item } from '../../src/feeds/item.js';

/** How the items become stories: Herald's pipeline, or one of the two trivial baselines a real mark must tell apart from it. */
export type Grouping = 'pipeline' | 'no-clustering' | 'everything-in-one';

const config = parseConfig({});

function storyOf(items: Item[]): Story {
  return { id: `s-${items[0]!.id}`, items, updatedAt: items.at(-1)!.publishedAt };
}

/** A baseline's stories: every item alone, or all in one (exact duplicates dropped first, as the pipeline does). */
function baselineStories(items: Item[], grouping: Exclude<Grouping, 'pipeline'>): Story[] {
  const exact = new ExactDuplicateSet();
  const kept = [...items].sort(byPublication).filter((item) => !exact.checkAndAdd(item));
  return grouping === 'no-clustering' ? kept.map((item) => storyOf([item])) : [storyOf(kept)];
}

/** The briefing a labelled set makes with at most `maxBullets` bullets, at the time of its newest item. */
export async function briefLabelledSet(labelled: LabelledItem[], maxBullets: number, grouping: Grouping = 'pipeline'): Promise<Briefing> {
  const items = labelled.map((entry) => entry.item);
  const now = new Date(Math.max(...items.map((item) => Date.parse(item.publishedAt))));
  const request = { now, timezone: 'UTC', locale: items[0]?.language ?? 'en', maxBullets };
  if (grouping === 'pipeline') {
    const { stories, duplicatesDropped } = groupIntoStories(items);
    const { briefing } = await briefStories(stories, { itemsIn: items.length, duplicatesDropped }, config, request);
    return briefing!;
  }
  const stories = baselineStories(items, grouping);
  return composeBriefing(stories, new Map(), { itemsIn: items.length, duplicatesDropped: 0 }, { ...request, summaryMaxChars: config.briefing.summaryMaxChars })!;
}

/** B-cubed and bullets per story of a briefing over a labelled set (bullets name their items by link, else id). */
export async function briefingQuality(labelled: LabelledItem[], maxBullets: number, grouping: Grouping = 'pipeline'): Promise<BriefingEvaluation> {
  const briefing = await briefLabelledSet(labelled, maxBullets, grouping);
  const gold: Assignment = new Map(labelled.map((entry) => [entry.item.url ?? entry.item.id, entry.story]));
  const bullets = briefing.sections.flatMap((section) => section.bullets.map((bullet) => bullet.items));
  return evaluateBriefing(bullets, gold);
}
