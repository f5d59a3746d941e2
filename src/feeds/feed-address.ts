import { parseHttpUrl } from './canonical-url.js';

/**
 * `feed://host/path` and `feed:https://host/path`: the feed: scheme browsers and some sites hand
 * out for a feed. It names the http(s) address after it (plain http when none is written).
 */
const FEED_SCHEME = /^feed:(\/\/)?/i;

/**
 * The http(s) address a feed address someone typed or listed stands for: as written, or with a
 * feed: scheme unwrapped; undefined when it is no http(s) URL (ftp://, a path, a typo). Every
 * place that takes a feed address from a user reads it through here; what comes out is fetched
 * like any other address, through the SSRF guard.
 */
export function webFeedAddress(text: string): string | undefined {
  const written = text.trim();
  const scheme = FEED_SCHEME.exec(written);
  const address = scheme === null ? written : scheme[1] !== undefined ? `http://${written.slice(scheme[0].length)}` : written.slice(scheme[0].length);
  return parseHttpUrl(address) === undefined ? undefined : address;
}
