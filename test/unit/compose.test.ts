import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeBriefing, selectStories, type ComposeOptions } from '../../src/briefing/compose.js';
import { dailyHashtag } from '../../src/briefing/footer.js';
import { compileKeywords } from '../../src/briefing/keywords.js';
import { labelsFor } from '../../src/briefing/labels.js';
import type { Briefing } from '../../src/briefing/model.js';
import { parseConfig } from '../../src/config/load.js';
import type { Story } from '../../src/dedup/story.js';
import { previewBriefing } from '../../src/preview/build-briefing.js';
import { renderParts } from '../../src/render/index.js';
import { composeFixtureBriefing, FIXTURE_BRIEFINGS, readFixtureBriefing, UPDATE_GOLDEN, writeFixtureBriefing } from '../fixtures/briefing/briefings.js';
import { englishStories, FIXTURE_NOW, fixtureItem, fixtureStory, japaneseStories } from '../fixtures/briefing/stories.js';

const base: ComposeOptions = { now: FIXTURE_NOW, timezone: 'UTC', locale: 'en', maxBullets: 20 };
const noSummaries = new Map();
const bullets = (briefing: Briefing) => briefing.sections.flatMap((section) => section.bullets);
const headlines = (briefing: Briefing) => bullets(briefing).map((bullet) => bullet.headline);

/** A one-item story from `source`, published `hoursAgo` before FIXTURE_NOW. */
function story(id: string, title: string, options: { hoursAgo?: number; sources?: string[]; section?: string; categories?: string[]; text?: string } = {}): Story {
  const publishedAt = new Date(FIXTURE_NOW.getTime() - (options.hoursAgo ?? 1) * 3_600_000).toISOString();
  const items = (options.sources ?? ['Wire']).map((sourceName) =>
    fixtureItem({ sourceName, title, text: options.text ?? `${title}. It happened today.`, publishedAt, section: options.section, categories: options.categories ?? [] }),
  );
  return fixtureStory(id, items);
}

describe('composeBriefing on the fixture windows', () => {
  for (const name of FIXTURE_BRIEFINGS) {
    it(`gives the stored ${name} briefing (UPDATE_GOLDEN=1 rewrites it)`, () => {
      const composed = composeFixtureBriefing(name);
      if (UPDATE_GOLDEN) writeFixtureBriefing(name, composed);
      expect(composed).toEqual(readFixtureBriefing(name));
    });
  }

  it('dates the title in the subscriber time zone and locale', () => {
    const lateUtc = new Date('2026-11-26T20:00:00Z');
    const tokyo = composeBriefing(japaneseStories, noSummaries, { itemsIn: 5, duplicatesDropped: 0 }, { ...base, now: lateUtc, timezone: 'Asia/Tokyo', locale: 'ja-JP' })!;
    expect(tokyo.date).toBe('2026-11-27');
    expect(tokyo.title).toContain('2026年11月27日');
    const la = composeBriefing(englishStories, noSummaries, { itemsIn: 9, duplicatesDropped: 0 }, { ...base, now: lateUtc, timezone: 'America/Los_Angeles', locale: 'en-US' })!;
    expect(la.date).toBe('2026-11-26');
    expect(la.title).toContain('Thursday, November 26, 2026');
  });
});

describe('ranking', () => {
  it('puts a story with more distinct sources first, and recent before old', () => {
    const lone = story('lone', 'Lone story', { hoursAgo: 1 });
    const widely = story('wide', 'Widely reported', { hoursAgo: 1, sources: ['A', 'B', 'C', 'D'] });
    const old = story('old', 'Old story', { hoursAgo: 30 });
    const { chosen } = selectStories([old, lone, widely], base);
    expect(chosen.map((c) => c.story.id)).toEqual(['wide', 'lone', 'old']);
  });

  it('lets feed weights and boosts lift a story, and mutes drop it', () => {
    const a = story('a', 'Quarterly results at a bakery', { sources: ['Bakery Daily'] });
    const b = story('b', 'Cryptocurrency exchange opens', { sources: ['Coin Wire'] });
    const c = story('c', 'Football final tonight', { sources: ['Sport Desk'] });
    expect(selectStories([a, b, c], base).chosen[0]!.story.id).toBe('a');
    expect(selectStories([a, b, c], { ...base, boosts: ['crypto*'] }).chosen[0]!.story.id).toBe('b');
    expect(selectStories([a, b, c], { ...base, feedWeights: { [c.items[0]!.feedId]: 3 } }).chosen[0]!.story.id).toBe('c');
    const muted = selectStories([a, b, c], { ...base, mutes: ['football'] });
    expect(muted.muted.map((s) => s.id)).toEqual(['c']);
    expect(muted.chosen.map((s) => s.story.id)).not.toContain('c');
  });

  it('caps bullets per section and per briefing, keeping the best', () => {
    const stories = Array.from({ length: 6 }, (_, i) => story(`s${i}`, `Story number ${i}`, { hoursAgo: i + 1, section: i % 2 === 0 ? 'World' : 'Tech' }));
    const { chosen, cut } = selectStories(stories, { ...base, maxBullets: 4, maxPerSection: 1 });
    expect(chosen.map((c) => c.story.id)).toEqual(['s0', 's1']);
    expect(cut).toHaveLength(4);
    expect(selectStories(stories, { ...base, maxBullets: 3 }).chosen.map((c) => c.story.id)).toEqual(['s0', 's1', 's2']);
  });

  it('orders sections as configured, then the others by their best story', () => {
    const stories = [story('w', 'World news', { section: 'World', hoursAgo: 5 }), story('t', 'Tech news', { section: 'Tech', hoursAgo: 1 }), story('x', 'Other news', { hoursAgo: 2 })];
    const briefing = composeBriefing(stories, noSummaries, { itemsIn: 3, duplicatesDropped: 0 }, { ...base, sections: { World: { emoji: '🌍' } } })!;
    expect(briefing.sections.map((s) => [s.emoji, s.title])).toEqual([['🌍', 'World'], ['📰', 'Tech'], ['📰', 'Top stories']]);
  });

  it('takes the section from a category naming a configured section', () => {
    const briefing = composeBriefing([story('c', 'Chip news', { categories: ['tech'] })], noSummaries, { itemsIn: 1, duplicatesDropped: 0 }, { ...base, sections: { Tech: { emoji: '💻' } } })!;
    expect(briefing.sections[0]!.title).toBe('Tech');
  });
});

describe('bullets', () => {
  it('marks important (many sources or keyword) and updates with configurable emoji', () => {
    const many = story('many', 'Many sources', { sources: ['A', 'B', 'C'] });
    const keyword = story('kw', 'Volcano erupts near town');
    const update = { ...story('up', 'An update'), isUpdate: true };
    const plain = story('plain', 'Plain story');
    const both = { ...story('both', 'Big update', { sources: ['A', 'B', 'C'] }), isUpdate: true };
    const emojiOf = (options: Partial<ComposeOptions>) => {
      const briefing = composeBriefing([many, keyword, update, plain, both], noSummaries, { itemsIn: 9, duplicatesDropped: 0 }, { ...base, importantKeywords: ['volcano'], ...options })!;
      return Object.fromEntries(bullets(briefing).map((bullet) => [bullet.headline, bullet.emoji]));
    };
    expect(emojiOf({})).toEqual({ 'Many sources': '❗️', 'Volcano erupts near town': '❗️', 'An update': '🔄', 'Plain story': '🔸', 'Big update': '❗️🔄' });
    expect(emojiOf({ emoji: { bullet: '•', important: '‼️', update: '♻️' }, importantMinSources: 4 })).toEqual({
      'Many sources': '•', 'Volcano erupts near town': '‼️', 'An update': '♻️', 'Plain story': '•', 'Big update': '♻️',
    });
  });

  it('lists every source once, linking its first article, and every item link', () => {
    const briefing = readFixtureBriefing('en');
    const rates = bullets(briefing).find((bullet) => bullet.sources.length === 3)!;
    expect(rates.sources.map((s) => s.name)).toEqual(['Harbor Times', 'Daily Ledger', 'Market Wire']);
    expect(rates.items).toEqual(englishStories[0]!.items.map((item) => item.url));
  });

  it('uses the given summaries and summarizes the missing ones', () => {
    const a = story('a', 'First headline');
    const b = story('b', 'Second headline', { text: 'Second headline. The second story has a sentence of its own here.' });
    const briefing = composeBriefing([a, b], new Map([['a', { headline: 'Given headline', summary: 'Given summary.' }]]), { itemsIn: 2, duplicatesDropped: 0 }, base)!;
    expect(bullets(briefing).map((x) => [x.headline, x.summary])).toEqual([
      ['Given headline', 'Given summary.'],
      ['Second headline', 'The second story has a sentence of its own here.'],
    ]);
  });
});

describe('footer and empty windows', () => {
  it('writes #topicYYMMDD hashtags and source counts', () => {
    expect(dailyHashtag('World News', '2026-11-26')).toBe('#worldnews261126');
    expect(dailyHashtag('国内', '2026-01-02')).toBe('#国内260102');
    expect(dailyHashtag('🔥', '2026-01-02')).toBeUndefined();
    const briefing = readFixtureBriefing('en');
    expect(briefing.hashtags).toEqual(['#world261126', '#economy261126', '#tech261126', '#topstories261126']);
    expect(briefing.footer).toBe('5 stories from 7 sources · 2 duplicates merged');
  });

  it('shows the hashtags on Telegram only unless configured otherwise', () => {
    const briefing = readFixtureBriefing('en');
    const footerOf = (text: string) => text.slice(text.lastIndexOf('City Paper'));
    expect(footerOf(renderParts(briefing, 'telegram').at(-1)!.text)).toContain('#world261126 #economy261126');
    expect(JSON.stringify(renderParts(briefing, 'discord'))).not.toContain('#world261126');
    expect(renderParts(briefing, 'text')[0]!.text).not.toContain('#world261126');
    const everywhere = parseConfig({ briefing: { hashtags: { discord: true, console: true, telegram: false } } }).briefing;
    expect(JSON.stringify(renderParts(briefing, 'discord', everywhere))).toContain('#world261126');
    expect(renderParts(briefing, 'text', everywhere)[0]!.text).toContain('#world261126 #economy261126 #tech261126 #topstories261126\n5 stories from 7 sources');
    expect(renderParts(briefing, 'telegram', everywhere).at(-1)!.text).not.toContain('#world261126');
  });

  it('gives a short "nothing new" briefing or nothing, as configured', () => {
    const message = composeBriefing([], noSummaries, { itemsIn: 0, duplicatesDropped: 0 }, { ...base, whenEmpty: 'message' })!;
    expect(message.sections).toEqual([]);
    expect(message.footer).toBe('Nothing new since the last briefing.');
    expect(composeBriefing([], noSummaries, { itemsIn: 0, duplicatesDropped: 0 }, { ...base, whenEmpty: 'nothing' })).toBeNull();
    const allMuted = composeBriefing([story('m', 'Football scores')], noSummaries, { itemsIn: 1, duplicatesDropped: 0 }, { ...base, mutes: ['football'], whenEmpty: 'nothing' });
    expect(allMuted).toBeNull();
    expect(composeBriefing([], noSummaries, { itemsIn: 0, duplicatesDropped: 0 }, { ...base, locale: 'ja' })!.footer).toContain('新しいニュースはありません');
  });

  it('speaks the subscriber language where it has words for it, English otherwise', () => {
    expect(labelsFor('de-AT').counts({ stories: 1, sources: 2, duplicates: 3 })).toBe('1 Meldung aus 2 Quellen · 3 Duplikate zusammengeführt');
    expect(labelsFor('zh-Hant-TW').title).toBe('新闻简报');
    expect(labelsFor('pt-BR').title).toBe('Resumo de notícias');
    expect(labelsFor('sv-SE')).toBe(labelsFor('en'));
    expect(labelsFor('not a locale!').title).toBe('News briefing');
  });

  it.each([
    ['it', 'Il consiglio approva il bilancio', 'Il consiglio comunale ha approvato martedì il nuovo bilancio: la spesa per le scuole della città salirà del 4% e non sono previsti tagli.', 'Notiziario · domenica 6 dicembre 2026', 'In primo piano', '1 notizia da 2 fonti'],
    ['pt', 'Câmara aprova o orçamento', 'A câmara municipal aprovou na terça-feira o novo orçamento e os gastos com as escolas da cidade vão subir 4% no próximo ano.', 'Resumo de notícias · domingo, 6 de dezembro de 2026', 'Destaques', '1 notícia de 2 fontes'],
    ['nl', 'Gemeenteraad keurt begroting goed', 'De gemeenteraad heeft dinsdag de nieuwe begroting goedgekeurd en de uitgaven voor scholen stijgen volgend jaar met 4 procent.', 'Nieuwsoverzicht · zondag 6 december 2026', 'Belangrijkste nieuws', '1 bericht uit 2 bronnen'],
  ])('frames a preview of an undeclared %s feed wholly in that language: title, section and footer', async (_language, title, text, heading, section, counts) => {
    const now = new Date('2026-12-06T08:00:00Z');
    const publishedAt = '2026-12-06T06:00:00Z';
    const items = ['Uno', 'Due'].map((sourceName) => fixtureItem({ sourceName, title, text, publishedAt }));
    const briefing = (await previewBriefing(items, parseConfig({}), { now, timezone: 'Europe/Berlin', whenEmpty: 'message' }))!;
    expect([briefing.title, briefing.sections.map((s) => s.title), briefing.footer?.split('\n').at(-1)]).toEqual([heading, [section], counts]);
  });
});

describe('accounting (property)', () => {
  const windowArb = fc.array(
    fc.record({
      sources: fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 4 }),
      hoursAgo: fc.integer({ min: 0, max: 48 }),
      section: fc.constantFrom(undefined, 'World', 'Tech', 'Sport'),
      word: fc.constantFrom('football', 'election', 'markets', 'weather'),
    }),
    { maxLength: 40 },
  );

  it('puts every item in exactly one bullet or counts it as cut or muted', () => {
    fc.assert(
      fc.property(windowArb, fc.integer({ min: 1, max: 15 }), fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), (specs, maxBullets, maxPerSection) => {
        const stories = specs.map((spec, i) => story(`s${i}`, `Story ${i} about ${spec.word}`, spec));
        const duplicatesDropped = 3;
        const itemsIn = stories.reduce((sum, s) => sum + s.items.length, 0) + duplicatesDropped;
        const briefing = composeBriefing(stories, noSummaries, { itemsIn, duplicatesDropped }, { ...base, maxBullets, maxPerSection, mutes: ['football'] })!;
        const linked = bullets(briefing).flatMap((bullet) => bullet.items);
        expect(new Set(linked).size).toBe(linked.length);
        const { stats } = briefing;
        expect(stats.duplicatesDropped + linked.length + stats.itemsCut! + stats.itemsMuted!).toBe(itemsIn);
        expect(stats.bullets).toBe(bullets(briefing).length);
        expect(stats.bullets! + stats.storiesCut! + stats.storiesMuted!).toBe(stories.length);
        expect(bullets(briefing).length).toBeLessThanOrEqual(maxBullets);
        for (const section of briefing.sections) expect(section.bullets.length).toBeLessThanOrEqual(maxPerSection ?? Infinity);
        expect(headlines(briefing).some((headline) => headline.includes('football'))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('keyword patterns', () => {
  it('match whole words, phrases, prefixes and CJK substrings, case-insensitively', () => {
    const matcher = compileKeywords(['apple', 'central bank', 'crypto*', '地震']);
    expect(matcher.matches("Apple's new phone")).toBe(true);
    expect(matcher.matches('Pineapple prices')).toBe(false);
    expect(matcher.matches('The Central  Bank said')).toBe(true);
    expect(matcher.matches('central banking')).toBe(false);
    expect(matcher.matches('Cryptocurrency slump')).toBe(true);
    expect(matcher.matches('東京で地震があった')).toBe(true);
    expect(compileKeywords([]).matches('anything')).toBe(false);
  });

  it('stay fast on inputs that make backtracking regexes explode', () => {
    const matcher = compileKeywords(['a a a a a a a a a a a a b*', 'x*']);
    const text = 'a '.repeat(20_000);
    // No timing assertion: a catastrophic matcher would not finish this within the test timeout.
    expect(matcher.matches(text)).toBe(false);
  });
});
