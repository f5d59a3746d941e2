import { parseHttpUrl } from './canonical-url.js';

/**
 * `feed://host/path` and `feed:https://host/path`: the feed: scheme browsers and some sites hand
 * out for a feed. It names the address after it (plain http when none is written). `feed:` before
 * no `//` and no scheme (`feed:notes.xml`) is no such address: a file of that name, or a typo.
 */
const FEED_SCHEME = /^feed:(?:(\/\/)|(?=[a-z][a-z\d+.-]*:))/i;

/**
 * The address a feed: address stands for (`feed://host/path` → `http://host/path`,
 * `feed:ftp://x` → `ftp://x`); any other text as it is. For places that take files as well as
 * addresses, so that what a feed: address wraps is refused or read as that address is.
 */
export function unwrapFeedScheme(text: string): string {
  const written = text.trim();
  const scheme = FEED_SCHEME.exec(written);
  if (scheme === null) return text;
  const rest = written.slice(scheme[0].length);
  return scheme[1] !== undefined ? `http://${rest}` : rest;
}

/**
 * The http(s) address a feed address someone typed or listed stands for: as written, or with a
 * feed: scheme unwrapped; undefined when it is no http(s) URL (ftp://, a path, a typo). Every
 * place that takes a feed address from a user reads it through here; what comes out is fetched
 * like any other address, through the SSRF guard.
 */
export function webFeedAddress(text: string): string | undefined {
  const address = unwrapFeedScheme(text).trim();
  return parseHttpUrl(address) === undefined ? undefined : address;
}

/**
 * The address as /addfeed stores it: the http(s) address a feed address stands for, as the URL
 * parser writes it (`HTTP://Example.com` → `http://example.com/`); undefined for anything else.
 */
export function normalizedFeedAddress(text: string): string | undefined {
  return parseHttpUrl(unwrapFeedScheme(text).trim())?.href;
}

/**
 * The URLs a feed added from this text can be stored under: as written (the config and OPML
 * imports keep a URL so, feed: unwrapped) and as /addfeed keeps it (normalizedFeedAddress). A
 * removal names a feed the way it was added, so it looks under each.
 */
export function storedFeedUrls(text: string): string[] {
  const urls = [text.trim(), webFeedAddress(text), normalizedFeedAddress(text)];
  return [...new Set(urls.filter((url): url is string => url !== undefined))];
}
