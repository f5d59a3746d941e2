import { join } from 'node:path';
import { composeBriefing, type ComposeOptions } from '../src/briefing/compose.js';
import type { Story } from '../src/dedup/story.js';
import { listFeedFiles, sweepFile } from '../src/feeds/corpus.js';
import type { Item } from '../src/feeds/item.js';
import { renderDiscord, renderTelegram, renderText } from '../src/render/index.js';
import { summarizeExtractive } from '../src/summarize/extractive.js';
import { hasSharedCorpus, NO_CORPUS_MESSAGE, SHARED_CORPUS_DIR } from '../test/support/shared-corpus.js';
import { median, timeIt, type Benchmark, type BenchResult } from './harness.js';

const FIXTURES_DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'feeds');
/** Wall time summarizing runs for: enough for a stable rate on a busy machine. */
const TARGET_SUMMARY_MS = 3000;
const BRIEFING_STORIES = 500;
/** Compose+render repetitions; the median is reported. */
const BRIEFING_ROUNDS = 7;

/** Every item of the corpus feeds, each feed ingested as Herald would (decode, parse, normalize). */
async function corpusItems(directory: string, now: Date): Promise<Item[]> {
  const items: Item[] = [];
  for (const file of await listFeedFiles(directory)) items.push(...((await sweepFile(directory, file, now)).result?.items ?? []));
  return items;
}

/**
 * `count` stories of one to three items each, dealt from the corpus items in turn (cycling with
 * fresh ids when the corpus runs out), each feed's section being its file name's prefix.
 */
function storiesFrom(items: Item[], count: number): Story[] {
  const stories: Story[] = [];
  let next = 0;
  for (let i = 0; i < count; i += 1) {
    const size = (i % 3) + 1;
    const storyItems = Array.from({ length: size }, () => {
      const item = items[next % items.length]!;
      next += 1;
      return { ...item, id: `${item.id}#${next}`, url: item.url && `${item.url}#${next}`, section: item.feedId.split('__')[0] };
    });
    stories.push({ id: `story-${i}`, items: storyItems, updatedAt: storyItems.map((item) => item.publishedAt).sort().at(-1)! });
  }
  return stories;
}

const benchmark: Benchmark = {
  title: 'Briefing: extractive summaries, and compose + render of a 500-story briefing',
  async run(log) {
    if (!hasSharedCorpus) log(`${NO_CORPUS_MESSAGE}; measuring over test/fixtures/feeds instead`);
    const now = new Date();
    const items = await corpusItems(hasSharedCorpus ? SHARED_CORPUS_DIR : FIXTURES_DIR, now);
    const stories = storiesFrom(items, BRIEFING_STORIES);
    log(`${items.length} corpus items dealt into ${stories.length} stories of 1-3 items`);

    // Warm-up (JIT, ICU segmenters), then summarize the whole window until enough time has passed.
    stories.forEach((story) => summarizeExtractive(story));
    let summarized = 0;
    let summaryMs = 0;
    while (summaryMs < TARGET_SUMMARY_MS) {
      summaryMs += (await timeIt(() => stories.forEach((story) => summarizeExtractive(story)))).ms;
      summarized += stories.length;
    }
    const summaries = new Map(stories.map((story) => [story.id, summarizeExtractive(story)]));
    const empty = [...summaries.values()].filter((summary) => summary.summary === '').length;
    log(`${summarized} stories summarized in ${(summaryMs / 1000).toFixed(1)} s; ${empty} of ${stories.length} stories have no whole sentence within the budget (headline only)`);

    const options: ComposeOptions = { now, timezone: 'Europe/Berlin', locale: 'en-GB', maxBullets: BRIEFING_STORIES };
    const stats = { itemsIn: stories.reduce((sum, story) => sum + story.items.length, 0), duplicatesDropped: 0 };
    const rounds: Record<'compose' | 'telegram' | 'discordEmbeds' | 'discordContent' | 'text', number[]> = { compose: [], telegram: [], discordEmbeds: [], discordContent: [], text: [] };
    let partCounts = '';
    for (let round = 0; round < BRIEFING_ROUNDS; round += 1) {
      const composed = await timeIt(() => composeBriefing(stories, summaries, stats, options)!);
      const briefing = composed.result;
      const telegram = await timeIt(() => renderTelegram(briefing));
      const embeds = await timeIt(() => renderDiscord(briefing));
      const content = await timeIt(() => renderDiscord(briefing, { style: 'content' }));
      const text = await timeIt(() => renderText(briefing));
      rounds.compose.push(composed.ms);
      rounds.telegram.push(telegram.ms);
      rounds.discordEmbeds.push(embeds.ms);
      rounds.discordContent.push(content.ms);
      rounds.text.push(text.ms);
      partCounts = `${telegram.result.length} Telegram messages, ${embeds.result.length} Discord embed messages, ${content.result.length} Discord content messages`;
    }
    log(`500-story briefing: ${partCounts}; median of ${BRIEFING_ROUNDS} rounds`);
    const total = median(rounds.compose.map((ms, i) => ms + rounds.telegram[i]! + rounds.discordEmbeds[i]! + rounds.discordContent[i]! + rounds.text[i]!));

    const results: BenchResult[] = [
      { name: 'extractive summaries', value: summarized / (summaryMs / 1000), unit: 'stories/s', note: `${stories.length} corpus stories of 1-3 items, LexRank + lead bias, 280-char budget` },
      { name: 'compose 500-story briefing', value: median(rounds.compose), unit: 'ms', note: 'rank, caps, sections, emoji, footer (summaries given)' },
      { name: 'render 500 bullets: Telegram HTML', value: median(rounds.telegram), unit: 'ms' },
      { name: 'render 500 bullets: Discord embeds', value: median(rounds.discordEmbeds), unit: 'ms' },
      { name: 'render 500 bullets: Discord content', value: median(rounds.discordContent), unit: 'ms' },
      { name: 'render 500 bullets: text', value: median(rounds.text), unit: 'ms' },
      { name: 'compose + render 500 stories (all platforms)', value: total, unit: 'ms', note: partCounts },
    ];
    return results;
  },
};

export default benchmark;
