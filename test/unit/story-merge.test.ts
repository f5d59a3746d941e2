import { describe, expect, it } from 'vitest';
import type { Story } from '../../src/dedup/story.js';
import { mergeSimilarStories } from '../../src/dedup/story-merge.js';
import { fixtureItem, fixtureStory } from '../fixtures/briefing/stories.js';

function story(id: string, titles: string[], at = '2026-11-26T04:00:00Z'): Story {
  return fixtureStory(id, titles.map((title, n) => fixtureItem({ sourceName: `${id} outlet ${n}`, title, text: '', language: 'en', publishedAt: at })));
}

/** Other news of the window, so that IDF tells common words from names. */
const background = [
  story('rates', ['Central bank holds rates steady', 'Bank keeps interest rates on hold']),
  story('storm', ['Storm Fenella brings floods to Wales', 'Wales braces for Storm Fenella floods']),
  story('match', ['City beat United in derby', 'United lose derby to City']),
];

describe('mergeSimilarStories', () => {
  it('merges two stories of one event that online clustering started apart, under the older id', () => {
    const first = story('sbarro-1', ['Sbarro files for bankruptcy protection', 'Pizza chain Sbarro files for bankruptcy again'], '2026-11-26T03:00:00Z');
    const second = story('sbarro-2', ['Pizza-maker Sbarro filing for bankruptcy, Chapter 11', 'Sbarro bankruptcy filing is its second'], '2026-11-26T05:00:00Z');
    const merged = mergeSimilarStories([second, ...background, first]);
    const sbarro = merged.stories.find((s) => s.items.some((item) => item.title.includes('Sbarro')))!;
    expect(sbarro.id).toBe('sbarro-1');
    expect(sbarro.items).toHaveLength(4);
    expect(sbarro.items.map((item) => item.publishedAt)).toEqual([...sbarro.items.map((item) => item.publishedAt)].sort());
    expect(sbarro.updatedAt).toBe(second.updatedAt);
    expect(merged.partsOf(sbarro).map((s) => s.id).sort()).toEqual(['sbarro-1', 'sbarro-2']);
    expect(merged.stories).toHaveLength(4);
  });

  it('keeps the copies of both stories (other feeds that carried an entry), so the bullet still credits them', () => {
    const first = story('sbarro-1', ['Sbarro files for bankruptcy protection', 'Pizza chain Sbarro files for bankruptcy again'], '2026-11-26T03:00:00Z');
    const second = story('sbarro-2', ['Pizza-maker Sbarro filing for bankruptcy, Chapter 11', 'Sbarro bankruptcy filing is its second'], '2026-11-26T05:00:00Z');
    const copied = second.items[0]!;
    const copies = { [copied.id]: [{ ...copied, id: 'digest-1', feedId: 'digest', sourceName: 'Digest' }] };
    const merged = mergeSimilarStories([{ ...second, copies }, ...background, first]);
    expect(merged.stories.find((s) => s.id === 'sbarro-1')?.copies).toEqual(copies);
  });

  it('keeps different events apart, and tells how alike the stories it kept are', () => {
    const merged = mergeSimilarStories(background);
    expect(merged.stories.map((s) => s.id).sort()).toEqual(['match', 'rates', 'storm']);
    const [rates, storm] = ['rates', 'storm'].map((id) => merged.stories.find((s) => s.id === id)!);
    expect(merged.similarity(rates!, storm!)).toBeLessThan(0.1);
    expect(merged.similarity(rates!, rates!)).toBeCloseTo(1);
    expect(merged.partsOf(rates!)).toEqual([rates]);
  });

  it("keeps Monday's bulletin and Tuesday's apart, though they are alike in nearly every word", () => {
    const monday = story('flu-mon', ['Influenza update: 1,284 new hospital admissions on Monday', 'Flu admissions 1,284 on Monday'], '2026-11-23T09:00:00Z');
    const tuesday = story('flu-tue', ['Influenza update: 1,197 new hospital admissions on Tuesday', 'Flu admissions 1,197 on Tuesday'], '2026-11-24T09:00:00Z');
    const sameDay = mergeSimilarStories([monday, { ...tuesday, items: tuesday.items.map((item) => ({ ...item, publishedAt: '2026-11-23T10:00:00Z' })) }, ...background]);
    expect(sameDay.stories).toHaveLength(4);
    const merged = mergeSimilarStories([monday, tuesday, ...background]);
    expect(merged.stories).toHaveLength(5);
    expect(merged.similarity(merged.stories.find((s) => s.id === 'flu-mon')!, merged.stories.find((s) => s.id === 'flu-tue')!)).toBeLessThan(0.3);
  });

  it('does not depend on the order of the stories', () => {
    const a = story('a', ['Volcano erupts in Iceland, flights halted']);
    const b = story('b', ['Iceland volcano eruption halts flights']);
    const ids = (stories: Story[]) => mergeSimilarStories(stories).stories.map((s) => s.items.map((item) => item.id).sort().join()).sort();
    expect(ids([a, b, ...background])).toEqual(ids([...background, b, a]));
  });
});
