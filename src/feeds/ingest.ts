import { decodeFeed } from './decode.js';
import { htmlToText } from './html-text.js';
import type { Item } from './item.js';
import { normalizeEntries, singleLine, type NormalizeContext } from './normalize.js';
import { parseFeed, type ParsedFeed } from './parse.js';

/** What one feed document yielded. */
export interface IngestResult {
  items: Item[];
  /** The feed's own title, as plain text. */
  feedTitle?: string;
  /** The encoding the bytes were decoded with. */
  encoding: string;
  format: ParsedFeed['format'];
  /** Set when the document was ill-formed and only some entries were recovered (says why). */
  recovered?: string;
}

/** The context of ingestFeed: NormalizeContext, with the source name optional. */
export type IngestContext = Omit<NormalizeContext, 'sourceName'> & { sourceName?: string };

/**
 * The pure pipeline from fetched bytes to Items (decode → parse → normalize), shared by the
 * poll job and `herald preview`. The source name defaults to the feed's own title, else the
 * host of `feedLink`, else the feed id; the feed's declared language and site link fill in
 * what the context leaves out. Throws FeedParseError when the bytes are not a readable feed.
 */
export async function ingestFeed(bytes: Uint8Array, contentType: string | undefined, context: IngestContext): Promise<IngestResult> {
  const { text, encoding } = decodeFeed(bytes, contentType);
  const feed = await parseFeed(text);
  const feedTitle = feed.title === undefined ? undefined : singleLine(htmlToText(feed.title)) || undefined;
  const items = normalizeEntries(feed.entries, {
    ...context,
    sourceName: context.sourceName ?? feedTitle ?? hostOf(context.feedLink) ?? context.feedId,
    feedLanguage: context.feedLanguage ?? feed.language,
    feedLink: context.feedLink ?? feed.link,
  });
  return { items, feedTitle, encoding, format: feed.format, recovered: feed.recovered };
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}
