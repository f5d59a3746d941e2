import { describe, expect, it } from 'vitest';
import type { BriefingEvaluation } from '../../src/dedup/evaluate.js';
import { loadJapaneseDay } from '../fixtures/ja-day/ja-day.js';
import { briefingQuality, briefLabelledSet } from '../support/story-quality.js';

const labelled = loadJapaneseDay();
const EVENTS = new Set(labelled.map((entry) => entry.story)).size;

/** Retellings of one event in one bullet, different events apart, every event in the briefing. */
function meetsMark(evaluation: BriefingEvaluation): boolean {
  return evaluation.bcubed.f1 >= 0.9 && evaluation.bcubed.precision >= 0.95 && evaluation.storiesShown === EVENTS;
}

/** Events of one war, or of one kind of news, that must stay in bullets of their own. */
const KEPT_APART = ['ua-ceasefire-jeddah', 'ua-chiefs-paris', 'ua-moscow-drones', 'ua-prisoner-swap', 'jp-defense-russia-aircraft', 'gaza-talks-doha'];

describe('a labelled Japanese news day (102 items, 7 outlets, 26 events)', () => {
  it('is as labelled: at least 100 items from at least 5 outlets, every event retold by two or more', () => {
    expect(labelled.length).toBeGreaterThanOrEqual(100);
    expect(new Set(labelled.map((entry) => entry.item.sourceName)).size).toBeGreaterThanOrEqual(5);
    const outletsPerEvent = new Map<string, Set<string>>();
    for (const { story, item } of labelled) outletsPerEvent.set(story, (outletsPerEvent.get(story) ?? new Set()).add(item.sourceName));
    for (const outlets of outletsPerEvent.values()) expect(outlets.size).toBeGreaterThanOrEqual(2);
  });

  it('briefs every event, retellings merged: B-cubed F1 ≥ 0.90 with precision ≥ 0.95', async () => {
    const evaluation = await briefingQuality(labelled, 100);
    expect(evaluation.storiesShown).toBe(EVENTS);
    expect(evaluation.bcubed.precision).toBeGreaterThanOrEqual(0.95);
    expect(evaluation.bcubed.f1).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps the ceasefire talks, the military chiefs in Paris, the drone attack, the prisoner swap, the minister on bombers and the Gaza talks in bullets of their own', async () => {
    const briefing = await briefLabelledSet(labelled, 100);
    const eventOf = new Map(labelled.map((entry) => [entry.item.url!, entry.story]));
    const bullets = briefing.sections.flatMap((section) => section.bullets);
    for (const event of KEPT_APART) {
      const carrying = bullets.filter((bullet) => bullet.items.some((link) => eventOf.get(link) === event));
      expect(carrying.length, event).toBeGreaterThanOrEqual(1);
      for (const bullet of carrying) {
        const others = new Set(bullet.items.map((link) => eventOf.get(link)).filter((other) => other !== event && KEPT_APART.includes(other!)));
        expect([...others], `${event} shares a bullet`).toEqual([]);
      }
    }
  });

  it('sets a mark that neither no clustering nor everything in one story reaches', async () => {
    expect(meetsMark(await briefingQuality(labelled, 100, 'no-clustering'))).toBe(false);
    expect(meetsMark(await briefingQuality(labelled, 100, 'everything-in-one'))).toBe(false);
  });
});
