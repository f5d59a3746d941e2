import { describe, expect, it } from 'vitest';
import { selectStories, type ComposeOptions } from '../../src/briefing/compose.js';
import { DEFAULT_PICK_TUNING, pickBullets } from '../../src/briefing/rank.js';
import { storySources, type Story } from '../../src/dedup/story.js';
import { FIXTURE_NOW, fixtureItem, fixtureStory } from '../fixtures/briefing/stories.js';

const options: ComposeOptions = { now: FIXTURE_NOW, timezone: 'UTC', locale: 'en', maxBullets: 12 };

/** A story carried by the given outlets (one item each), `hoursAgo` old. */
function story(id: string, outlets: string[], hoursAgo: number): Story {
  const publishedAt = new Date(FIXTURE_NOW.getTime() - hoursAgo * 3_600_000).toISOString();
  return fixtureStory(id, outlets.map((sourceName) => fixtureItem({ sourceName, title: `${id} happened`, text: `${id} happened today.`, publishedAt })));
}

/** Eight feeds of ten one-outlet stories each; feed k's items are k days old, so the newest feed would take every bullet on recency alone. */
function eightFeeds(): Story[] {
  return Array.from({ length: 8 }, (_, feed) => Array.from({ length: 10 }, (_, n) => story(`feed${feed}-story${n}`, [`Outlet ${feed}`], feed * 24 + n * 0.1))).flat();
}

describe('ranking shows the day, not one feed', () => {
  it('draws a 12-bullet briefing over eight feeds from all eight', () => {
    const { chosen } = selectStories(eightFeeds(), options);
    expect(chosen).toHaveLength(12);
    expect(new Set(chosen.flatMap(({ story: s }) => storySources(s)))).toEqual(new Set(Array.from({ length: 8 }, (_, feed) => `Outlet ${feed}`)));
  });

  it('without the share per feed, the newest feed would have taken every bullet it could', () => {
    const { chosen } = selectStories(eightFeeds(), { ...options, pickTuning: { feedRepeatFactor: 1 } });
    expect(chosen.filter(({ story: s }) => storySources(s).includes('Outlet 0'))).toHaveLength(10);
  });

  it('puts the most-covered stories first, and never holds back a story many outlets carry', () => {
    const stories = [...eightFeeds(), story('wide', ['Outlet 0', 'Outlet 1', 'Outlet 2', 'Outlet 3', 'Outlet 4'], 30)];
    const { chosen } = selectStories(stories, options);
    expect(chosen[0]!.story.id).toBe('wide');
  });

  it('leaves out a story far below the best-covered one only in a large stream', () => {
    const lead = story('lead', Array.from({ length: 100 }, (_, n) => `Outlet ${n}`), 2);
    const lone = story('lone', ['Outlet 7'], 1);
    const floorOf = (stories: Story[]) => pickBullets(stories.map((s) => ({ story: s, section: 'Top', score: 1 })), { maxBullets: 10 });
    expect(floorOf([lead, lone]).chosen.map(({ story: s }) => s.id)).toEqual(['lead']);
    expect(floorOf([lead, lone]).cut.map((s) => s.id)).toEqual(['lone']);
    // Among a few feeds every story stays (the floor is a share of the lead story's outlets).
    const small = story('small-lead', ['Outlet 1', 'Outlet 2', 'Outlet 3'], 2);
    expect(floorOf([small, lone]).chosen.map(({ story: s }) => s.id).sort()).toEqual(['lone', 'small-lead']);
    expect(DEFAULT_PICK_TUNING.coverageFloorShare * 33).toBeLessThan(1);
  });

  it('cuts a smaller story echoing one already in the briefing, keeps one of similar coverage', () => {
    const big = story('big', ['A', 'B', 'C', 'D', 'E', 'F'], 2);
    const echo = story('echo', ['G'], 1);
    const sibling = story('sibling', ['H', 'I', 'J', 'K'], 1);
    const similarity = (a: Story, b: Story) => ([a.id, b.id].includes('big') ? 0.5 : 0);
    const ranked = [big, echo, sibling].map((s, index) => ({ story: s, section: 'Top', score: 10 - index }));
    const { chosen, cut } = pickBullets(ranked, { maxBullets: 10, similarity });
    expect(chosen.map(({ story: s }) => s.id)).toEqual(['big', 'sibling']);
    expect(cut.map((s) => s.id)).toEqual(['echo']);
  });
});
