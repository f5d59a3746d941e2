/**
 * The labelled set run through the real front half of the pipeline: each outlet's items written
 * as an RSS feed, read back with ingestFeed (decode, parse, normalize: ids, canonical URLs,
 * content hashes and languages as production makes them), then grouped. The dedup layers must
 * hold their quality bars on what the normalizer actually produces, not only on fixture Items.
 */
import { describe, expect, it } from 'vitest';
import { bcubedScores, nearDuplicateAssignment, pairwiseScores, type Assignment } from '../../src/dedup/evaluate.js';
import { groupIntoStories } from '../../src/dedup/group.js';
import { stripBoilerplate } from '../../src/feeds/boilerplate.js';
import { ingestFeed } from '../../src/feeds/ingest.js';
import { contentHash } from '../../src/feeds/normalize.js';
import type { Item } from '../../src/feeds/item.js';
import type { LabelledItem } from '../../src/dedup/evaluate.js';
import { loadLabelledSet } from '../fixtures/dedup/labelled-set.js';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One RSS 2.0 document per outlet; the guid carries the labelled id so labels can be found again. */
function feedsByOutlet(labelled: LabelledItem[]): Map<string, string> {
  const entries = new Map<string, string[]>();
  for (const { item } of labelled) {
    const entry = `<item><title>${escapeXml(item.title)}</title><link>${escapeXml(item.url!)}</link><guid isPermaLink="false">${item.id}</guid><pubDate>${new Date(item.publishedAt).toUTCString()}</pubDate><description>${escapeXml(item.text)}</description></item>`;
    entries.set(item.sourceName, [...(entries.get(item.sourceName) ?? []), entry]);
  }
  return new Map(
    [...entries].map(([outlet, items]) => [
      outlet,
      `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>${escapeXml(outlet)}</title><link>https://example.org/</link><description>test</description>${items.join('')}</channel></rss>`,
    ]),
  );
}

describe('dedup on ingested feeds', () => {
  it('keeps every item exactly once and holds the quality bars on what ingestFeed produces', async () => {
    const labelled = loadLabelledSet();
    const labelsById = new Map(labelled.map((entry) => [entry.item.id, entry]));
    const items: Item[] = [];
    let feedNumber = 0;
    for (const [outlet, xml] of feedsByOutlet(labelled)) {
      feedNumber += 1;
      const { items: ingested } = await ingestFeed(new TextEncoder().encode(xml), 'application/rss+xml', { feedId: `feed-${feedNumber}`, sourceName: outlet, now: new Date('2026-01-01T00:00:00Z') });
      items.push(...ingested);
    }
    expect(items).toHaveLength(labelled.length);
    const label = (item: Item) => labelsById.get(item.guid!)!;

    const { stories, duplicatesDropped } = groupIntoStories(items);
    const placed = stories.flatMap((story) => story.items.map((item) => item.id));
    expect(new Set(placed).size).toBe(placed.length);
    expect(placed.length + duplicatesDropped).toBe(items.length);
    // Verbatim reprints (same title and text under another URL, once a credit line is taken out) are caught by the content hash.
    const cleanHash = ({ title, text }: Item) => contentHash(title, stripBoilerplate(text));
    const verbatim = labelled.filter((entry) => entry.dupOf !== entry.item.id && cleanHash(entry.item) === cleanHash(labelsById.get(entry.dupOf)!.item));
    expect(duplicatesDropped).toBe(verbatim.length);

    const goldStories: Assignment = new Map(items.map((item) => [item.id, label(item).story]));
    const goldDuplicates: Assignment = new Map(items.map((item) => [item.id, label(item).dupOf]));
    const predictedStories: Assignment = new Map(stories.flatMap((story) => story.items.map((item) => [item.id, story.id] as const)));
    const nearDuplicates = pairwiseScores(nearDuplicateAssignment(items), goldDuplicates);
    expect(nearDuplicates.precision).toBeGreaterThanOrEqual(0.98);
    expect(nearDuplicates.recall).toBeGreaterThanOrEqual(0.95);
    expect(bcubedScores(predictedStories, goldStories).f1).toBeGreaterThanOrEqual(0.85);
  });
});
