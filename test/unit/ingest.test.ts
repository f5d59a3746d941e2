import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFeed } from '../../src/feeds/ingest.js';
import { FeedParseError } from '../../src/feeds/parse.js';

const fixtureBytes = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'feeds', name));
const utf8 = (text: string) => new TextEncoder().encode(text);
const now = new Date('2026-01-01T00:00:00Z');

describe('ingestFeed', () => {
  it('takes bytes to Items, with the source name from the feed title (entities decoded)', async () => {
    const result = await ingestFeed(fixtureBytes('feed-rs__jsonfeed_elastic_1.1.json'), 'application/feed+json', { feedId: 'influx', now });
    expect(result).toMatchObject({ format: 'json', encoding: 'utf-8', feedTitle: 'Blog – InfluxData', recovered: undefined });
    expect(result.items).toHaveLength(3);
    expect(result.items[0]).toMatchObject({ feedId: 'influx', sourceName: 'Blog – InfluxData', language: 'en-US', publishedAt: '2019-05-31T19:17:58.000Z' });
  });

  it('decodes with the HTTP charset and keeps a configured source name and section', async () => {
    const koi8Title = Uint8Array.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]); // "Привет" in KOI8-R
    const bytes = Uint8Array.from([...utf8('<rss version="2.0"><channel><title>T</title><item><title>'), ...koi8Title, ...utf8('</title><link>/p/1</link></item></channel></rss>')]);
    const result = await ingestFeed(bytes, 'text/xml; charset=koi8-r', { feedId: 'f', sourceName: 'Configured', section: 'Europe', feedLink: 'http://news.example/rss', now });
    expect(result.encoding).toBe('koi8-r');
    expect(result.items).toEqual([expect.objectContaining({ title: 'Привет', sourceName: 'Configured', section: 'Europe', url: 'https://news.example/p/1', language: 'ru' })]);
  });

  it('falls back to the feed URL host for a feed without a title, and resolves links against the site link otherwise', async () => {
    const untitled = utf8('<rss version="2.0"><channel><item><title>x</title><link>https://a.example/x</link></item></channel></rss>');
    expect((await ingestFeed(untitled, undefined, { feedId: 'f', feedLink: 'https://feeds.example.org/rss', now })).items[0]?.sourceName).toBe('feeds.example.org');
    expect((await ingestFeed(untitled, undefined, { feedId: 'f', now })).items[0]?.sourceName).toBe('f');
    const relative = utf8('<rss version="2.0"><channel><title>S</title><link>https://site.example/blog/</link><language>fr</language><item><title>x</title><link>post-1</link></item></channel></rss>');
    expect((await ingestFeed(relative, undefined, { feedId: 'f', now })).items[0]).toMatchObject({ url: 'https://site.example/blog/post-1', language: 'fr' });
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
