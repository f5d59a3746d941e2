import { decodeFeed } from './decode.js';
import { absoluteHttpUrl, htmlToText } from './html-text.js';
import { hostLabel, sourceNameFromTitle } from './source-name.js';
import type { Item } from './item.js';
import { normalizeEntries, singleLine, type NormalizeContext } from './normalize.js';
import { parseFeed, type ParsedFeed } from './parse.js';

/** What one feed document yielded. */
export interface IngestResult {
  items: Item[];
  /** The feed's own title, as plain text. */
  feedTitle?: string;
  /** The feed's title as a source name, tagline left out ("The Moscow Times"): what a feed added by URL is called. */
  feedName?: string;
  /** The encoding the bytes were decoded with. */
  encoding: string;
  format: ParsedFeed['format'];
  /** Set when the document was ill-formed and only some entries were recovered (says why). */
  recovered?: string;
}

/** The context of ingestFeed: NormalizeContext, with the source name optional. */
export type IngestContext = Omit<NormalizeContext, 'sourceName'> & { sourceName?: string };

/** What a feed with no title, no site link and no linked entry is called: never a made-up id. */
export const UNTITLED_FEED = 'Untitled feed';

/**
 * The pure pipeline from fetched bytes to Items (decode → parse → normalize), shared by the
 * poll job and `herald preview`. The source name defaults to the feed's own title (tagline left
 * out), else the host of its site, of `feedLink` or of its first linked entry; an entry that
 * credits its own outlet (Google News's `<source>`) keeps that. The feed's declared language
 * and site link fill in what the context leaves out. Throws FeedParseError when the bytes are
 * not a readable feed.
 */
export async function ingestFeed(bytes: Uint8Array, contentType: string | undefined, context: IngestContext): Promise<IngestResult> {
  const { text, encoding } = decodeFeed(bytes, contentType);
  const feed = await parseFeed(text);
  const feedTitle = feed.title === undefined ? undefined : singleLine(htmlToText(feed.title)) || undefined;
  const feedName = feedTitle === undefined ? undefined : sourceNameFromTitle(feedTitle, feed.link ?? context.feedLink);
  const feedLink = context.feedLink ?? feed.link;
  const items = normalizeEntries(feed.entries, {
    ...context,
    sourceName: context.sourceName ?? feedName ?? siteName(feed, feedLink),
    feedLanguage: context.feedLanguage ?? feed.language,
    feedLink,
  });
  return { items, feedTitle, feedName, encoding, format: feed.format, recovered: feed.recovered };
}

/** A feed without a title is named by the host of its site, of its own address, or of what it links to. */
function siteName(feed: ParsedFeed, feedLink: string | undefined): string {
  const firstLink = feed.entries.find((entry) => entry.link !== undefined)?.link;
  return hostLabel(feed.link) ?? hostLabel(feedLink) ?? hostLabel(firstLink === undefined ? undefined : absoluteHttpUrl(firstLink, feedLink)) ?? UNTITLED_FEED;
}
