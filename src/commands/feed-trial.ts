import { decodeFeed } from '../feeds/decode.js';
import { discoverFeeds, looksLikeHtml } from '../feeds/discover.js';
import { FetchError, fetchFeed, type FetchOptions } from '../feeds/fetch.js';
import { feedIdFor } from '../feeds/feed-id.js';
import { ingestFeed } from '../feeds/ingest.js';

/** A URL that was fetched and parsed as a feed. */
export interface TrialResult {
  /** The feed's address to store: the one typed, the one a page advertised, or where a permanent redirect led. */
  url: string;
  title?: string;
  itemCount: number;
  /** Set when the URL typed was a web page and this feed was found on it. */
  discoveredFrom?: string;
}

/** Why a URL cannot be added; the message is for the user. */
export class FeedTrialError extends Error {
  override readonly name = 'FeedTrialError';
}

async function fetchBody(url: string, options: FetchOptions) {
  try {
    const outcome = await fetchFeed(url, {}, options);
    if (outcome.kind !== 'fetched') throw new FeedTrialError(`${url} answered "not modified" to a first request; Herald cannot read it.`);
    return outcome;
  } catch (error) {
    if (error instanceof FetchError) throw new FeedTrialError(error.message);
    throw error;
  }
}

async function parseAsFeed(url: string, body: Uint8Array, contentType: string | undefined, now: Date): Promise<{ title?: string; itemCount: number }> {
  try {
    const result = await ingestFeed(body, contentType, { feedId: feedIdFor(url), feedLink: url, now });
    return { title: result.feedName, itemCount: result.items.length };
  } catch (error) {
    throw new FeedTrialError(`${url} is not a feed Herald can read (${(error as Error).message}).`);
  }
}

/**
 * Fetches a URL through the SSRF guard and parses it the way polls will. A web page is
 * accepted when it advertises a feed with `<link rel="alternate">`: the first advertised feed
 * that reads is taken. Throws FeedTrialError with a user-facing reason otherwise.
 */
export async function tryFeed(url: string, options: FetchOptions, now: Date): Promise<TrialResult> {
  const page = await fetchBody(url, options);
  const fetchedUrl = page.permanentUrl ?? url;
  if (!looksLikeHtml(page.contentType, page.body)) {
    return { url: fetchedUrl, ...(await parseAsFeed(fetchedUrl, page.body, page.contentType, now)) };
  }
  const advertised = discoverFeeds(decodeFeed(page.body, page.contentType).text, page.finalUrl);
  if (advertised.length === 0) {
    throw new FeedTrialError(`${url} is a web page that advertises no feed (no <link rel="alternate"> to RSS, Atom or JSON Feed). Look for the feed's own address on the site.`);
  }
  const reasons: string[] = [];
  for (const candidate of advertised.slice(0, 3)) {
    try {
      const feed = await fetchBody(candidate.url, options);
      const feedUrl = feed.permanentUrl ?? candidate.url;
      return { url: feedUrl, discoveredFrom: url, ...(await parseAsFeed(feedUrl, feed.body, feed.contentType, now)) };
    } catch (error) {
      if (!(error instanceof FeedTrialError)) throw error;
      reasons.push(error.message);
    }
  }
  throw new FeedTrialError(`${url} advertises feeds, but none could be read: ${reasons.join(' ')}`);
}
