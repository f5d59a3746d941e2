import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeBriefing } from '../../src/briefing/compose.js';
import type { Item } from '../../src/feeds/item.js';
import { breakingStories } from '../../src/subscriptions/breaking.js';
import { summarizeExtractive } from '../../src/summarize/extractive.js';
import { isFillerSentence, isPlaceholderItem } from '../../src/summarize/placeholder.js';
import { FIXTURE_NOW, fixtureItem, fixtureStory } from '../fixtures/briefing/stories.js';

const item = (language: string, title: string, text: string): Item => fixtureItem({ sourceName: 'Desk', language, title, text });

/** [language, title, text, placeholder?]: what a reader would say, whatever the length. */
const TABLE: [string, string, string, boolean][] = [
  // Placeholders: a topic and a promise, or nothing.
  ['ja', '地震情報', '続報をお待ちください。', true],
  ['ja', '地震情報', '詳細は後ほど。', true],
  ['ja', '地震情報', '（詳細は追ってお伝えします）', true],
  ['ja', '速報', '詳しいことが分かり次第お伝えします。', true],
  ['ja', 'ニュース速報', '', true],
  ['en', 'Live updates', 'Follow our live coverage.', true],
  ['en', 'Breaking news', 'More to follow.', true],
  ['en', 'Earthquake', 'Details to come. Check back for updates.', true],
  ['en', 'Just in: Earthquake', 'This story is developing.', true],
  ['en', 'Update', '', true],
  ['zh', '地震消息', '详情稍后报道。', true],
  ['zh', '快讯', '敬请关注。', true],
  ['zh', '突發新聞', '詳情稍後報導。', true],
  ['de', 'Eilmeldung', 'Mehr in Kürze.', true],
  ['de', 'Erdbeben', 'Weitere Informationen folgen.', true],
  // Short, but a fact in the title or the text: a reader learns something.
  ['ja', '宮城県沖で震度4 津波の心配なし', '', false],
  ['ja', '宮城県沖で震度4 津波の心配なし', '続報をお待ちください。', false],
  ['ja', '地震情報', '宮城県沖で震度4。', false],
  ['ja', '首相辞任', '詳細は追ってお伝えします。', false],
  ['en', 'Pope dies', 'More to follow.', false],
  ['en', 'Markets live', 'Stocks open higher.', false],
  ['en', 'Weather warning', 'Amber warning for wind.', false],
  ['en', 'Breaking news', 'A 6.1 quake hit Lima. More to follow.', false],
  ['en', 'Live: Premier League', 'Arsenal beat Chelsea 2-1.', false],
  ['zh', '北京地震', '详情稍后报道。', false],
  ['zh', '快讯', '北京发生4级地震。', false],
  ['de', 'Erdbeben in Japan', 'Mehr in Kürze.', false],
  ['de', 'Eilmeldung', 'Der Kanzler tritt zurück.', false],
];

describe('isPlaceholderItem', () => {
  it.each(TABLE)('%s: %s / %s → %s', (language, title, text, expected) => {
    expect(isPlaceholderItem(item(language, title, text))).toBe(expected);
  });

  it('is about content, not length: neither "drop every short item" nor "drop nothing" agrees with the table', () => {
    const length = ([, title, text]: (typeof TABLE)[number]) => title.length + text.length;
    const shortest = Math.max(...TABLE.filter(([, , , placeholder]) => placeholder).map(length));
    const trivialRules = [(row: (typeof TABLE)[number]) => length(row) <= shortest, () => false];
    for (const rule of trivialRules) expect(TABLE.every((row) => rule(row) === row[3])).toBe(false);
    expect(TABLE.every(([language, title, text, placeholder]) => isPlaceholderItem(item(language, title, text)) === placeholder)).toBe(true);
  });

  /** Per language: titles that only name a topic, promises, facts, and how sentences are joined. */
  const LANGUAGES = {
    ja: { titles: ['地震情報', '速報', 'ニュース速報'], promises: ['続報をお待ちください。', '詳細は追ってお伝えします。', '詳しいことが分かり次第お伝えします。'], facts: ['宮城県沖で震度4を観測した。', '津波の心配はない。'], joiner: '' },
    en: { titles: ['Breaking news', 'Live updates', 'Wildfire'], promises: ['More to follow.', 'Details to come.', 'Stay tuned for updates.', 'This story is developing.'], facts: ['The fire has burned 6,800 acres.', 'Stocks open higher.'], joiner: ' ' },
    zh: { titles: ['快讯', '地震消息', '突发'], promises: ['详情稍后报道。', '敬请关注。', '持续更新中。'], facts: ['北京发生4级地震。', '暂无人员伤亡。'], joiner: '' },
    de: { titles: ['Eilmeldung', 'Erdbeben', 'Liveticker'], promises: ['Mehr in Kürze.', 'Weitere Details folgen.', 'Wir berichten weiter.'], facts: ['Der Kanzler tritt zurück.', 'Die Bahn stellt den Verkehr ein.'], joiner: ' ' },
  };
  const cases = fc.constantFrom(...(Object.keys(LANGUAGES) as (keyof typeof LANGUAGES)[])).chain((language) => {
    const { titles, promises, facts, joiner } = LANGUAGES[language];
    return fc.record({ language: fc.constant(language), joiner: fc.constant(joiner), title: fc.constantFrom(...titles), promises: fc.array(fc.constantFrom(...promises), { maxLength: 4 }), fact: fc.constantFrom(...facts), at: fc.nat() });
  });

  it('property: a topic title over any run of promises is a placeholder; one fact anywhere in it makes it news', () => {
    fc.assert(
      fc.property(cases, ({ language, joiner, title, promises, fact, at }) => {
        expect(isPlaceholderItem(item(language, title, promises.join(joiner)))).toBe(true);
        const withFact = [...promises];
        withFact.splice(at % (promises.length + 1), 0, fact);
        expect(isPlaceholderItem(item(language, title, withFact.join(joiner)))).toBe(false);
        // A title with a fact in it is news even with nothing but promises below.
        expect(isPlaceholderItem(item(language, `${title}: ${fact}`, promises.join(joiner)))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('knows a promise only as a whole sentence', () => {
    expect(isFillerSentence('More to follow.')).toBe(true);
    expect(isFillerSentence('[More details soon]')).toBe(true);
    expect(isFillerSentence('More to follow on the budget next week, the minister said.')).toBe(false);
    expect(isFillerSentence('Breaking: fire kills three in Leeds.')).toBe(false);
    expect(isFillerSentence('詳細は明らかにされていない。')).toBe(false);
  });
});

describe('placeholders in a briefing', () => {
  const at = (hoursAgo: number) => new Date(FIXTURE_NOW.getTime() - hoursAgo * 3_600_000).toISOString();
  const options = { now: FIXTURE_NOW, timezone: 'Asia/Tokyo', locale: 'ja', maxBullets: 10 };

  it('gives a story of placeholders alone no bullet, and counts its items as cut', () => {
    const stub = fixtureStory('stub', [fixtureItem({ sourceName: '速報', language: 'ja', title: '地震情報', text: '続報をお待ちください。', publishedAt: at(1) })]);
    const quake = fixtureStory('quake', [fixtureItem({ sourceName: '通信社', language: 'ja', title: '宮城県沖で震度4 津波の心配なし', text: '', publishedAt: at(2) })]);
    const briefing = composeBriefing([stub, quake], new Map(), { itemsIn: 2, duplicatesDropped: 0 }, options)!;
    const bullets = briefing.sections.flatMap((section) => section.bullets);
    expect(bullets.map((bullet) => bullet.headline)).toEqual(['宮城県沖で震度4 津波の心配なし']);
    expect(briefing.stats).toMatchObject({ bullets: 1, storiesCut: 1, itemsCut: 1 });
  });

  it('lets a placeholder count as a source of a story with facts, never give its headline or a sentence', () => {
    const story = fixtureStory('quake', [
      fixtureItem({ sourceName: '速報', language: 'ja', title: '地震情報', text: '続報をお待ちください。', publishedAt: at(3) }),
      fixtureItem({ sourceName: '通信社', language: 'ja', title: '宮城県沖で震度4', text: '9日午前、宮城県沖を震源とする地震があり、石巻市で震度4を観測した。', publishedAt: at(2) }),
    ]);
    expect(summarizeExtractive(story)).toEqual({ headline: '宮城県沖で震度4', summary: '9日午前、宮城県沖を震源とする地震があり、石巻市で震度4を観測した。', language: 'ja' });
    const briefing = composeBriefing([story], new Map(), { itemsIn: 2, duplicatesDropped: 0 }, options)!;
    expect(briefing.sections[0]!.bullets[0]!.sources.map((source) => source.name)).toEqual(['速報', '通信社']);
  });

  it('raises no breaking alert for a story of placeholders, however many outlets carry it, until a report with facts joins', () => {
    const subscription = { feedIds: [], sections: [], breakingMinSources: 2 };
    const stubs = ['速報', '号外ネット'].map((sourceName) => fixtureItem({ sourceName, language: 'ja', title: '地震情報', text: '続報をお待ちください。', publishedAt: at(2) }));
    expect(breakingStories([fixtureStory('quake', stubs)], subscription)).toEqual([]);
    const report = fixtureItem({ sourceName: '通信社', language: 'ja', title: '宮城県沖で震度4', text: '宮城県沖で震度4を観測した。', publishedAt: at(1) });
    expect(breakingStories([fixtureStory('quake', [...stubs, report])], subscription).map((story) => story.id)).toEqual(['quake']);
  });

  it('never puts a promise into a summary', () => {
    const story = fixtureStory('fire', [fixtureItem({ sourceName: 'Wire', language: 'en', title: 'Wildfire forces evacuations', text: 'About 8,000 people left their homes near Camarillo. More to follow.' })]);
    expect(summarizeExtractive(story).summary).toBe('About 8,000 people left their homes near Camarillo.');
  });
});
