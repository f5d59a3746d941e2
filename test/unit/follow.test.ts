import { describe, expect, it } from 'vitest';
import type { Story } from '../../src/dedup/story.js';
import { storiesNewIn } from '../../src/subscriptions/follow.js';
import { newsItem } from '../support/subscription-fixtures.js';

const HOUR_MS = 3_600_000;
const START = new Date('2026-03-10T06:00:00Z');
const at = (hours: number) => new Date(START.getTime() + hours * HOUR_MS);

describe('storiesNewIn with copies (an entry other feeds listed too, stored once)', () => {
  // The wire's entry, copied by the outlet an hour later and by the digest three hours later.
  const original = newsItem('wire-1', { feedId: 'wire', source: 'Wire', title: 'River flood closes the old town bridge', publishedAt: at(0) });
  const copy = (id: string, feedId: string, hours: number) => ({ ...original, id, feedId, sourceName: feedId, firstSeenAt: at(hours).toISOString() });
  // Redis returns a hash's fields in no set order: here the later copy comes first.
  const story: Story = { id: 's1', items: [original], updatedAt: original.publishedAt, copies: { [original.id]: [copy('digest-1', 'digest', 3), copy('outlet-1', 'outlet', 1)] } };

  it('reads the entry through the followed feed that listed it first, whatever the copies’ order', () => {
    // A briefing composed late, after the digest listed it too, for the window that saw the outlet list it.
    const stories = storiesNewIn([story], { feedIds: ['outlet', 'digest'], sections: [] }, { from: at(0.5), to: at(2) }, 24 * HOUR_MS);
    expect(stories.map((found) => found.items.map((item) => item.id))).toEqual([['outlet-1']]);
  });

  it('keeps as copies, to credit, only the other followed feeds that had listed the entry by the window’s end', () => {
    const [found] = storiesNewIn([story], { feedIds: ['wire', 'outlet', 'digest'], sections: [] }, { from: at(-1), to: at(2) }, 24 * HOUR_MS);
    expect(found?.items.map((item) => item.id)).toEqual(['wire-1']);
    expect(found?.copies).toEqual({ 'wire-1': [copy('outlet-1', 'outlet', 1)] });
    // One followed feed: nothing else to credit.
    expect(storiesNewIn([story], { feedIds: ['wire'], sections: [] }, { from: at(-1), to: at(4) }, 24 * HOUR_MS)[0]).not.toHaveProperty('copies');
  });
});
