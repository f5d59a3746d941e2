import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchFeed, type FetchOptions } from '../feeds/fetch.js';
import { feedIdFor } from '../feeds/feed-id.js';

/** One feed's raw bytes, as read from disk or fetched once, with what is needed to ingest it. */
export interface FeedSource {
  location: string;
  feedId: string;
  bytes: Uint8Array;
  contentType?: string;
  /** A name for the source when the feed itself has no title: the file name or host. */
  fallbackName: string;
}

export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Reads a local path (or file: URL), or fetches an http(s) URL once (SSRF guard and limits apply). */
export async function loadFeedSource(location: string, fetchOptions: FetchOptions): Promise<FeedSource> {
  const feedId = feedIdFor(location);
  if (isUrl(location)) {
    const outcome = await fetchFeed(location, {}, fetchOptions);
    if (outcome.kind !== 'fetched') throw new Error(`${location} answered 304 Not Modified to a request without validators`);
    return { location, feedId, bytes: outcome.body, contentType: outcome.contentType, fallbackName: new URL(outcome.finalUrl).hostname };
  }
  const path = location.startsWith('file:') ? fileURLToPath(location) : location;
  try {
    return { location, feedId, bytes: await readFile(path), fallbackName: basename(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a feed file' : (error as Error).message;
    throw new Error(`Cannot read feed ${location}: ${reason}`);
  }
}
