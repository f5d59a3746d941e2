import { createRequire } from 'node:module';
import Parser from 'rss-parser';
import { xml2jsElementXml } from './element-xml.js';
import { FeedParseError, firstText, isRecord, looksLikeImage, type FeedEntry, type ParsedFeed, type XmlFeedFormat } from './feed-entry.js';
import { parseJsonFeed } from './parse-json.js';
import { recoverFeed } from './parse-lenient.js';
import { nonMarkupOpening } from './text-opening.js';

export { FeedParseError, type FeedEntry, type ParsedFeed } from './feed-entry.js';

type XmlRecord = Record<string, unknown>;

/**
 * rss-parser makes a plain-text `contentSnippet` of every RSS `<description>` and
 * `<content:encoded>` and of every Atom `<content>` (two regexes and an entity decode over each
 * body: a fifth of its time on full-text feeds), and an ISO `isoDate` of every RSS `<pubDate>`
 * or `<dc:date>`: Herald reads neither (it reads the HTML, and parses dates itself). xml2js
 * hands these elements to rss-parser under other names, which no XML element can have (`#`
 * cannot start one), so rss-parser copies them as custom fields instead, without that work.
 * (Atom dates stay rss-parser's: it converts them, and a date it cannot convert refuses the feed.)
 */
const RENAMED = new Map(['description', 'content:encoded', 'content', 'pubDate', 'dc:date'].map((name) => [name, `#${name}`]));

/** A renamed element's own name, by its new one. */
const ORIGINAL_NAMES = new Map([...RENAMED].map(([name, renamed]) => [renamed, name]));

/** Called for every element: the new name is a constant made once, not a string built per element. */
function renamedElement(name: string): string {
  return RENAMED.get(name) ?? name;
}

/**
 * rss-parser keeps only common fields; these add what Herald needs from media RSS, Atom 0.3
 * dates and Atom/Dublin Core categories, and the renamed bodies and dates. keepArray keeps
 * every occurrence, not just the first.
 */
const rssParser = new Parser<XmlRecord, XmlRecord>({
  defaultRSS: 2,
  xml2js: { tagNameProcessors: [renamedElement] },
  customFields: {
    feed: ['dc:language'],
    item: [
      ['media:content', 'mediaContent', { keepArray: true }],
      ['media:thumbnail', 'mediaThumbnail', { keepArray: true }],
      ['media:group', 'mediaGroup', { keepArray: true }],
      ['category', 'atomCategories', { keepArray: true }],
      ['dc:subject', 'subjects', { keepArray: true }],
      'source',
      'issued',
      'modified',
      'created',
      'updated',
      ...ORIGINAL_NAMES.keys(),
    ],
  },
});

/** rss-parser's own reading of a body: its text, or an element with child elements serialized back to XML. */
const { getContent } = createRequire(import.meta.url)('rss-parser/lib/utils.js') as { getContent: (content: unknown) => unknown };

/**
 * A renamed body as rss-parser would have given it under its own name: the custom field is the
 * element's text, or the element itself, which rss-parser serializes (with the names inside
 * it as written: inline XHTML rarely holds an element named like a renamed one). Herald writes
 * the XML itself when it can, as rss-parser would, and leaves the rest to rss-parser.
 */
function body(value: unknown): unknown {
  if (!isRecord(value) || typeof value['_'] === 'string') return value;
  return xml2jsElementXml(value, originalName) ?? getContent(holdsRenamed(value) ? withOriginalNames(value) : value);
}

function originalName(name: string): string {
  return ORIGINAL_NAMES.get(name) ?? name;
}

/**
 * The Builder's bodies are rare (see xml2jsElementXml), so this walk is too. Renaming only when
 * needed also keeps the depth at which a deep body overflows the stack where it always was.
 */
function holdsRenamed(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsRenamed);
  if (!isRecord(value)) return false;
  for (const key in value) if (ORIGINAL_NAMES.has(key) || holdsRenamed(value[key])) return true;
  return false;
}

function withOriginalNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withOriginalNames);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [originalName(key), withOriginalNames(child)]));
}

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
  const format = feedFormat(root.name, trimmed);
  let parsed: XmlRecord & Parser.Output<XmlRecord>;
  let entries: FeedEntry[];
  try {
    parsed = await rssParser.parseString(trimmed);
    // Inside the try: serializing a body is rss-parser's step, and fails as it would have there.
    entries = parsed.items.map((item) => entryOf(item, format));
  } catch (error) {
    return recover(trimmed, format, error);
  }
  return {
    format,
    title: text(parsed.title),
    link: text(parsed.link),
    language: firstText(text(parsed['language']), text(parsed['dc:language']), root.language),
    entries,
  };
}

/**
 * Falls back to the forgiving parser after rss-parser failed, and says why in `recovered`.
 * An empty recovery is an error when the document itself is broken, but the honest answer
 * when it is well-formed and simply has no entries where the format puts them.
 */
function recover(document: string, format: XmlFeedFormat, cause: unknown): ParsedFeed {
  const { problem, emptyIsError } = diagnose(cause, format);
  let recovered: ReturnType<typeof recoverFeed>;
  try {
    recovered = recoverFeed(document, format);
  } catch (recoveryError) {
    throw new FeedParseError(`the feed is ${problem} and could not be read leniently either (${describe(recoveryError)})`, { cause });
  }
  if (emptyIsError && recovered.entries.length === 0) {
    throw new FeedParseError(`the feed is ${problem} and no entries could be recovered`, { cause });
  }
  return { ...recovered, recovered: `${problem}; ${recovered.entries.length} entries recovered` };
}

/**
 * rss-parser fails in three ways: its XML parser (sax) rejects the syntax, with the position
 * in the message; its recursive serializer of inline XHTML overflows the stack on absurdly deep
 * nesting; or its builder trips over a well-formed document it did not expect (`<rss>` without
 * `<channel>`, an empty root, an Atom date it cannot convert), where whatever entries the
 * forgiving parser finds, even none, are the honest answer.
 */
function diagnose(cause: unknown, format: XmlFeedFormat): { problem: string; emptyIsError: boolean } {
  const message = describe(cause);
  if (/\bLine: \d+ Column: \d+/.test(message)) return { problem: `not well-formed XML (${message})`, emptyIsError: true };
  if (cause instanceof RangeError && /call stack/i.test(message)) return { problem: 'nested too deeply to read whole', emptyIsError: true };
  // A TypeError from inside rss-parser ("Cannot read properties of undefined") tells a reader nothing.
  const detail = cause instanceof TypeError ? '' : ` (${message})`;
  return { problem: `not laid out as an ${FORMAT_NAMES[format]} feed should be${detail}`, emptyIsError: false };
}

const FORMAT_NAMES: Record<XmlFeedFormat, string> = { rss: 'RSS', atom: 'Atom', rdf: 'RSS 1.0 (RDF)' };

function describe(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
}

interface RootElement { name: string; language?: string }

/**
 * The root element's name (and xml:lang), found by stepping over the prolog (declaration,
 * processing instructions, comments, DOCTYPE with its internal subset) with indexOf, never a
 * backtracking regex: a hostile document must not make this step slow.
 */
function rootElement(document: string): RootElement {
  const startTag = /<([A-Za-z_][\w:.-]*)([^<>]{0,4096})/y;
  let position = 0;
  while (position < ROOT_SEARCH_WINDOW) {
    const open = document.indexOf('<', position);
    if (open === -1 || open >= ROOT_SEARCH_WINDOW) break;
    if (document.startsWith('<!--', open)) position = endOf(document, '-->', open + 4);
    else if (document.startsWith('<?', open)) position = endOf(document, '?>', open + 2);
    else if (document.startsWith('<!', open)) position = endOfDeclaration(document, open);
    else {
      startTag.lastIndex = open;
      const tag = startTag.exec(document);
      if (tag) return { name: tag[1]!, language: tag[2]!.match(/xml:lang\s*=\s*["']([^"']+)["']/)?.[1] };
      position = open + 1;
    }
  }
  throw notAFeed(document, 'the document contains no XML element');
}

/**
 * The error for a document found not to be a feed, made only then (never on the way to parsing
 * one): a text that does not start with markup is quoted rather than said to have the root
 * element found somewhere inside it. JSON has gone to parseJsonFeed by then.
 */
function notAFeed(document: string, problem: string): FeedParseError {
  const opening = nonMarkupOpening(document);
  return new FeedParseError(`not a feed: ${opening === undefined ? problem : `it is neither XML nor JSON (it starts with "${opening}")`}`);
}

/** The index after `terminator`, searching from `from`; past the end when it never comes. */
function endOf(document: string, terminator: string, from: number): number {
  const end = document.indexOf(terminator, from);
  return end === -1 ? Number.POSITIVE_INFINITY : end + terminator.length;
}

/** The index after a `<!DOCTYPE …>`, skipping its `[ internal subset ]` when there is one. */
function endOfDeclaration(document: string, open: number): number {
  const close = document.indexOf('>', open);
  const subset = document.indexOf('[', open);
  if (subset !== -1 && (close === -1 || subset < close)) return endOf(document, '>', endOf(document, ']', subset));
  return close === -1 ? Number.POSITIVE_INFINITY : close + 1;
}

function feedFormat(rootName: string, document: string): XmlFeedFormat {
  const name = rootName.toLowerCase();
  if (name === 'rss') return 'rss';
  if (name === 'feed') return 'atom';
  if (name === 'rdf' || name.endsWith(':rdf')) return 'rdf';
  throw notAFeed(document, `the document's root element is <${rootName}>, expected <rss>, <feed> (Atom), <rdf:RDF> or a JSON Feed`);
}

/**
 * The date fields an entry may carry, in the order they are trusted: RSS's own (renamed, see
 * ORIGINAL_NAMES), or the date rss-parser made of Atom's `<published>` or `<updated>`.
 */
const RSS_DATE_FIELDS = ['#pubDate', '#dc:date', 'issued', 'created', 'modified', 'updated'];
const ATOM_DATE_FIELDS = ['pubDate', 'issued', 'created', 'modified', 'updated'];

/** `text` of each value is already trimmed and non-blank or undefined, so the first defined one is firstText's answer. */
function entryOf(item: XmlRecord, format: XmlFeedFormat): FeedEntry {
  const atom = format === 'atom';
  const dateFields = atom ? ATOM_DATE_FIELDS : RSS_DATE_FIELDS;
  let published: string | undefined;
  for (let index = 0; published === undefined && index < dateFields.length; index++) published = text(item[dateFields[index]!]);
  return {
    guid: atom ? text(item['id']) : text(item['guid']) ?? text(item['rdf:about']),
    link: text(item['link']),
    title: text(item['title']),
    contentHtml: text(body(item[atom ? '#content' : '#content:encoded'])),
    summaryHtml: atom ? text(item['summary']) : text(body(item['#description'])) ?? text(item['summary']),
    author: text(item['creator']) ?? text(item['author']),
    published,
    categories: categoriesOf(item),
    image: imageOf(item),
    language: text(item['language']),
    source: sourceOf(item['source']),
  };
}

/** The outlet an aggregated item credits: RSS `<source url="…">Name</source>`, or the `<title>` of an Atom `<source>`. */
function sourceOf(source: unknown): string | undefined {
  return text(source) ?? (isRecord(source) ? text(source['title']) : undefined);
}

/** RSS categories, then Atom ones (term, else label), then Dublin Core subjects; blank ones left out. */
function categoriesOf(item: XmlRecord): string[] {
  const categories: string[] = [];
  for (const category of list(item['categories'])) pushDefined(categories, text(category));
  for (const category of list(item['atomCategories'])) pushDefined(categories, attribute(category, 'term') ?? attribute(category, 'label'));
  for (const subject of list(item['subjects'])) pushDefined(categories, text(subject));
  return categories;
}

function pushDefined(values: string[], value: string | undefined): void {
  if (value !== undefined) values.push(value);
}

/** Media RSS content (an image), then thumbnails (also inside media:group), an image enclosure, the iTunes image. */
function imageOf(item: XmlRecord): string | undefined {
  const { mediaGroup, mediaContent, mediaThumbnail, enclosure, itunes } = item;
  // Most entries carry none of these: nothing to look through.
  if (mediaGroup === undefined && mediaContent === undefined && mediaThumbnail === undefined && enclosure === undefined && itunes === undefined) return undefined;
  const groups = list(mediaGroup).filter(isRecord);
  const contents = [...list(mediaContent), ...groups.flatMap((group) => list(group['media:content']))];
  const thumbnails = [...list(mediaThumbnail), ...groups.flatMap((group) => list(group['media:thumbnail']))];
  const content = contents.find((candidate) => looksLikeImage(attribute(candidate, 'url'), attribute(candidate, 'type'), attribute(candidate, 'medium')));
  return firstText(
    content === undefined ? undefined : attribute(content, 'url'),
    ...thumbnails.map((thumbnail) => attribute(thumbnail, 'url')),
    isRecord(enclosure) && looksLikeImage(text(enclosure['url']), text(enclosure['type'])) ? text(enclosure['url']) : undefined,
    isRecord(itunes) ? text(itunes['image']) : undefined,
  );
}

/** The text of an xml2js value, trimmed, undefined when blank: a string, an element's character data, or the first of an array. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return nonBlank(value.trim());
  if (Array.isArray(value)) return text(value[0]);
  if (isRecord(value) && typeof value['_'] === 'string') return nonBlank(value['_'].trim());
  return undefined;
}

function nonBlank(trimmed: string): string | undefined {
  return trimmed === '' ? undefined : trimmed;
}

function attribute(value: unknown, name: string): string | undefined {
  const attributes = isRecord(value) ? value['$'] : undefined;
  return isRecord(attributes) ? text(attributes[name]) : undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
