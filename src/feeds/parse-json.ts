import { FeedParseError, firstText, isRecord, type FeedEntry, type ParsedFeed } from './feed-entry.js';

/** The fields of JSON Feed 1.0 and 1.1 that Herald reads (https://jsonfeed.org/version/1.1). */
interface JsonFeedAuthor { name?: unknown }
interface JsonFeedItem {
  id?: unknown; url?: unknown; external_url?: unknown; title?: unknown; content_html?: unknown; content_text?: unknown;
  summary?: unknown; image?: unknown; banner_image?: unknown; date_published?: unknown; date_modified?: unknown;
  author?: JsonFeedAuthor; authors?: JsonFeedAuthor[]; tags?: unknown; language?: unknown;
}

/** JSON Feed 1.0 / 1.1 → ParsedFeed. Throws FeedParseError when the JSON is not a JSON Feed. */
export function parseJsonFeed(text: string): ParsedFeed {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new FeedParseError(`not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(document) || !Array.isArray(document['items'])) {
    throw new FeedParseError('a JSON document but not a JSON Feed: it has no "items" array');
  }
  const feedAuthors = authorsOf(document);
  return {
    format: 'json',
    title: string(document['title']),
    link: string(document['home_page_url']),
    language: string(document['language']),
    entries: document['items'].filter(isRecord).map((item) => entryOf(item as JsonFeedItem, feedAuthors)),
  };
}

function entryOf(item: JsonFeedItem, feedAuthors: string | undefined): FeedEntry {
  const contentText = string(item.content_text);
  const summary = string(item.summary);
  return {
    guid: item.id === undefined || item.id === null ? undefined : String(item.id),
    link: firstText(string(item.url), string(item.external_url)),
    title: string(item.title),
    // Plain text is escaped so that the HTML-to-text step downstream returns it unchanged.
    contentHtml: string(item.content_html) ?? (contentText === undefined ? undefined : textAsHtml(contentText)),
    summaryHtml: summary === undefined ? undefined : textAsHtml(summary),
    author: authorsOf(item) ?? feedAuthors,
    published: firstText(string(item.date_published), string(item.date_modified)),
    categories: Array.isArray(item.tags) ? item.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    image: firstText(string(item.image), string(item.banner_image)),
    language: string(item.language),
  };
}

/** 1.1 has `authors` (an array), 1.0 a single `author`. */
function authorsOf(owner: { author?: unknown; authors?: unknown }): string | undefined {
  const authors = Array.isArray(owner.authors) ? owner.authors : [owner.author];
  const names = authors.filter(isRecord).map((author) => string(author['name'])).filter((name) => name !== undefined);
  return names.length === 0 ? undefined : names.join(', ');
}

function textAsHtml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.replace(/\n/g, '<br>');
}

function string(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
