import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupIntoStories } from '../../src/dedup/group.js';
import { ingestFeed } from '../../src/feeds/ingest.js';
import type { Item } from '../../src/feeds/item.js';
import { summarizeStories } from '../../src/summarize/summarize.js';
import { plainText } from '../../src/summarize/plain-text.js';
import { isSpacelessLanguage } from '../../src/summarize/language.js';
import { endsOnAbbreviation } from '../../src/text/sentences.js';
import { hasSharedCorpus, SHARED_CORPUS_DIR } from '../support/shared-corpus.js';

const now = new Date('2026-01-01T00:00:00Z');
const EXAMPLES = join(import.meta.dirname, '..', '..', 'docs', 'examples', 'feeds');
/** News feeds of the shared corpus, where initials ("Vladimir V. Putin", "Donald J. Trump") and "U.S." abound. */
const CORPUS_NEWS = ['FeedReader__Rss20NYTimes.xml', 'node-feedparser__tpm.atom', 'feedjira__HuffPostCanada.xml', 'rss-parser__guardian.rss', 'feed-extractor__rss-feed-standard-realworld.xml'];

async function ingestFiles(paths: string[]): Promise<Item[]> {
  const batches = await Promise.all(paths.map(async (path) => (await ingestFeed(readFileSync(path), undefined, { feedId: path, now })).items));
  return batches.flat();
}

/** Where `part` starts a sentence in `text`: at the start of a line, or after a sentence end that is not an abbreviation. */
function startsSentenceIn(text: string, part: string, language: string | undefined): boolean {
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + 1)) {
    const before = text.slice(0, at);
    if (before === '' || before.endsWith('\n')) return true;
    const spaceless = isSpacelessLanguage(language);
    if ((spaceless || /\s$/.test(before)) && /[.!?。！？][)"'”’」』）]*\s*$/u.test(before) && !endsOnAbbreviation(before.trimEnd(), language)) return true;
  }
  return false;
}

/**
 * A summary read back as one or two whole sentences, each standing verbatim in one item and
 * starting a sentence there; undefined when no such reading exists (a splice or a fragment).
 */
function readBack(summary: string, texts: string[], language: string | undefined): string[] | undefined {
  const whole = (part: string) => !endsOnAbbreviation(part, language) && texts.some((text) => startsSentenceIn(text, part, language));
  if (whole(summary)) return [summary];
  const joiner = isSpacelessLanguage(language) ? '' : ' ';
  for (let at = 1; at < summary.length - 1; at++) {
    if (joiner && summary[at] !== ' ') continue;
    const first = summary.slice(0, at);
    const second = summary.slice(at + joiner.length);
    if (whole(first) && whole(second)) return [first, second];
  }
  return undefined;
}

async function expectWholeSentences(items: Item[]): Promise<number> {
  const { stories } = groupIntoStories(items);
  const summaries = await summarizeStories(stories, {});
  let checked = 0;
  for (const story of stories) {
    const { summary, language } = summaries.get(story.id)!;
    if (summary === '') continue;
    const texts = story.items.map((item) => plainText(item.text));
    expect(readBack(summary, texts, language), summary).toBeDefined();
    checked++;
  }
  return checked;
}

describe('summaries of real feeds are whole sentences, each from one item', () => {
  it.each(['en', 'ja'])('the example feeds in docs/examples/feeds/%s', async (language) => {
    const directory = join(EXAMPLES, language);
    const items = await ingestFiles(readdirSync(directory).map((file) => join(directory, file)));
    expect(await expectWholeSentences(items)).toBeGreaterThan(10);
  });

  it.runIf(hasSharedCorpus)('a mix of the corpus news feeds (NYT, TPM, HuffPost, Guardian, Google News)', async () => {
    const items = await ingestFiles(CORPUS_NEWS.map((file) => join(SHARED_CORPUS_DIR, file)));
    expect(await expectWholeSentences(items)).toBeGreaterThan(50);
  });
});
