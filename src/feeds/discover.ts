import { Parser } from 'htmlparser2';
import { absoluteHttpUrl } from './html-text.js';

/** The feed types a page may advertise with `<link rel="alternate" type="…">`. */
const FEED_TYPES = new Set(['application/rss+xml', 'application/atom+xml', 'application/feed+json', 'application/json']);

/** A feed a web page advertises. */
export interface DiscoveredFeed {
  /** Absolute http(s) URL, resolved against the page (and its `<base href>`). */
  url: string;
  title?: string;
  type: string;
}

/** Whether a response looks like an HTML page rather than a feed. */
export function looksLikeHtml(contentType: string | undefined, body: Uint8Array): boolean {
  if (contentType && /text\/html|application\/xhtml\+xml/i.test(contentType)) return true;
  const head = new TextDecoder().decode(body.subarray(0, 512)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/**
 * The feeds an HTML page advertises, in document order, without duplicates. Only
 * `<link rel="alternate">` elements with a feed type count (the autodiscovery convention);
 * links elsewhere in the page are never guessed at.
 */
export function discoverFeeds(html: string, pageUrl: string): DiscoveredFeed[] {
  let base = pageUrl;
  const found: DiscoveredFeed[] = [];
  const seen = new Set<string>();
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'base' && attributes.href) base = absoluteHttpUrl(attributes.href, pageUrl) ?? base;
        if (name !== 'link') return;
        const rels = (attributes.rel ?? '').toLowerCase().split(/\s+/);
        const type = (attributes.type ?? '').toLowerCase().split(';')[0]!.trim();
        if (!rels.includes('alternate') || !FEED_TYPES.has(type) || !attributes.href) return;
        const url = absoluteHttpUrl(attributes.href, base);
        if (url === undefined || seen.has(url)) return;
        seen.add(url);
        found.push({ url, type, ...(attributes.title?.trim() ? { title: attributes.title.trim() } : {}) });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return found;
}
