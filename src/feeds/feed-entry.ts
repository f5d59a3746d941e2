/** One entry as a feed document states it, before normalization (see normalize.ts). */
export interface FeedEntry {
  guid?: string;
  link?: string;
  title?: string;
  /** full content, HTML */
  contentHtml?: string;
  /** summary/description, HTML or text */
  summaryHtml?: string;
  author?: string;
  /** raw date string */
  published?: string;
  categories: string[];
  image?: string;
  language?: string;
  /** The outlet an aggregator (Google News, a planet) credits for the entry. */
  source?: string;
}

/** A parsed feed document, whatever its format. */
export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  title?: string;
  link?: string;
  language?: string;
  entries: FeedEntry[];
  /** set when the document was ill-formed and only some entries were recovered */
  recovered?: string;
}

/** The document is not a feed Herald can read; the message says what is wrong with it. */
export class FeedParseError extends Error {
  override name = 'FeedParseError';
}

/** Feed formats written in XML, told apart by their root element. */
export type XmlFeedFormat = Exclude<ParsedFeed['format'], 'json'>;

/** The first non-blank string among `values`, trimmed. */
export function firstText(...values: (string | undefined)[]): string | undefined {
  for (const value of values) {
    const trimmed = value?.trim();
    if (trimmed) return trimmed;
  }
  return undefined;
}

/** A parsed JSON object or an XML element as rss-parser gives it: a plain object, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a media URL/MIME type pair (either may be missing) denotes an image. */
export function looksLikeImage(url: string | undefined, type: string | undefined, medium?: string): boolean {
  if (!url) return false;
  if (medium) return medium === 'image';
  if (type) return type.startsWith('image/');
  return /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(url);
}
