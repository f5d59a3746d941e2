/**
 * The one normalized shape every feed entry takes once it has been parsed.
 * Everything downstream (dedup, clustering, summaries, rendering) reads only this.
 */
export interface Item {
  /** Stable id: derived from the feed id and the entry's identity (guid, else URL, else content). */
  id: string;
  feedId: string;
  /** Display name of the source (the feed's configured name, else its own title). */
  sourceName: string;
  /** The guid/id the feed gave, verbatim. */
  guid?: string;
  /** Canonical URL: tracking parameters, fragments, default ports and similar noise removed. */
  url?: string;
  title: string;
  /** Plain text (HTML stripped with a real parser, entities decoded, whitespace folded), at most MAX_ITEM_TEXT_CHARS long (src/text/bound.ts). */
  text: string;
  author?: string;
  /** ISO 8601 UTC. The first-seen time when the feed gives none or a future one. */
  publishedAt: string;
  /** ISO 8601 UTC: when Herald first saw this entry. */
  firstSeenAt: string;
  /** BCP 47 tag when known (item, then feed, then a script guess). */
  language?: string;
  categories: string[];
  image?: string;
  /** Hash of the normalized title + whole text (before any cut), for exact-duplicate detection across URLs. */
  contentHash: string;
  /** The feed's section from config, if any (used for briefing sections). */
  section?: string;
}

/**
 * Who added a feed, and so who may remove it: the config removes the feeds it added once it no
 * longer lists them; feeds added in a chat or from an OPML file stay until removed by hand.
 */
export type FeedOrigin = 'config' | 'chat' | 'opml';

/** A feed as configured or added by an admin. */
export interface Feed {
  /** Stable id derived from the URL the feed was first added with. */
  id: string;
  url: string;
  name?: string;
  section?: string;
  /** Poll interval in minutes (minimum 1). */
  intervalMinutes: number;
  /** Ranking weight, 1 by default. */
  weight: number;
  addedAt: string;
  /** Absent for feeds stored before Herald recorded it. */
  origin?: FeedOrigin;
}

/** What Herald remembers between polls of one feed. */
export interface FeedState {
  etag?: string;
  lastModified?: string;
  lastPolledAt?: string;
  lastSuccessAt?: string;
  /** Count of failures since the last success. */
  consecutiveFailures: number;
  lastError?: string;
  /** Earliest time the next attempt may be made (backoff / Retry-After). */
  retryAfter?: string;
  /** Entries in the feed at its last successful read, and the publication time of the newest (to explain a quiet briefing). */
  entryCount?: number;
  newestEntryAt?: string;
  /** Set when the feed was disabled after too many failures; the reason is shown by /status. */
  disabledReason?: string;
  disabledAt?: string;
  /**
   * Set while the feed's permanent redirect leads to a URL another feed holds, so both fetch one
   * document (the store leaves that URL to the other feed and does not merge them): that URL and
   * the other feed's id, as of the last poll. /status, /feeds and `herald feeds list` show it to
   * whoever can remove one of the two, naming that feed as FeedStateView does.
   */
  redirectsTo?: string;
  redirectsToFeedId?: string;
}

/**
 * A feed's poll state as FeedStore.listWithState gives it: a redirect conflict also names the
 * feed holding the URL as it is named now (its URL when unnamed), undefined without a conflict.
 * Not stored (that feed may be renamed), and required so that a state read on its own cannot be
 * shown as a conflict naming no feed.
 */
export interface FeedStateView extends FeedState {
  redirectsToFeedName: string | undefined;
}
