/**
 * Story quality of briefings on data nobody here wrote: the UCI news dev set (2,844 real
 * headlines, 1,244 outlets, Google News story labels; ../shared/datasets/uci-news-dev). A
 * 100-bullet briefing is made as `herald preview` makes it and scored per item shown: B-cubed
 * precision/recall/F1 of the bullets against the stories, and bullets per story. Settings were
 * chosen on the tuning half of the stories; the held-out half and the whole set are reported
 * beside it, with the two trivial baselines (no clustering, everything in one story). The
 * labelled Japanese day (test/fixtures/ja-day) is scored the same way.
 */
import { selectStories } from '../src/briefing/compose.js';
import { DEFAULT_PICK_TUNING } from '../src/briefing/rank.js';
import { evaluateBriefing, type Assignment, type BriefingEvaluation, type LabelledItem } from '../src/dedup/evaluate.js';
import { groupIntoStories } from '../src/dedup/group.js';
import { DEFAULT_STORY_MERGE_OPTIONS, mergeSimilarStories } from '../src/dedup/story-merge.js';
import { loadJapaneseDay } from '../test/fixtures/ja-day/ja-day.js';
import { briefingQuality, type Grouping } from '../test/support/story-quality.js';
import { hasUciNews, loadUciNews, NO_UCI_NEWS_MESSAGE, uciNewsHalf } from '../test/support/uci-news.js';
import type { Benchmark, BenchResult } from './harness.js';

const BULLETS = 100;

const describe = (e: BriefingEvaluation) =>
  `P ${e.bcubed.precision.toFixed(3)} R ${e.bcubed.recall.toFixed(3)} F1 ${e.bcubed.f1.toFixed(3)}, ${e.bulletsPerStory.toFixed(2)} bullets/story, ${e.bullets} bullets, ${e.storiesShown} stories shown`;

/** The tuning sweep: merge threshold × echo similarity × time half-life on the tuning half, the rest at their defaults. */
function sweep(tuning: LabelledItem[], log: (line: string) => void): void {
  const gold: Assignment = new Map(tuning.map((entry) => [entry.item.id, entry.story]));
  const items = tuning.map((entry) => entry.item);
  const now = new Date(Math.max(...items.map((item) => Date.parse(item.publishedAt))));
  const { stories } = groupIntoStories(items);
  log('sweep on the tuning half (time half-life × merge threshold × echo similarity; → the defaults):');
  for (const decayHalfLifeHours of [12, 48]) {
    for (const mergeThreshold of [0.25, 0.3, 0.35]) {
      const merged = mergeSimilarStories(stories, { mergeThreshold, decayHalfLifeHours });
      for (const echoSimilarity of [0.05, 0.1, 0.2]) {
        const selection = selectStories(merged.stories, { now, timezone: 'UTC', locale: 'en', maxBullets: BULLETS, similarity: merged.similarity, pickTuning: { echoSimilarity } });
        const evaluation = evaluateBriefing(selection.chosen.map(({ story }) => story.items.map((item) => item.id)), gold);
        const defaults = DEFAULT_STORY_MERGE_OPTIONS;
        const chosen = mergeThreshold === defaults.mergeThreshold && decayHalfLifeHours === defaults.decayHalfLifeHours && echoSimilarity === DEFAULT_PICK_TUNING.echoSimilarity;
        log(`  ${chosen ? '→' : ' '} half-life ${decayHalfLifeHours} h, merge ≥ ${mergeThreshold.toFixed(2)}, echo ≥ ${echoSimilarity.toFixed(2)}: ${describe(evaluation)}`);
      }
    }
  }
}

function figures(label: string, evaluation: BriefingEvaluation, note: string): BenchResult[] {
  return [
    { name: `story quality ${label}: B-cubed precision`, value: evaluation.bcubed.precision, unit: 'ratio', note },
    { name: `story quality ${label}: B-cubed recall`, value: evaluation.bcubed.recall, unit: 'ratio' },
    { name: `story quality ${label}: B-cubed F1`, value: evaluation.bcubed.f1, unit: 'ratio' },
    { name: `story quality ${label}: bullets per story`, value: evaluation.bulletsPerStory, unit: 'bullets', note: `${evaluation.bullets} bullets, ${evaluation.storiesShown} stories shown` },
  ];
}

async function japaneseDay(log: (line: string) => void): Promise<BenchResult[]> {
  const labelled = loadJapaneseDay();
  const evaluation = await briefingQuality(labelled, BULLETS);
  log(`Japanese day (${labelled.length} items, ${new Set(labelled.map((e) => e.story)).size} events, test/fixtures/ja-day): ${describe(evaluation)}`);
  return figures('Japanese day', evaluation, 'labelled Japanese news day written for Herald; settings not tuned on it');
}

const benchmark: Benchmark = {
  title: 'Story quality: each story once, nothing hidden (UCI news dev set, a Japanese day)',
  async run(log) {
    const japanese = await japaneseDay(log);
    if (!hasUciNews) {
      log(NO_UCI_NEWS_MESSAGE);
      return japanese;
    }
    const labelled = loadUciNews();
    const tuning = uciNewsHalf(labelled, 'tuning');
    const heldOut = uciNewsHalf(labelled, 'held-out');
    log(`${labelled.length} headlines, ${new Set(labelled.map((e) => e.story)).size} stories; tuning half ${tuning.length} items, held-out half ${heldOut.length}`);
    sweep(tuning, log);
    const results: BenchResult[] = [...japanese];
    for (const [label, set, note] of [
      ['dev set', labelled, 'UCI news dev set, 100-bullet briefing (stories of both halves)'],
      ['tuning half', tuning, 'the half the settings were chosen on (in-sample)'],
      ['held-out half', heldOut, 'stories the settings never saw'],
    ] as const) {
      const evaluation = await briefingQuality(set, BULLETS);
      log(`${label}: ${describe(evaluation)}`);
      results.push(...figures(label, evaluation, note));
    }
    for (const grouping of ['no-clustering', 'everything-in-one'] satisfies Grouping[]) {
      const evaluation = await briefingQuality(labelled, BULLETS, grouping);
      log(`baseline ${grouping}: ${describe(evaluation)}`);
      results.push({ name: `story quality baseline ${grouping}: B-cubed F1`, value: evaluation.bcubed.f1, unit: 'ratio', note: `${evaluation.bulletsPerStory.toFixed(2)} bullets/story, precision ${evaluation.bcubed.precision.toFixed(3)}` });
    }
    return results;
  },
};

export default benchmark;
