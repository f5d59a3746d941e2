import { feedIdFor } from '../feeds/feed-id.js';
import type { FetchOptions } from '../feeds/fetch.js';
import { fetchFeedAt } from '../feeds/local-feed.js';

/** One feed's raw bytes, as read from disk or fetched once, with what is needed to ingest it. */
export interface FeedSource {
  location: string;
  feedId: string;
  bytes: Uint8Array;
  contentType?: string;
  /** Where the feed finally came from (after redirects): its links resolve against it. */
  finalUrl: string;
}

/** Reads a local path (or file: URL), or fetches an http(s) URL once (SSRF guard and limits apply). */
export async function loadFeedSource(location: string, fetchOptions: FetchOptions): Promise<FeedSource> {
  const outcome = await fetchFeedAt(location, {}, fetchOptions);
  if (outcome.kind !== 'fetched') throw new Error(`${location} answered 304 Not Modified to a request without validators`);
  return { location, feedId: feedIdFor(location), bytes: outcome.body, contentType: outcome.contentType, finalUrl: outcome.finalUrl };
}
