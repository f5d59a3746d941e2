import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDeliveryMemory } from '../../src/dedup/delivery-memory.js';
import { groupIntoStories } from '../../src/dedup/group.js';
import type { Story } from '../../src/dedup/story.js';
import { storySources } from '../../src/dedup/story.js';
import type { LabelledItem } from '../../src/dedup/evaluate.js';
import { loadLabelledSet } from '../fixtures/dedup/labelled-set.js';

const labelled = loadLabelledSet();

function labelledStories(...labels: string[]): LabelledItem[] {
  return labelled.filter((entry) => labels.includes(entry.story));
}

/** Gold story label of each predicted story, for readable assertions. */
function labelsOf(stories: Story[], entries: LabelledItem[]): string[][] {
  const gold = new Map(entries.map((entry) => [entry.item.id, entry.story]));
  return stories.map((story) => [...new Set(story.items.map((item) => gold.get(item.id)!))]);
}

describe('groupIntoStories', () => {
  it('keeps two earthquakes apart though they are told in the same words, in English and in Japanese', () => {
    const entries = labelledStories('en-quake-chile', 'en-quake-japan', 'ja-quake-ishikawa', 'ja-quake-miyagi');
    const { stories } = groupIntoStories(entries.map((entry) => entry.item));
    const labels = labelsOf(stories, entries);
    for (const storyLabels of labels) expect(storyLabels).toHaveLength(1);
    expect(new Set(labels.flat())).toEqual(new Set(['en-quake-chile', 'en-quake-japan', 'ja-quake-ishikawa', 'ja-quake-miyagi']));
  });

  it('groups one event told by different outlets into one story with all its sources', () => {
    const entries = labelledStories('en-ecb-cut', 'en-fed-hold');
    const { stories } = groupIntoStories(entries.map((entry) => entry.item));
    expect(labelsOf(stories, entries).sort()).toEqual([['en-ecb-cut'], ['en-fed-hold']]);
    const ecb = stories.find((story) => story.items.some((item) => item.id === 'en-ecb-wire'))!;
    expect(storySources(ecb)).toEqual(expect.arrayContaining(['Global Press Wire', 'Atlantic Broadcasting', 'The Financial Ledger', 'Markets Today']));
  });

  it('merges a near-duplicate into the story of the earlier item', () => {
    const entries = labelledStories('ja-baseball-dodgers');
    const { stories } = groupIntoStories(entries.map((entry) => entry.item));
    expect(stories).toHaveLength(1);
    expect(stories[0]!.items[0]!.id).toBe('ja-mlb-game1-kyodo');
    expect(stories[0]!.id).toBe('s-ja-mlb-game1-kyodo');
  });

  it('drops exact duplicates across feeds and counts them', () => {
    const [first] = labelled;
    const later = new Date(Date.parse(first!.item.publishedAt) + 60_000).toISOString();
    const copy = { ...first!.item, id: 'copy', feedId: 'another-feed', guid: undefined, url: 'https://elsewhere.example/a', publishedAt: later };
    const result = groupIntoStories([first!.item, copy]);
    expect(result.duplicatesDropped).toBe(1);
    expect(result.stories.flatMap((story) => story.items).map((item) => item.id)).toEqual([first!.item.id]);
  });

  it('puts every item in exactly one story or counts it as dropped, whatever the subset and order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(labelled, { minLength: 1, maxLength: 120 }), (entries) => {
        const items = entries.map((entry) => entry.item);
        const { stories, duplicatesDropped } = groupIntoStories(items);
        const placed = stories.flatMap((story) => story.items.map((item) => item.id));
        expect(new Set(placed).size).toBe(placed.length);
        expect(placed.length + duplicatesDropped).toBe(items.length);
        for (const story of stories) expect(story.updatedAt).toBe(story.items.at(-1)!.publishedAt);
      }),
      { numRuns: 25 },
    );
  });

  it('does not depend on the input order', () => {
    const items = labelled.slice(0, 150).map((entry) => entry.item);
    const canonical = (stories: Story[]) => stories.map((story) => `${story.id}:${story.items.map((item) => item.id).join(',')}`).sort();
    const expected = canonical(groupIntoStories(items).stories);
    fc.assert(
      fc.property(fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }), (shuffled) => {
        expect(canonical(groupIntoStories(shuffled).stories)).toEqual(expected);
      }),
      { numRuns: 5 },
    );
  });
});

describe('applyDeliveryMemory', () => {
  const item = labelled[0]!.item;
  const story = (id: string, size: number): Story => ({ id, items: Array.from({ length: size }, (_, i) => ({ ...item, id: `${id}-${i}` })), updatedAt: item.publishedAt });

  it('drops stories delivered with no new items, marks those with new items as updates, keeps new ones', () => {
    const result = applyDeliveryMemory([story('old', 2), story('grown', 3), story('new', 1)], new Map([['old', 2], ['grown', 2]]));
    expect(result.map((s) => [s.id, s.isUpdate ?? false])).toEqual([
      ['grown', true],
      ['new', false],
    ]);
  });
});
