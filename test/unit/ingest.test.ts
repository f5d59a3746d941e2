import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFeed, UNTITLED_FEED } from '../../src/feeds/ingest.js';
import { FeedParseError } from '../../src/feeds/parse.js';

const fixtureBytes = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'feeds', name));
const utf8 = (text: string) => new TextEncoder().encode(text);
const now = new Date('2026-01-01T00:00:00Z');

describe('ingestFeed', () => {
  it('takes bytes to Items, with the source name from the feed title (entities decoded, the section left out)', async () => {
    const result = await ingestFeed(fixtureBytes('feed-rs__jsonfeed_elastic_1.1.json'), 'application/feed+json', { feedId: 'influx', now });
    expect(result).toMatchObject({ format: 'json', encoding: 'utf-8', feedTitle: 'Blog – InfluxData', feedName: 'InfluxData', recovered: undefined });
    expect(result.items).toHaveLength(3);
    expect(result.items[0]).toMatchObject({ feedId: 'influx', sourceName: 'InfluxData', language: 'en-US', publishedAt: '2019-05-31T19:17:58.000Z' });
  });

  it('decodes with the HTTP charset and keeps a configured source name and section', async () => {
    const koi8Title = Uint8Array.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]); // "Привет" in KOI8-R
    const bytes = Uint8Array.from([...utf8('<rss version="2.0"><channel><title>T</title><item><title>'), ...koi8Title, ...utf8('</title><link>/p/1</link></item></channel></rss>')]);
    const result = await ingestFeed(bytes, 'text/xml; charset=koi8-r', { feedId: 'f', sourceName: 'Configured', section: 'Europe', feedLink: 'http://news.example/rss', now });
    expect(result.encoding).toBe('koi8-r');
    expect(result.items).toEqual([expect.objectContaining({ title: 'Привет', sourceName: 'Configured', section: 'Europe', url: 'https://news.example/p/1', language: 'ru' })]);
  });

  it('names a feed without a title by a host (Unicode, no www.), never by its id, and resolves links against the site link', async () => {
    const untitled = utf8('<rss version="2.0"><channel><item><title>x</title><link>https://www.xn--rondnia-news-service-z8b.example/x</link></item></channel></rss>');
    const sourceOf = async (bytes: Uint8Array, feedLink?: string) => (await ingestFeed(bytes, undefined, { feedId: 'KUa7C17Jn2Jn', ...(feedLink ? { feedLink } : {}), now })).items[0]?.sourceName;
    expect(await sourceOf(untitled, 'https://feeds.example.org/rss')).toBe('feeds.example.org');
    expect(await sourceOf(untitled)).toBe('rondônia-news-service.example');
    const withSite = utf8('<rss version="2.0"><channel><link>https://www.bücher.example/</link><item><title>x</title></item></channel></rss>');
    expect(await sourceOf(withSite, 'https://feeds.example.org/rss')).toBe('bücher.example');
    expect(await sourceOf(utf8('<rss version="2.0"><channel><item><title>x</title></item></channel></rss>'))).toBe(UNTITLED_FEED);
    const relative = utf8('<rss version="2.0"><channel><title>S</title><link>https://site.example/blog/</link><language>fr</language><item><title>x</title><link>post-1</link></item></channel></rss>');
    expect((await ingestFeed(relative, undefined, { feedId: 'f', now })).items[0]).toMatchObject({ url: 'https://site.example/blog/post-1', language: 'fr' });
  });

  it('credits the outlet an aggregator names, not the aggregator, and drops its list of related headlines', async () => {
    // Shaped like Google News's "Top stories" feed (see the corpus's feed-extractor__rss-feed-standard-realworld.xml).
    const related = (headline: string, outlet: string) => `<li><a href="https://news.google.com/articles/${outlet.length}">${headline}</a>&nbsp;&nbsp;<font color="#6f6f6f">${outlet}</font></li>`;
    const description = `<ol>${related('Fed unleashes another big rate hike', 'The Associated Press')}${related('Fed raises rates by three-quarters of a point', 'CNBC')}</ol>`;
    const feed = utf8(`<rss version="2.0"><channel><title>Top stories - Google News</title><link>https://news.google.com/?hl=en-US</link>
      <item><title>Fed unleashes another big rate hike - The Associated Press</title><link>https://news.google.com/articles/1</link>
      <description>${description.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</description><source url="https://apnews.com">The Associated Press</source></item>
      <item><title>A story the aggregator wrote itself</title><link>https://news.google.com/articles/2</link><description>Its own text.</description></item>
      <item><title>A listing</title><link>https://news.google.com/articles/3</link><dc:source xmlns:dc="http://purl.org/dc/elements/1.1/">https://listings.example/3</dc:source></item>
    </channel></rss>`);
    const result = await ingestFeed(feed, undefined, { feedId: 'gn', now });
    expect(result.feedName).toBe('Google News');
    expect(result.items.map(({ sourceName, title, text }) => ({ sourceName, title, text }))).toEqual([
      { sourceName: 'The Associated Press', title: 'Fed unleashes another big rate hike', text: '' },
      { sourceName: 'Google News', title: 'A story the aggregator wrote itself', text: 'Its own text.' },
      // An address where a name should be (Dublin Core's dc:source) credits no outlet.
      { sourceName: 'Google News', title: 'A listing', text: '' },
    ]);
  });

  it('reads a UTF-16 feed whose declaration still says utf-16 after decoding', async () => {
    const document = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Ελλάδα</title><item><title>Νέα</title></item></channel></rss>';
    const bytes = Uint8Array.from([0xff, 0xfe, ...[...document].flatMap((char) => [char.charCodeAt(0) & 0xff, char.charCodeAt(0) >> 8])]);
    const result = await ingestFeed(bytes, undefined, { feedId: 'f', now });
    expect(result).toMatchObject({ encoding: 'utf-16le', feedTitle: 'Ελλάδα', recovered: undefined });
    expect(result.items).toEqual([expect.objectContaining({ title: 'Νέα', language: 'el' })]);
  });

  it('passes on what recovery of an ill-formed feed says', async () => {
    const result = await ingestFeed(fixtureBytes('chardet__windows-1251-russian-greek.ru.xml'), undefined, { feedId: 'greek', now });
    expect(result).toMatchObject({ format: 'rss', encoding: 'windows-1251', recovered: expect.stringContaining('4 entries recovered') });
    expect(result.items.length).toBeGreaterThanOrEqual(3);
    expect(result.items.every((item) => item.language === 'ru')).toBe(true);
  });

  it('throws FeedParseError for bytes that are not a feed', async () => {
    await expect(ingestFeed(utf8('<html><body>Not found</body></html>'), 'text/html; charset=utf-8', { feedId: 'f', now })).rejects.toBeInstanceOf(FeedParseError);
  });
});
