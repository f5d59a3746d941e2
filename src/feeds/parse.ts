import Parser from 'rss-parser';
import { FeedParseError, firstText, looksLikeImage, type FeedEntry, type ParsedFeed, type XmlFeedFormat } from './feed-entry.js';
import { parseJsonFeed } from './parse-json.js';
import { recoverFeed } from './parse-lenient.js';

export { FeedParseError, type FeedEntry, type ParsedFeed } from './feed-entry.js';

type XmlRecord = Record<string, unknown>;

/**
 * rss-parser keeps only common fields; these add what Herald needs from media RSS, Atom 0.3
 * dates and Atom/Dublin Core categories. keepArray keeps every occurrence, not just the first.
 */
const rssParser = new Parser<XmlRecord, XmlRecord>({
  defaultRSS: 2,
  customFields: {
    feed: ['dc:language'],
    item: [
      ['media:content', 'mediaContent', { keepArray: true }],
      ['media:thumbnail', 'mediaThumbnail', { keepArray: true }],
      ['media:group', 'mediaGroup', { keepArray: true }],
      ['category', 'atomCategories', { keepArray: true }],
      ['dc:subject', 'subjects', { keepArray: true }],
      'issued',
      'modified',
      'created',
      'updated',
    ],
  },
});

/** How much of the document to search for its root element (prolog, comments and DTD come first). */
const ROOT_SEARCH_WINDOW = 64 * 1024;

/**
 * RSS 0.9x/1.0/2.0 and Atom via rss-parser; JSON Feed 1.0/1.1 natively. An ill-formed XML feed
 * yields the entries a forgiving parser can recover (with `recovered` saying why); a document
 * that is not a feed, or has nothing recoverable, throws FeedParseError.
 */
export async function parseFeed(document: string): Promise<ParsedFeed> {
  // Stray whitespace before the XML declaration is common and makes strict parsers refuse the file.
  const trimmed = document.replace(/^[\uFEFF\s]+/, '');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJsonFeed(trimmed);
  const root = rootElement(trimmed);
  const format = feedFormat(root.name);
  let parsed: XmlRecord & Parser.Output<XmlRecord>;
  try {
    parsed = await rssParser.parseString(trimmed);
  } catch (error) {
    return recover(trimmed, format, error);
  }
  return {
    format,
    title: text(parsed.title),
    link: text(parsed.link),
    language: firstText(text(parsed['language']), text(parsed['dc:language']), root.language),
    entries: parsed.items.map((item) => entryOf(item, format)),
  };
}

/**
 * rss-parser fails in two ways: its XML parser rejects the syntax (then the document is
 * ill-formed and an empty recovery is an error), or its builder trips over a well-formed
 * document without the expected structure (e.g. `<rss>` without `<channel>`: a TypeError, or
 * "Feed not recognized" for an empty root), where whatever entries exist, even none, are the
 * honest answer.
 */
function recover(document: string, format: XmlFeedFormat, cause: unknown): ParsedFeed {
  const recovered = recoverFeed(document, format);
  const count = `${recovered.entries.length} entries recovered`;
  const structural = cause instanceof TypeError || (cause instanceof Error && cause.message.startsWith('Feed not recognized'));
  if (structural) return { ...recovered, recovered: `not the structure of a ${format} feed; ${count}` };
  const problem = cause instanceof Error ? cause.message.replace(/\s+/g, ' ').trim() : String(cause);
  if (recovered.entries.length === 0) {
    throw new FeedParseError(`the feed is not well-formed XML and no entries could be recovered (${problem})`, { cause });
  }
  return { ...recovered, recovered: `not well-formed XML (${problem}); ${count}` };
}

interface RootElement { name: string; language?: string }

function rootElement(document: string): RootElement {
  const head = document
    .slice(0, ROOT_SEARCH_WINDOW)
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>/i, '');
  const tag = head.match(/<([A-Za-z_][\w:.-]*)([^>]*)>/);
  if (!tag) throw new FeedParseError('not a feed: the document contains no XML element');
  return { name: tag[1]!, language: tag[2]!.match(/xml:lang\s*=\s*["']([^"']+)["']/)?.[1] };
}

function feedFormat(rootName: string): XmlFeedFormat {
  const name = rootName.toLowerCase();
  if (name === 'rss') return 'rss';
  if (name === 'feed') return 'atom';
  if (name === 'rdf' || name.endsWith(':rdf')) return 'rdf';
  throw new FeedParseError(`not a feed: the document's root element is <${rootName}>, expected <rss>, <feed> (Atom), <rdf:RDF> or a JSON Feed`);
}

function entryOf(item: XmlRecord, format: XmlFeedFormat): FeedEntry {
  const atom = format === 'atom';
  return {
    guid: atom ? text(item['id']) : firstText(text(item['guid']), text(item['rdf:about'])),
    link: text(item['link']),
    title: text(item['title']),
    // rss-parser files an RSS <description> under `content` and an Atom <content> there too.
    contentHtml: atom ? text(item['content']) : text(item['content:encoded']),
    summaryHtml: atom ? text(item['summary']) : firstText(text(item['content']), text(item['summary'])),
    author: firstText(text(item['creator']), text(item['author'])),
    published: firstText(...['pubDate', 'date', 'issued', 'created', 'modified', 'updated'].map((field) => text(item[field]))),
    categories: categoriesOf(item),
    image: imageOf(item),
    language: text(item['language']),
  };
}

function categoriesOf(item: XmlRecord): string[] {
  const rssCategories = list(item['categories']).map(text);
  const atomCategories = list(item['atomCategories']).map((category) => firstText(attribute(category, 'term'), attribute(category, 'label')));
  return [...rssCategories, ...atomCategories, ...list(item['subjects']).map(text)].filter((category) => category !== undefined);
}

/** Media RSS content (an image), then thumbnails (also inside media:group), an image enclosure, the iTunes image. */
function imageOf(item: XmlRecord): string | undefined {
  const groups = list(item['mediaGroup']).filter(isRecord);
  const contents = [...list(item['mediaContent']), ...groups.flatMap((group) => list(group['media:content']))];
  const thumbnails = [...list(item['mediaThumbnail']), ...groups.flatMap((group) => list(group['media:thumbnail']))];
  const enclosure = isRecord(item['enclosure']) ? item['enclosure'] : undefined;
  const itunes = isRecord(item['itunes']) ? item['itunes'] : undefined;
  return firstText(
    contents.map((content) => attribute(content, 'url')).find((url, index) =>
      looksLikeImage(url, attribute(contents[index], 'type'), attribute(contents[index], 'medium'))),
    ...thumbnails.map((thumbnail) => attribute(thumbnail, 'url')),
    enclosure && looksLikeImage(text(enclosure['url']), text(enclosure['type'])) ? text(enclosure['url']) : undefined,
    text(itunes?.['image']),
  );
}

/** The text of an xml2js value: a string, an element's character data, or the first of an array. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return firstText(value);
  if (Array.isArray(value)) return text(value[0]);
  if (isRecord(value) && typeof value['_'] === 'string') return firstText(value['_']);
  return undefined;
}

function attribute(value: unknown, name: string): string | undefined {
  const attributes = isRecord(value) ? value['$'] : undefined;
  return isRecord(attributes) ? text(attributes[name]) : undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is XmlRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
