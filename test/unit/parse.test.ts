import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { decodeFeed } from '../../src/feeds/decode.js';
import { FeedParseError, parseFeed, type ParsedFeed } from '../../src/feeds/parse.js';

/** The feed, or the error it was refused with. */
const settle = (parsing: Promise<ParsedFeed>): Promise<ParsedFeed | Error> => parsing.catch((error: Error) => error);

const fixture = (name: string) => decodeFeed(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'feeds', name))).text;

describe('parseFeed: the formats', () => {
  it('reads RSS 0.91 (after decoding its ISO-8859-1 bytes)', async () => {
    const feed = await parseFeed(fixture('FeedReader__Rss091Stadtfeuerwehr.xml'));
    expect(feed).toMatchObject({ format: 'rss', title: 'Stadtfeuerwehr Weiz - Einsätze', link: 'http://www.stadtfeuerwehr-weiz.at', language: 'de-de' });
    expect(feed.entries).toHaveLength(15);
    expect(feed.entries[0]).toMatchObject({
      title: '[19.08.2018 - 07:08 Uhr] Brandmeldeanlagenalarm',
      link: 'http://www.stadtfeuerwehr-weiz.at/einsaetze/einsatz-detail/5220/',
      published: 'Sun, 19 Aug 2018 07:08:00 +0100',
      summaryHtml: expect.stringContaining('Einsatzort: Weiz, Elingasse (Fa. Andritz Hydro Werk Nord) <br />'),
    });
    expect(feed.recovered).toBeUndefined();
  });

  it('reads RSS 1.0 (RDF) with Dublin Core fields', async () => {
    const feed = await parseFeed(fixture('feed-rs__rss_1.0_biorxiv.xml'));
    expect(feed).toMatchObject({ format: 'rdf', title: 'bioRxiv Subject Collection: Genomics' });
    expect(feed.entries).toEqual([
      expect.objectContaining({
        guid: 'http://biorxiv.org/cgi/content/short/2023.12.16.571984v1?rss=1',
        link: 'http://biorxiv.org/cgi/content/short/2023.12.16.571984v1?rss=1',
        title: expect.stringMatching(/^Complete genome of the Medicago anthracnose fungus/),
        author: expect.stringMatching(/^LAPALU, N\., SIMON, A\./),
        published: '2023-12-16',
      }),
    ]);
  });

  it('reads RSS 2.0 with guid, author and the iTunes image', async () => {
    const feed = await parseFeed(fixture('rss-parser__narro.rss'));
    expect(feed).toMatchObject({ format: 'rss', title: 'foobar on Narro', language: 'en' });
    expect(feed.entries).toEqual([
      {
        guid: 'https://www.narro.co/article/54e703933058540300000069',
        link: 'https://www.narro.co/article/54e703933058540300000069',
        title: 'FAQ for Narro',
        contentHtml: undefined,
        summaryHtml: expect.stringContaining('Listen to your reading list anywhere.'),
        author: 'foobar@gmail.com',
        published: 'Fri, 20 Feb 2015 09:51:15 UTC',
        categories: [],
        image: 'http://example.com/someImage.jpg',
        language: undefined,
      },
    ]);
  });

  it('reads Atom 1.0: alternate link, HTML summary, author, xml:lang', async () => {
    const feed = await parseFeed(fixture('feed-rs__atom_example_2.xml'));
    expect(feed).toMatchObject({ format: 'atom', title: 'The Register - Science', link: 'https://www.theregister.co.uk/science/', language: 'en' });
    expect(feed.entries).toHaveLength(2);
    expect(feed.entries[0]).toMatchObject({
      guid: 'tag:theregister.co.uk,2005:story204156',
      link: 'http://go.theregister.com/feed/www.theregister.co.uk/2019/07/31/orbitbeyond_drops_nasa_moon_contract/',
      title: 'Will someone plz dump our shizz on the Moon, NASA begs as one of the space biz vendors drops out',
      summaryHtml: expect.stringMatching(/^<h4>OrbitBeyond begone: Getting to the Moon is <i>hard<\/i><\/h4>/),
      author: 'Richard Speed',
    });
    expect(Date.parse(feed.entries[0]!.published!)).toBe(Date.parse('2019-07-31T11:54:28Z'));
  });

  it('reads Atom 0.3 dates (issued/modified) in a Shift_JIS feed', async () => {
    const feed = await parseFeed(fixture('chardet__SHIFT_JIS-brag.zaka.to.xml'));
    expect(feed.format).toBe('atom');
    expect(feed.entries).toHaveLength(10);
    expect(feed.entries.every((entry) => entry.published !== undefined && !Number.isNaN(Date.parse(entry.published)))).toBe(true);
  });

  it('reads JSON Feed 1.1: authors, tags, language, plain-text content escaped as HTML', async () => {
    const feed = await parseFeed(fixture('feed-rs__jsonfeed_elastic_1.1.json'));
    expect(feed).toMatchObject({ format: 'json', title: 'Blog &#8211; InfluxData', language: 'en-US' });
    expect(feed.entries).toHaveLength(3);
    expect(feed.entries[0]).toMatchObject({
      link: 'https://www.influxdata.com/blog/influxdb-outperforms-graphite-in-time-series-data-metrics-benchmark',
      title: 'InfluxDB vs. Graphite for Time Series Data & Metrics Benchmark',
      author: 'Chris Churilo, Fake Author 1',
      published: 'Fri, 31 May 2019 12:17:58 -0700',
      categories: ['InfluxDB', 'Community', 'Elasticsearch', 'Time Series Database'],
      contentHtml: expect.stringMatching(/^This blog post has been updated on September 10, 2020/),
    });
  });

  it('reads JSON Feed 1.0: single author, numeric id, HTML content, summary, image', async () => {
    const feed = await parseFeed(JSON.stringify({
      version: 'https://jsonfeed.org/version/1',
      title: 'Example',
      home_page_url: 'https://example.org/',
      author: { name: 'Feed Author' },
      items: [
        { id: 42, url: 'https://example.org/a', title: 'A', content_html: '<p>Hi <b>there</b></p>', summary: 'x < y & z', image: 'https://example.org/a.png', date_published: '2024-05-01T10:00:00+02:00', tags: ['one', 7, 'two'] },
        { id: 'b', external_url: 'https://elsewhere.example/b', content_text: 'line one\nline <two>', author: { name: 'Item Author' } },
        'not an item',
      ],
    }));
    expect(feed).toMatchObject({ format: 'json', title: 'Example', link: 'https://example.org/' });
    expect(feed.entries).toEqual([
      expect.objectContaining({ guid: '42', link: 'https://example.org/a', title: 'A', contentHtml: '<p>Hi <b>there</b></p>', summaryHtml: 'x &lt; y &amp; z', author: 'Feed Author', image: 'https://example.org/a.png', published: '2024-05-01T10:00:00+02:00', categories: ['one', 'two'] }),
      expect.objectContaining({ guid: 'b', link: 'https://elsewhere.example/b', contentHtml: 'line one<br>line &lt;two&gt;', author: 'Item Author', categories: [] }),
    ]);
  });

  it('reads media RSS images and several categories', async () => {
    const feed = await parseFeed(`<?xml version="1.0"?>
      <rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
      <channel><title>T</title>
        <item><title>One</title><category>World</category><category domain="x">Europe</category>
          <media:content url="https://cdn.example/video.mp4" type="video/mp4"/><media:content url="https://cdn.example/big.jpg" medium="image"/>
          <content:encoded><![CDATA[<p>Full <em>text</em></p>]]></content:encoded><description>Short</description></item>
        <item><title>Two</title><media:group><media:thumbnail url="https://cdn.example/thumb.jpg"/></media:group></item>
        <item><title>Three</title><enclosure url="https://cdn.example/pic.png" type="image/png" length="1"/></item>
        <item><title>Four</title><enclosure url="https://cdn.example/ep.mp3" type="audio/mpeg" length="1"/></item>
      </channel></rss>`);
    expect(feed.entries.map((entry) => entry.image)).toEqual(['https://cdn.example/big.jpg', 'https://cdn.example/thumb.jpg', 'https://cdn.example/pic.png', undefined]);
    expect(feed.entries[0]).toMatchObject({ categories: ['World', 'Europe'], contentHtml: '<p>Full <em>text</em></p>', summaryHtml: 'Short' });
  });

  it('reads bodies as rss-parser reads them: text, or inline XHTML serialized with the names inside it as written', async () => {
    const rss = `<rss version="2.0"><channel><title>t</title>
      <item><title>a</title><description>Plain &lt;b&gt;HTML&lt;/b&gt;</description><content:encoded><![CDATA[<p>Full</p>]]></content:encoded></item>
      <item><title>b</title><description><div><description>inner</description><content>more</content><p>text</p></div></description></item>
      <item><title>c</title><description type="html"/></item>
    </channel></rss>`;
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><id>1</id><title>a</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>One <content:encoded>x</content:encoded></p></div></content></entry>
      <entry><id>2</id><title>b</title><content type="html">&lt;p&gt;Two&lt;/p&gt;</content><summary>S</summary></entry>
    </feed>`;
    const trimmed = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
    const asRssParserReads = await new Parser().parseString(rss);
    expect((await parseFeed(rss)).entries.map(({ contentHtml, summaryHtml }) => ({ contentHtml, summaryHtml }))).toEqual(
      asRssParserReads.items.map((item) => ({ contentHtml: trimmed(item['content:encoded']), summaryHtml: trimmed(item.content) })),
    );
    expect((await parseFeed(rss)).entries[1]!.summaryHtml).toContain('<description>inner</description><content>more</content>');
    const atomAsRssParserReads = await new Parser().parseString(atom);
    expect((await parseFeed(atom)).entries.map(({ contentHtml, summaryHtml }) => ({ contentHtml, summaryHtml }))).toEqual(
      atomAsRssParserReads.items.map((item) => ({ contentHtml: trimmed(item.content), summaryHtml: trimmed(item.summary) })),
    );
  });

  it('reads any inline XHTML body as rss-parser serializes it, names Herald renames inside it included', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', 'é', '😀', '\n', '\t', '&amp;', '&lt;', '&gt;', '&quot;', '&#13;', '&#x1F600;') });
    const attributes = fc.uniqueArray(fc.tuple(fc.constantFrom('href', 'class', 'xml:lang', 'data-x'), text), { selector: ([name]) => name, maxLength: 2 });
    const names = fc.constantFrom('p', 'b', 'div', 'xhtml:span', 'description', 'content', 'content:encoded', 'pubDate');
    const { node } = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.tuple(names, attributes, fc.array(tie('node'), { maxLength: 3 })).map(
          ([name, pairs, children]) => `<${name}${pairs.map(([key, value]) => ` ${key}="${value}"`).join('')}>${children.join('')}</${name}>`,
        ),
      ),
    }));
    const trimmed = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
    await fc.assert(
      fc.asyncProperty(fc.array(node, { minLength: 1, maxLength: 3 }), async (nodes) => {
        const xhtml = `<div xmlns="http://www.w3.org/1999/xhtml">${nodes.join('')}</div>`;
        const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>1</id><title>a</title><content type="xhtml">${xhtml}</content></entry></feed>`;
        const rss = `<rss version="2.0"><channel><title>t</title><item><title>a</title><description>${xhtml}</description></item></channel></rss>`;
        expect((await parseFeed(atom)).entries[0]!.contentHtml).toBe(trimmed((await new Parser().parseString(atom)).items[0]!.content));
        expect((await parseFeed(rss)).entries[0]!.summaryHtml).toBe(trimmed((await new Parser().parseString(rss)).items[0]!.content));
      }),
      { numRuns: 300 },
    );
  });

  it('reads RSS dates as written (pubDate, else dc:date) and Atom dates as rss-parser converts them', async () => {
    const rss = await parseFeed(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
      <item><title>a</title><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><dc:date>2001-01-01</dc:date></item>
      <item><title>b</title><dc:date>2003-06-10T04:00:00Z</dc:date></item>
      <item><title>c</title><pubDate>not a date</pubDate></item>
    </channel></rss>`);
    expect(rss.entries.map((entry) => entry.published)).toEqual(['Tue, 10 Jun 2003 04:00:00 GMT', '2003-06-10T04:00:00Z', 'not a date']);
    const atom = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><id>1</id><title>a</title><published>2003-06-10T04:00:00+02:00</published><pubDate>ignored</pubDate></entry>
      <entry><id>2</id><title>b</title><updated>2003-06-11T04:00:00Z</updated></entry>
    </feed>`);
    expect(atom.entries.map((entry) => entry.published)).toEqual(['2003-06-10T02:00:00.000Z', '2003-06-11T04:00:00.000Z']);
  });

  it('tolerates blank lines before the XML declaration', async () => {
    const feed = await parseFeed('\n\n  <?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><item><title>x</title></item></channel></rss>');
    expect(feed.entries).toHaveLength(1);
    expect(feed.recovered).toBeUndefined();
  });
});

describe('parseFeed: broken and hostile documents', () => {
  it('recovers the entries of a feed truncated mid-document', async () => {
    const feed = await parseFeed(fixture('chardet__windows-1251-russian-greek.ru.xml'));
    expect(feed.format).toBe('rss');
    expect(feed.recovered).toMatch(/not well-formed XML .*; 4 entries recovered/);
    expect(feed.entries).toHaveLength(4);
    expect(feed.entries[0]!.title).toMatch(/^Греция сегодня/);
    expect(feed.title).toBe('Greek.Ru');
  });

  // Entities XML does not define stay as written, for htmlToText to decode downstream.
  it('recovers a truncated Atom feed: alternate link, author, category term, XHTML content, HTML entities', async () => {
    const feed = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><title>Caf&eacute;</title>
      <entry><id>urn:x:1</id><title>Na&nbsp;ja</title><link rel="self" href="https://e.org/self"/><link href="https://e.org/1"/>
        <author><name>Ann</name></author><category term="news"/><updated>2024-01-01T00:00:00Z</updated>
        <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <b>world</b></p></div></content></entry>
      <entry><id>urn:x:2</id><title>Cut off`);
    expect(feed).toMatchObject({ format: 'atom', title: 'Caf&eacute;', language: 'de', recovered: expect.stringMatching(/not well-formed XML/) });
    expect(feed.entries).toEqual([{
      guid: 'urn:x:1', link: 'https://e.org/1', title: 'Na&nbsp;ja', author: 'Ann', categories: ['news'], published: '2024-01-01T00:00:00Z',
      contentHtml: expect.stringContaining('<p>Hello <b>world</b></p>'), summaryHtml: undefined, image: undefined, language: undefined,
    }, expect.objectContaining({ guid: 'urn:x:2', title: 'Cut off' })]);
  });

  it('recovers the entries of an Atom feed with a date rss-parser cannot convert', async () => {
    const feed = await parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>t</title><published>the day before yesterday</published></entry></feed>');
    expect(feed.recovered).toBe('not laid out as an Atom feed should be (Invalid time value); 1 entries recovered');
    expect(feed.entries).toEqual([expect.objectContaining({ guid: '1', title: 't', published: 'the day before yesterday' })]);
  });

  it('returns no entries for a well-formed <rss> without a channel', async () => {
    expect(await parseFeed('<rss></rss>')).toMatchObject({ format: 'rss', entries: [], recovered: 'not laid out as an RSS feed should be (Feed not recognized as RSS 1 or 2.); 0 entries recovered' });
  });

  it.each([
    ['an unclosed document with nothing in it', '<rss version="2.0">\n</rss', /not well-formed XML/],
    ['an HTML page', '<!DOCTYPE html><html><head><title>x</title></head><body></body></html>', /root element is <html>/],
    ['an empty body', '', /no XML element/],
    ['plain text', 'Service unavailable', /^not a feed: it is neither XML nor JSON \(it starts with "Service unavailable"\)$/],
    // Markdown that mentions `herald <command>`: naming <command> its root element would mislead.
    ['a README', '# Herald — a news-briefing bot for Telegram and Discord\n\nUsage: herald <command> [options]\n', /^not a feed: it is neither XML nor JSON \(it starts with "# Herald — a news-briefing bot for…"\)$/],
    ['invalid JSON', '{"items": [', /not valid JSON/],
    ['JSON that is not a feed', '{"error": "not found"}', /no "items" array/],
  ])('refuses %s with a FeedParseError that says what is wrong', async (_name, document, message) => {
    const failure = parseFeed(document);
    await expect(failure).rejects.toBeInstanceOf(FeedParseError);
    await expect(failure).rejects.toThrow(message);
  });

  const billionLaughs = (root: (payload: string) => string) => `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 ${Array.from({ length: 9 }, (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level === 0 ? '' : level};`.repeat(10)}">`).join('\n ')}
]>
${root('&lol9;')}`;

  it.each([
    ['in an RSS item', (payload: string) => `<rss version="2.0"><channel><title>t</title><item><title>${payload}</title><description>${payload}</description></item></channel></rss>`],
    ['in an Atom entry', (payload: string) => `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><title>${payload}</title></entry></feed>`],
    ['as the whole document', (payload: string) => `<lolz>${payload}</lolz>`],
  ])('never expands a billion-laughs entity bomb %s', async (_where, root) => {
    const heapBefore = process.memoryUsage().heapUsed;
    const outcome = await settle(parseFeed(billionLaughs(root)));
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(FeedParseError);
    } else {
      const entryText = JSON.stringify(outcome.entries);
      expect(entryText.length).toBeLessThan(10_000);
      expect(entryText).not.toContain('lollollol');
    }
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);

  it('never expands a quadratic-blowup entity (one large entity referenced many times)', async () => {
    const document = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "${'x'.repeat(50_000)}">]>
<rss version="2.0"><channel><item><title>t</title><description>${'&big;'.repeat(50_000)}</description></item></channel></rss>`;
    const heapBefore = process.memoryUsage().heapUsed;
    const outcome = await settle(parseFeed(document));
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(FeedParseError);
    else expect(outcome.entries.every((entry) => !(entry.summaryHtml ?? '').includes('x'.repeat(1000)))).toBe(true);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);

  // Each of these once took minutes (quadratic work in htmlparser2's element stack, or a
  // backtracking regex); the generous test timeout stands guard against a return of that.
  const deep = 200_000;
  it.each([
    ['Atom XHTML content nested 200,000 deep', `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>t</title><content type="xhtml">${'<div>'.repeat(deep)}x${'</div>'.repeat(deep)}</content></entry></feed>`],
    ['an unclosed RSS document nested 200,000 deep', `<rss version="2.0"><channel><item><title>t</title>${'<x>'.repeat(deep)}`],
    ['a prolog of 20,000 unclosed comments', '<!--'.repeat(20_000)],
    ['40,000 unterminated start tags', '<a'.repeat(40_000)],
  ])('reads or refuses %s without crashing or hanging', async (_name, document) => {
    const outcome = await settle(parseFeed(document));
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(FeedParseError);
    else expect(outcome.entries.length).toBeGreaterThan(0);
  }, 60_000);

  it('says when it could read a deeply nested feed only in part', async () => {
    const feed = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>t</title><content type="xhtml">${'<div>'.repeat(deep)}x${'</div>'.repeat(deep)}</content></entry></feed>`);
    expect(feed.recovered).toMatch(/nested too deeply/);
    expect(feed.entries[0]).toMatchObject({ guid: '1', title: 't' });
  }, 60_000);
});
