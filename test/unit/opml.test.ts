import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpmlError, parseOpml, toOpml } from '../../src/feeds/opml.js';

describe('parseOpml', () => {
  it('reads feeds with titles, and sections from the outlines they sit in', () => {
    const { feeds, skipped } = parseOpml(`<?xml version="1.0"?>
      <opml version="2.0"><head><title>Mine</title></head><body>
        <outline text="Tech">
          <outline type="rss" text="Ars" title="Ars Technica" xmlUrl="https://arstechnica.com/feed/"/>
          <outline text="AI"><outline type="rss" text="Lab &amp; Co" xmlUrl="https://lab.example/rss?a=1&amp;b=2"/></outline>
        </outline>
        <outline type="rss" text="https://loose.example/feed" xmlUrl="https://loose.example/feed"/>
      </body></opml>`);
    expect(feeds).toEqual([
      { url: 'https://arstechnica.com/feed/', title: 'Ars Technica', section: 'Tech' },
      { url: 'https://lab.example/rss?a=1&b=2', title: 'Lab & Co', section: 'AI' },
      { url: 'https://loose.example/feed' },
    ]);
    expect(skipped).toEqual([]);
  });

  it('tolerates OPML 1.0 exports: lower-case xmlurl, no head, unclosed outlines at the end', () => {
    const { feeds } = parseOpml(`<opml version="1.0"><body><outline title="News"><outline xmlurl="http://old.example/rss.xml" text="Old"></body></opml>`);
    expect(feeds).toEqual([{ url: 'http://old.example/rss.xml', title: 'Old', section: 'News' }]);
  });

  it('reads feed:// addresses as the http:// ones, feed:https:// as the https:// one, and still skips feed:ftp://', () => {
    const listing = (xmlUrl: string, text = 'Feed') => parseOpml(`<opml version="2.0"><body><outline type="rss" text="${text}" xmlUrl="${xmlUrl}"/></body></opml>`);
    expect(listing('feed://browser.example/rss').feeds).toEqual([{ url: 'http://browser.example/rss', title: 'Feed' }]);
    // A text repeating the address as listed is no title.
    expect(listing('feed:https://secure.example/atom', 'feed:https://secure.example/atom').feeds).toEqual([{ url: 'https://secure.example/atom' }]);
    expect(listing('feed:ftp://files.example/rss')).toEqual({ feeds: [], skipped: ['"Feed": xmlUrl "feed:ftp://files.example/rss" is not an http(s) URL'] });
  });

  it('skips outlines that cannot be feeds and says why', () => {
    const { feeds, skipped } = parseOpml(`<opml version="2.0"><body>
      <outline type="link" text="A web page" url="https://example.com/"/>
      <outline type="rss" text="Local" xmlUrl="file:///etc/passwd"/>
      <outline type="rss" text="One" xmlUrl="https://a.example/feed"/>
      <outline type="rss" text="Again" xmlUrl="https://a.example/feed"/>
    </body></opml>`);
    expect(feeds).toEqual([{ url: 'https://a.example/feed', title: 'One' }]);
    expect(skipped).toEqual([
      '"A web page": has no xmlUrl, so it is not a feed',
      '"Local": xmlUrl "file:///etc/passwd" is not an http(s) URL',
      '"Again": https://a.example/feed is listed more than once',
    ]);
  });

  it('refuses documents that are not OPML with a message naming what was found', () => {
    expect(() => parseOpml('<rss version="2.0"><channel/></rss>')).toThrow(/root element is <rss>, expected <opml>/);
    expect(() => parseOpml('just some text')).toThrow(OpmlError);
    expect(() => parseOpml('<opml version="2.0"><head/></opml>')).toThrow(/has no <body>/);
  });

  it('quotes a text file instead of naming an element found inside it', () => {
    // A README that mentions `herald <command>` has no root element <command>.
    expect(() => parseOpml('\uFEFF# Herald\n\nUsage: herald <command> [options]\n')).toThrow(/^not an OPML document: it is not XML \(it starts with "# Herald"\)$/);
  });
});

describe('toOpml', () => {
  it('escapes markup in titles and URLs and groups feeds by section', () => {
    const text = toOpml(
      [
        { url: 'https://x.example/?a=1&b="2"', name: '<b>Bold</b> & co', section: 'Tech' },
        { url: 'https://y.example/feed' },
      ],
      'Herald & friends',
    );
    expect(text).toContain('<title>Herald &amp; friends</title>');
    expect(text).toContain('<outline text="Tech" title="Tech">');
    expect(text).toContain('text="&lt;b&gt;Bold&lt;/b&gt; &amp; co"');
    expect(text).toContain('xmlUrl="https://x.example/?a=1&amp;b=&quot;2&quot;"');
    expect(text.indexOf('x.example')).toBeLessThan(text.indexOf('y.example'));
  });

  it('drops characters XML cannot carry, so the document stays readable', () => {
    const text = toOpml([{ url: 'https://z.example/feed', name: 'a\u0000b\uD800c\uFFFEd' }]);
    expect(parseOpml(text).feeds).toEqual([{ url: 'https://z.example/feed', title: 'abcd' }]);
  });
});

/** Names as an admin would keep them: no leading/trailing or doubled whitespace, any characters otherwise. */
const label = fc
  .string({ unit: fc.oneof(fc.constantFrom('&', '<', '>', '"', "'", ' ', '—', '日本', '👍🏽'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 20 })
  .map((text) => text.replace(/\s+/g, ' ').trim())
  .filter((text) => text.length > 0);

const feedArbitrary = fc.record(
  { url: fc.webUrl({ withQueryParameters: true, withFragments: true }), name: label, section: label },
  { requiredKeys: ['url'] },
);

describe('OPML round trip', () => {
  it('parseOpml(toOpml(feeds)) gives back every URL, name and section', () => {
    fc.assert(
      fc.property(fc.uniqueArray(feedArbitrary, { selector: (feed) => feed.url, maxLength: 12 }), (feeds) => {
        const { feeds: parsed, skipped } = parseOpml(toOpml(feeds));
        expect(skipped).toEqual([]);
        const expected = feeds.map((feed) => ({
          url: feed.url,
          ...(feed.name !== undefined && feed.name !== feed.url ? { title: feed.name } : {}),
          ...(feed.section !== undefined ? { section: feed.section } : {}),
        }));
        const byUrl = (a: { url: string }, b: { url: string }) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0);
        expect([...parsed].sort(byUrl)).toEqual(expected.sort(byUrl));
      }),
      { numRuns: 300 },
    );
  });
});
