import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectStories } from '../../src/briefing/compose.js';
import { readingOrder, sameSeries, type OrderedStory } from '../../src/briefing/order.js';
import type { Story } from '../../src/dedup/story.js';
import { FIXTURE_NOW, fixtureItem, fixtureStory } from '../fixtures/briefing/stories.js';

const at = (hoursAgo: number) => new Date(FIXTURE_NOW.getTime() - hoursAgo * 3_600_000).toISOString();

/** A story of one item per outlet, first reported `hoursAgo` before FIXTURE_NOW. */
function story(id: string, title: string, hoursAgo: number, outlets: string[] = ['Wire'], language = 'en'): Story {
  return fixtureStory(id, outlets.map((sourceName, n) => fixtureItem({ sourceName, language, title, text: `${title}. Officials gave the figures today.`, publishedAt: at(hoursAgo - n * 0.5) })));
}

describe('sameSeries', () => {
  it('knows installments by titles that begin alike once numbers are set aside', () => {
    expect(sameSeries(story('a', 'Influenza update: 1,284 new hospital admissions on Monday', 50), story('b', 'Influenza update: 1,197 new hospital admissions on Tuesday', 26))).toBe(true);
    expect(sameSeries(story('a', 'Stocks close: S&P 500 falls 0.8% as tariff worries weigh', 30), story('b', 'Stocks close: S&P 500 rises 0.5% after cooler inflation data', 6))).toBe(true);
    expect(sameSeries(story('a', '日経平均終値、634円安の3万6159円', 30, ['A'], 'ja'), story('b', '日経平均終値、21円高の3万6819円', 6, ['A'], 'ja'))).toBe(true);
    expect(sameSeries(story('a', '10日の花粉飛散予測 関東は「非常に多い」', 50, ['A'], 'ja'), story('b', '11日の花粉飛散予測 関東は雨で「少ない」', 26, ['A'], 'ja'))).toBe(true);
    // Numbers alone, or two shared words, make no series.
    expect(sameSeries(story('a', '10日の国会 予算成立', 50, ['A'], 'ja'), story('b', '11日の花粉飛散予測', 26, ['A'], 'ja'))).toBe(false);
    expect(sameSeries(story('a', 'Ridge Fire grows to 6,800 acres', 5), story('b', 'Ridge Fire crews gain ground', 3))).toBe(false);
    expect(sameSeries(story('a', 'Texas measles outbreak grows to 223 cases', 5), story('b', 'Ukraine agrees to U.S. proposal for 30-day ceasefire', 3))).toBe(false);
  });
});

describe('readingOrder', () => {
  it('reads a series newest first, kept together, and never lets an ordinary bullet before a top story', () => {
    const stories = [
      story('flu-tue', 'Influenza update: 1,197 new hospital admissions on Tuesday', 26, ['Ministry', 'Digest']),
      story('flu-mon', 'Influenza update: 1,284 new hospital admissions on Monday', 50, ['Ministry', 'Courier']),
      story('stocks-wed', 'Stocks close: S&P 500 rises 0.5% after cooler inflation data', 4, ['Markets', 'Street']),
      story('flu-wed', 'Influenza update: 1,231 new hospital admissions on Wednesday', 3, ['Ministry']),
      story('stocks-tue', 'Stocks close: S&P 500 falls 0.8% as tariff worries weigh', 28, ['Markets']),
      story('stocks-mon', 'Stocks close: S&P 500 falls 2.7% as tech sell-off deepens', 52, ['Markets', 'Street', 'Digest']),
      story('fire', 'Ridge Fire grows to 6,800 acres, 8,000 evacuated', 30, ['Wire', 'Star', 'Report']),
    ];
    const { chosen } = selectStories(stories, { now: FIXTURE_NOW, timezone: 'UTC', locale: 'en', maxBullets: 10 });
    expect(chosen.map((c) => [c.important, c.story.id])).toEqual([
      [true, 'fire'],
      [true, 'stocks-mon'],
      [false, 'stocks-wed'],
      [false, 'stocks-tue'],
      [false, 'flu-wed'],
      [false, 'flu-tue'],
      [false, 'flu-mon'],
    ]);
  });

  it('puts the most-covered first within a tier, and on a tie the newest', () => {
    const candidates: OrderedStory[] = [
      { story: story('old', 'Bridge closes for repairs', 20), standing: 1, important: false },
      { story: story('new', 'Council passes the budget', 2), standing: 1, important: false },
      { story: story('wide', 'Storm hits the coast', 30), standing: 2, important: false },
    ];
    expect(readingOrder(candidates).map((c) => c.story.id)).toEqual(['wide', 'new', 'old']);
  });

  const TITLES = ['Influenza update: N admissions', 'Stocks close: S&P 500 moves N%', 'Council passes budget N', 'Storm N hits coast', 'Bridge reopens after N years'];
  const candidatesArb = fc.array(fc.record({ title: fc.constantFrom(...TITLES), n: fc.integer({ min: 1, max: 999 }), hoursAgo: fc.integer({ min: 0, max: 96 }), standing: fc.integer({ min: 1, max: 4 }), important: fc.boolean() }), { maxLength: 20 });

  it('property: every story once; top stories first; a series together and newest first within its tier', () => {
    fc.assert(
      fc.property(candidatesArb, (specs) => {
        const candidates = specs.map((spec, i): OrderedStory => ({ story: story(`s${i}`, spec.title.replace('N', String(spec.n)), spec.hoursAgo), standing: spec.standing, important: spec.important }));
        const ordered = readingOrder(candidates);
        expect(new Set(ordered)).toEqual(new Set(candidates));
        expect(ordered).toHaveLength(candidates.length);
        const firstOrdinary = ordered.findIndex((c) => !c.important);
        if (firstOrdinary >= 0) expect(ordered.slice(firstOrdinary).every((c) => !c.important)).toBe(true);
        for (const tier of [true, false]) {
          const inTier = ordered.filter((c) => c.important === tier);
          for (const title of TITLES) {
            const positions = inTier.flatMap((c, i) => (specs[Number(c.story.id.slice(1))]!.title === title ? [i] : []));
            if (positions.length === 0) continue;
            // Adjacent…
            expect(positions.at(-1)! - positions[0]!).toBe(positions.length - 1);
            // …and newest first.
            const ages = positions.map((i) => specs[Number(inTier[i]!.story.id.slice(1))]!.hoursAgo);
            expect(ages).toEqual([...ages].sort((a, b) => a - b));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
