import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../src/feeds/feed-entry.js';
import { canonicalLanguageTag, guessLanguageFromScript, resolveLanguage } from '../../src/feeds/language.js';
import { contentHash, itemIdFor, normalizeEntries, type NormalizeContext } from '../../src/feeds/normalize.js';

const now = new Date('2025-03-11T08:00:00Z');
const context: NormalizeContext = { feedId: 'feed-1', sourceName: 'Example News', section: 'World', feedLink: 'http://example.com/feed.xml', now };
const entry = (fields: Partial<FeedEntry>): FeedEntry => ({ categories: [], ...fields });
const normalizeOne = (fields: Partial<FeedEntry>, overrides: Partial<NormalizeContext> = {}) => normalizeEntries([entry(fields)], { ...context, ...overrides })[0];

describe('normalizeEntries', () => {
  it('builds a complete Item from a typical entry', () => {
    const item = normalizeOne({
      guid: ' tag:example.com,2025:1 ',
      link: '/2025/03/story/?utm_source=rss#top',
      title: 'Markets &amp; <b>money</b>',
      contentHtml: '<p>First sentence. Second one.</p><img src="/img/lead.jpg">',
      summaryHtml: '<p>Ignored when there is content</p>',
      author: ' Jane  Doe ',
      published: 'Tue, 11 Mar 2025 07:30:00 +0100',
      categories: [' Economy ', 'economy', 'Markets', ''],
      language: 'en_GB',
    });
    expect(item).toEqual({
      id: itemIdFor('feed-1', 'tag:example.com,2025:1'),
      feedId: 'feed-1',
      sourceName: 'Example News',
      guid: 'tag:example.com,2025:1',
      url: 'https://example.com/2025/03/story',
      title: 'Markets & money',
      text: 'First sentence. Second one.',
      author: 'Jane Doe',
      publishedAt: '2025-03-11T06:30:00.000Z',
      firstSeenAt: '2025-03-11T08:00:00.000Z',
      language: 'en-GB',
      categories: ['Economy', 'Markets'],
      image: 'http://example.com/img/lead.jpg',
      contentHash: contentHash('Markets & money', 'First sentence. Second one.'),
      section: 'World',
    });
  });

  it('uses the summary when there is no content, and an explicit image over the first <img>', () => {
    expect(normalizeOne({ title: 't', summaryHtml: 'Only a summary <img src="https://x.example/a.png">', image: 'https://x.example/b.png' }))
      .toMatchObject({ text: 'Only a summary', image: 'https://x.example/b.png' });
  });

  it('uses the summary when the content has no text, keeping the content\'s image', () => {
    expect(normalizeOne({ title: 't', contentHtml: '<div><img src="https://x.example/c.png"></div>', summaryHtml: 'The summary' }))
      .toMatchObject({ text: 'The summary', image: 'https://x.example/c.png' });
  });

  it('falls back to the first sentence of the text for a missing title', () => {
    expect(normalizeOne({ contentHtml: '<p>The council voted on Monday. It was close.</p>' })?.title).toBe('The council voted on Monday.');
    expect(normalizeOne({ contentHtml: '<p>東京で会議が開かれた。結果は来週。</p>', language: 'ja' })?.title).toBe('東京で会議が開かれた。');
    const long = normalizeOne({ contentHtml: `<p>${'word '.repeat(60)}end.</p>` })!.title;
    expect(long.length).toBeLessThanOrEqual(141);
    expect(long).toMatch(/^word( word)*…$/);
  });

  it('dates: UTC ISO; first-seen time when missing, unparseable or in the future', () => {
    expect(normalizeOne({ title: 't', published: '2025-03-10T23:00:00-05:00' })?.publishedAt).toBe('2025-03-11T04:00:00.000Z');
    expect(normalizeOne({ title: 't', published: 'Mon, 10 Mar 2025 16:15 EDT' })?.publishedAt).toBe('2025-03-10T20:15:00.000Z');
    for (const published of [undefined, 'yesterday-ish', '2025-03-11T09:00:00Z']) {
      expect(normalizeOne({ title: 't', published })?.publishedAt).toBe(now.toISOString());
    }
    // a date without a zone is read as UTC, whatever the server's time zone
    expect(normalizeOne({ title: 't', published: '2020/1/10 14:33:00' })?.publishedAt).toBe('2020-01-10T14:33:00.000Z');
    expect(normalizeOne({ title: 't', published: '2022-07-26 13:01:01' })?.publishedAt).toBe('2022-07-26T13:01:01.000Z');
    expect(normalizeOne({ title: 't', published: '2022-07-26T13:01:01.250' })?.publishedAt).toBe('2022-07-26T13:01:01.250Z');
    expect(normalizeOne({ title: 't', published: 'Friday, January 29, 2021 04:42 PM' })?.publishedAt).toBe('2021-01-29T16:42:00.000Z');
    expect(normalizeOne({ title: 't', published: '2019-08-27' })?.publishedAt).toBe('2019-08-27T00:00:00.000Z');
    // a few minutes of clock skew are tolerated
    expect(normalizeOne({ title: 't', published: '2025-03-11T08:03:00Z' })?.publishedAt).toBe('2025-03-11T08:03:00.000Z');
  });

  it('language: the entry, then the feed, then a script guess; a contradicted declaration loses', () => {
    expect(normalizeOne({ title: 'Hello', language: 'fr' }, { feedLanguage: 'de' })?.language).toBe('fr');
    expect(normalizeOne({ title: 'Hello' }, { feedLanguage: 'de-de' })?.language).toBe('de-DE');
    expect(normalizeOne({ title: 'Новости дня' })?.language).toBe('ru');
    expect(normalizeOne({ title: 'Hello' })?.language).toBeUndefined();
    expect(normalizeOne({ title: '中国银联完成ATM网关协议的签订' }, { feedLanguage: 'en-us' })?.language).toBe('zh');
  });

  it('keeps the guid verbatim but takes the URL from a permalink guid when there is no link', () => {
    expect(normalizeOne({ guid: 'http://example.com/p/1', title: 't' })).toMatchObject({ guid: 'http://example.com/p/1', url: 'https://example.com/p/1' });
    expect(normalizeOne({ guid: '12345', title: 't' })?.url).toBeUndefined();
  });

  it('drops entries with nothing to show, and repeats of an id within the batch', () => {
    const items = normalizeEntries([
      entry({ guid: 'a' }),
      entry({ guid: 'b', title: 'B' }),
      entry({ guid: 'b', title: 'B again' }),
      entry({ link: 'https://example.com/log#p1', title: 'P1' }),
      entry({ link: 'https://example.com/log#p2', title: 'P2' }),
    ], context);
    expect(items.map((item) => item.title)).toEqual(['B', 'P1', 'P2']);
    expect(new Set(items.map((item) => item.id)).size).toBe(3);
  });

  it('keeps the fragment only where it tells several entries on one page apart', () => {
    const items = normalizeEntries([
      entry({ link: 'http://example.com/2025/03/11.html#a1', title: 'First post of the day' }),
      entry({ link: 'http://example.com/2025/03/11.html#a2', title: 'Second post of the day' }),
      entry({ link: 'http://example.com/story?utm_source=x#comments', title: 'A story' }),
    ], context);
    expect(items.map((item) => item.url)).toEqual(['https://example.com/2025/03/11.html#a1', 'https://example.com/2025/03/11.html#a2', 'https://example.com/story']);
  });

  it('item ids are stable, short, and differ by feed and identity', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (feed, identity, other) => {
      expect(itemIdFor(feed, identity)).toBe(itemIdFor(feed, identity));
      expect(itemIdFor(feed, identity)).toMatch(/^[0-9a-f]{16}$/);
      if (identity !== other) expect(itemIdFor(feed, identity)).not.toBe(itemIdFor(feed, other));
    }));
  });
});

describe('contentHash', () => {
  it('is the hash of each item\'s own title and text, whatever normal form and boilerplate the body had', () => {
    const bodies = ['<p>Plain body.</p>', '<p>Caf\u00e9 “quoted” — dash</p>', '<p>Cafe\u0301 ﬁne Ｗide</p>', '<p>The news.</p><p>Read more about it here.</p>',
      '<p>Ｗide news.</p><p>(Reporting by Jane Doe)</p>', 'Plain summary', 'Ｐlain ﬁ summary', '<a href="/x">Only a link</a>', '<p>ΟΔΟΣ İstanbul [read more]</p>'];
    for (const contentHtml of bodies) {
      const item = normalizeOne({ title: 'A title', contentHtml, link: 'https://example.com/a' })!;
      expect(item.contentHash, contentHtml).toBe(contentHash(item.title, item.text));
    }
  });

  it('is the hash of each item\'s own title and text for bodies mixing markup, every kind of whitespace, normal forms and boilerplate', () => {
    const pieces = fc.constantFrom('a', 'B', ' ', '\n', '\t', '<p>', '</p>', '<br>', '<a href="/x">', '</a>', '&amp;', '&nbsp;', '&#x130;', 'é', 'e\u0301', '\u0301', 'ﬁ', 'Ｔ',
      '\u00a0', '\u2028', '\ufeff', '\u200b', 'Σ', 'ς', 'İ', 'ß', '\u212a', '\u00a8', '東', '\u3000', '\u0085', 'Read more', '[…]', 'Photo: AP', '①', '㌀', '\ud800');
    fc.assert(fc.property(fc.string({ unit: pieces, maxLength: 30 }), fc.option(fc.string({ unit: pieces, maxLength: 10 }), { nil: undefined }), (contentHtml, summaryHtml) => {
      for (const item of normalizeEntries([entry({ title: 'T', contentHtml, summaryHtml, link: 'https://example.com/a' })], context)) {
        expect(item.contentHash, JSON.stringify([contentHtml, summaryHtml])).toBe(contentHash(item.title, item.text));
      }
    }), { numRuns: 5000 });
  });

  it('is the hash of each item\'s own title and text for titles in every normal form and markup, an outlet credited or not', () => {
    const pieces = fc.constantFrom('a', 'B', ' ', '\n', '<b>', '<br>', '&amp;', '&nbsp;', 'é', 'e\u0301', 'ﬁ', 'Ｔ', '\u00a0', 'Σ', 'İ', '\u212a', ' - Wire', '“', '’');
    fc.assert(fc.property(fc.string({ unit: pieces, maxLength: 12 }), fc.option(fc.constantFrom('Wire', 'ﬁ', 'İ'), { nil: undefined }), (title, source) => {
      for (const item of normalizeEntries([entry({ title, source, contentHtml: '<p>Body.</p>', link: 'https://example.com/a' })], context)) {
        expect(item.contentHash, JSON.stringify([title, source])).toBe(contentHash(item.title, item.text));
      }
    }), { numRuns: 3000 });
  });

  it('ignores case, width variants and whitespace, but not the words', () => {
    expect(contentHash('Ｂｉｇ  News', 'Some\n text ')).toBe(contentHash('big news', 'some text'));
    expect(contentHash('Big News', 'some text')).not.toBe(contentHash('Big News', 'other text'));
    expect(contentHash('a', 'b c')).not.toBe(contentHash('a b', 'c'));
  });
});

describe('language guess by script', () => {
  it.each([
    ['ニュースの時間です', 'ja'],
    ['東京都の新しい政策について、知事が記者会見で発表した', 'ja'],
    ['国务院总理主持召开常务会议', 'zh'],
    ['한국 정부는 오늘 발표했다', 'ko'],
    ['Правительство России', 'ru'],
    ['Україна отримала підтримку, їхні новини', 'uk'],
    ['Η κυβέρνηση ανακοίνωσε', 'el'],
    ['הממשלה הודיעה היום', 'he'],
    ['أعلنت الحكومة اليوم', 'ar'],
    ['รัฐบาลประกาศวันนี้', 'th'],
    ['सरकार ने आज घोषणा की', 'hi'],
    ['𠀋𡈽𠮟の', 'ja'],
    ['𠀋𡈽𠮟 語', 'zh'],
    ['\ud840 lone surrogates \udc0b do not count', undefined],
    ['The government announced (Ελλάδα)', undefined],
    ['1234 !!!', undefined],
  ])('%s → %s', (text, language) => {
    expect(guessLanguageFromScript(text)).toBe(language);
  });

  it('names no language for text written below U+0370 (Latin, digits, symbols), and does for a majority script beyond it', () => {
    const latinOnly = fc.string({ unit: fc.integer({ min: 0, max: 0x36f }).map((code) => String.fromCharCode(code)), maxLength: 60 });
    fc.assert(fc.property(latinOnly, (text) => {
      expect(guessLanguageFromScript(text)).toBeUndefined();
    }));
    fc.assert(fc.property(latinOnly.filter((text) => !/[A-Za-z\u00c0-\u024f]/.test(text)), fc.constantFrom('Новости', 'ニュース', 'חדשות'), (noLetters, word) => {
      expect(guessLanguageFromScript(`${noLetters}${word}`)).toBeDefined();
    }));
  });

  it('canonicalizes declared tags and rejects junk', () => {
    expect(canonicalLanguageTag('en_us')).toBe('en-US');
    expect(canonicalLanguageTag('not a tag!')).toBeUndefined();
    expect(resolveLanguage('ja', '日本語の記事')).toBe('ja');
    expect(resolveLanguage('zh-CN', '東京')).toBe('zh-CN');
    expect(resolveLanguage('en', 'Русский текст')).toBe('ru');
  });
});
