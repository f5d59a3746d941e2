import { describe, expect, it } from 'vitest';
import { briefStories } from '../../src/briefing/build.js';
import { parseConfig } from '../../src/config/load.js';
import { applyDeliveryMemory } from '../../src/dedup/delivery-memory.js';
import type { Story } from '../../src/dedup/story.js';
import { FIXTURE_NOW, fixtureItem, fixtureStory } from '../fixtures/briefing/stories.js';

const config = parseConfig({});
const request = { now: FIXTURE_NOW, timezone: 'UTC', locale: 'en' };

function story(id: string, titles: string[]): Story {
  return fixtureStory(id, titles.map((title, n) => fixtureItem({ sourceName: `${id} outlet ${n}`, title, text: `${title}.`, language: 'en', publishedAt: '2026-11-26T04:00:00Z' })));
}

const first = story('sbarro-1', ['Sbarro files for bankruptcy protection', 'Pizza chain Sbarro files for bankruptcy again']);
const second = story('sbarro-2', ['Pizza-maker Sbarro filing for bankruptcy, Chapter 11', 'Sbarro bankruptcy filing is its second']);
const others = [story('storm', ['Storm Fenella brings floods to Wales', 'Wales braces for Storm Fenella floods']), story('match', ['City beat United in derby', 'United lose derby to City'])];

describe('briefStories', () => {
  it('shows two stories of one event as one bullet, and tells delivery memory of both', async () => {
    const stats = { itemsIn: 8, duplicatesDropped: 0 };
    const { briefing, shown } = await briefStories([first, second, ...others], stats, config, request);
    const bullets = briefing!.sections.flatMap((section) => section.bullets);
    expect(bullets).toHaveLength(3);
    expect(bullets.find((bullet) => bullet.headline.includes('Sbarro'))!.items).toHaveLength(4);
    expect(shown.map((s) => s.id).sort()).toEqual(['match', 'sbarro-1', 'sbarro-2', 'storm']);
    // The next briefing: neither part comes back as new.
    const delivered = new Map(shown.map((s) => [s.id, s.items.length]));
    expect(applyDeliveryMemory([first, second, ...others], delivered)).toEqual([]);
  });
});
