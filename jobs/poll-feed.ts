/**
 * One poll: a claimed feed fetched (conditionally), its new items stored and handed on to the
 * story engine, its next state and due time worked out. The poll worker (poll-worker.ts) claims
 * due feeds from the schedule (src/queue/poll-jobs.ts) and records what this returns; the state
 * transitions (backoff, disabling) are pure, in poll-feed-state.ts.
 */
import type { RedisClient } from '../src/store/client.js';
import type { HeraldConfig } from '../src/config/schema.js';
import { nextAttemptDelayMs } from '../src/feeds/backoff.js';
import { FeedParseError } from '../src/feeds/feed-entry.js';
import { defaultFetchOptions, FetchError, type FetchErrorKind, type FetchOptions } from '../src/feeds/fetch.js';
import { fetchFeedAt } from '../src/feeds/local-feed.js';
import { ingestFeed } from '../src/feeds/ingest.js';
import { en } from '../src/i18n/en.js';
import type { Feed, FeedState, Item } from '../src/feeds/item.js';
import { PollQueue, type FinishedPoll } from '../src/queue/poll-jobs.js';
import { nextPollAt } from '../src/queue/schedulers.js';
import { FeedStore, redirectHolderName } from '../src/store/feeds.js';
import { ItemStore } from '../src/store/items.js';
import { createKeys } from '../src/store/keys.js';
import { feedContents, pollSkipReason, redirectConflictChange, stateAfterFailure, stateAfterSuccess, type FoundRedirectConflict, type RedirectConflictChange } from './poll-feed-state.js';

/** What one poll did, for logs and metrics. */
export interface PollResult {
  feedId: string;
  /** The feed's name, else its URL (absent when the feed is gone): what log lines call it. */
  feed?: string;
  status: 'fetched' | 'not-modified' | 'failed' | 'disabled' | 'skipped';
  /** Items stored by this poll (new to Herald), and any an earlier poll stored or claimed but failed before handing on. */
  newItems: number;
  /** Why the poll was skipped, what went wrong, or what a partly broken feed lost. */
  detail?: string;
  /** Entries dropped because another item had the same guid, URL or content (for metrics). */
  duplicatesDropped?: number;
  /** What kind of failure a failed poll met (for metrics): the fetch error's kind, or 'parse'. */
  errorKind?: FetchErrorKind | 'parse';
  /**
   * On the poll that finds the feed's permanent redirect newly leading onto another feed's URL,
   * or no longer: the worker logs the change once, though the redirect is followed at every poll.
   */
  redirectConflict?: RedirectConflictChange;
}

export interface PollFeedDeps {
  feeds: FeedStore;
  items: ItemStore;
  /** The poll schedule: where due feeds are claimed and finished polls recorded. */
  queue: PollQueue;
  /** Shared by every poll of the worker, with its per-host limiter. */
  fetchOptions: FetchOptions;
  disableAfterFailures: number;
  /**
   * Receives each poll's newly stored items (the story engine plugs in here), and again those of
   * a poll that failed before settling them (see ItemStore): it must take an item twice without harm.
   */
  onNewItems?: (items: Item[], feed: Feed) => Promise<void>;
  /**
   * Receives, after onNewItems, the ids of stored items that this poll's entries newly listed
   * as copies (see ItemStore.addNewCountingDuplicates): their stories changed for this feed's
   * followers though no item was added (breaking-news alerts plug in here); again those of a
   * poll that failed before settling them.
   */
  onCopies?: (originalIds: string[], feed: Feed) => Promise<void>;
  now?: () => Date;
  /** 0..1, for backoff jitter. */
  random?: () => number;
}

/** Feed problems the poll records on the feed; anything else is a bug or an outage and fails the poll. */
function feedProblem(error: unknown): (FetchError | FeedParseError) | undefined {
  return error instanceof FetchError || error instanceof FeedParseError ? error : undefined;
}

/** What one poll did (for logs and metrics) and what the schedule records of it. */
export interface PolledFeed {
  result: PollResult;
  finished: FinishedPoll;
}

/**
 * Follows a permanent redirect: moves the feed to its new URL, or, when another feed holds that
 * URL (the store leaves it to that feed: merging the two would mean moving their subscriptions),
 * says which feed, for the health the admin sees. The feed stays where it is and each poll
 * follows the redirect again.
 */
async function followPermanentRedirect(feed: Feed, url: string, feeds: FeedStore): Promise<FoundRedirectConflict | undefined> {
  if (await feeds.updateUrl(feed.id, url)) return undefined;
  const holder = await feeds.findByUrl(url);
  // None: this feed or the holder was removed meanwhile (then the next poll moves this one).
  if (!holder || holder.id === feed.id) return undefined;
  return { conflict: { redirectsTo: url, redirectsToFeedId: holder.id }, holderName: redirectHolderName(holder) };
}

async function fetchAndStore(feed: Feed, state: FeedState, deps: PollFeedDeps, now: Date): Promise<PolledFeed> {
  const outcome = await fetchFeedAt(feed.url, { etag: state.etag, lastModified: state.lastModified }, deps.fetchOptions);
  const found = outcome.permanentUrl === undefined ? undefined : await followPermanentRedirect(feed, outcome.permanentUrl, deps.feeds);
  const change = redirectConflictChange(state, found);
  const conflict = found?.conflict;
  const polled = { feedId: feed.id, ...(change ? { redirectConflict: change } : {}) };
  const nextDueAt = nextPollAt(feed, now.getTime());
  if (outcome.kind === 'not-modified') {
    return { result: { ...polled, status: 'not-modified', newItems: 0 }, finished: { feedId: feed.id, nextDueAt, state: { ...stateAfterSuccess(state, now), ...conflict }, previous: state } };
  }
  const ingested = await ingestFeed(outcome.body, outcome.contentType, {
    feedId: feed.id,
    ...(feed.name !== undefined ? { sourceName: feed.name } : {}),
    ...(feed.section !== undefined ? { section: feed.section } : {}),
    feedLink: outcome.finalUrl,
    now,
  });
  const intake = await deps.items.addNewCountingDuplicates(ingested.items, now);
  const { fresh, duplicates, copied } = intake;
  if (fresh.length > 0) await deps.onNewItems?.(fresh, feed);
  if (copied.length > 0) await deps.onCopies?.(copied, feed);
  // Handed on: until now a failure left them for the feed's next poll to hand on again.
  await intake.settle();
  const result: PollResult = {
    ...polled,
    status: 'fetched',
    newItems: fresh.length,
    ...(duplicates > 0 ? { duplicatesDropped: duplicates } : {}),
    ...(ingested.recovered ? { detail: ingested.recovered } : {}),
  };
  const fetched = stateAfterSuccess(state, now, { etag: outcome.etag, lastModified: outcome.lastModified, contents: feedContents(ingested.items) });
  return { result, finished: { feedId: feed.id, nextDueAt, state: { ...fetched, ...conflict } } };
}

function recordFailure(feed: Feed, state: FeedState, problem: FetchError | FeedParseError, deps: PollFeedDeps, now: Date): PolledFeed {
  const retryAfterMs = problem instanceof FetchError ? problem.retryAfterMs : undefined;
  const delayMs = nextAttemptDelayMs(state.consecutiveFailures + 1, (deps.random ?? Math.random)(), retryAfterMs);
  const failed = stateAfterFailure(state, { message: problem.message, delayMs }, now, deps.disableAfterFailures);
  const errorKind = problem instanceof FetchError ? problem.kind : 'parse';
  const disabled = failed.disabledReason !== undefined;
  return {
    result: { feedId: feed.id, status: disabled ? 'disabled' : 'failed', newItems: 0, detail: failed.disabledReason ?? problem.message, errorKind },
    // A disabled feed leaves the schedule; a failing one comes back when its backoff ends.
    finished: { feedId: feed.id, ...(disabled ? {} : { nextDueAt: now.getTime() + delayMs }), state: failed, previous: state },
  };
}

/**
 * Polls one claimed feed (its record and state as read at the claim): skips it when removed,
 * disabled or backing off; otherwise makes a conditional GET with the stored validators,
 * stores the items new to Herald and hands them to `onNewItems`, and says what its state
 * becomes (backoff and, after too many failures in a row, disabling) and when it is next due.
 * Writing that is the caller's (PollQueue.finish, in batches).
 */
export async function pollFeed(feedId: string, feed: Feed | undefined, state: FeedState, deps: PollFeedDeps): Promise<PolledFeed> {
  const skipped = (detail: string, nextDueAt?: number): PolledFeed => ({ result: { feedId, status: 'skipped', newItems: 0, detail }, finished: { feedId, ...(nextDueAt !== undefined ? { nextDueAt } : {}) } });
  // A feed that is gone or disabled leaves the schedule.
  if (!feed) return skipped('removed');
  const now = (deps.now ?? (() => new Date()))();
  const reason = pollSkipReason(state, now);
  if (reason === 'disabled') return skipped(reason);
  // Asked for (a refresh) while backing off: the backoff stands.
  if (reason === 'backing-off') return skipped(reason, Date.parse(state.retryAfter!));
  const named = (polled: PolledFeed): PolledFeed => ({ ...polled, result: { ...polled.result, feed: feed.name ?? feed.url } });
  try {
    return named(await fetchAndStore(feed, state, deps, now));
  } catch (error) {
    const problem = feedProblem(error);
    if (!problem) throw error;
    return named(recordFailure(feed, state, problem, deps, now));
  }
}

/** Poll dependencies from the config: stores under the configured prefix, one host limiter for the worker. */
export function createPollFeedDeps(
  redis: RedisClient,
  config: Pick<HeraldConfig, 'redis' | 'defaults' | 'fetch'>,
  extra: Partial<Pick<PollFeedDeps, 'onNewItems' | 'onCopies' | 'fetchOptions'>> = {},
): PollFeedDeps {
  const keys = createKeys(config.redis.prefix);
  return {
    feeds: new FeedStore(redis, keys),
    items: new ItemStore(redis, keys, { retentionDays: config.defaults.retentionDays }),
    queue: new PollQueue(redis, keys),
    fetchOptions: defaultFetchOptions(config.fetch),
    disableAfterFailures: config.fetch.disableAfterFailures,
    ...extra,
  };
}

/** "3 new items", "not modified", "failed: HTTP 404 Not Found". */
export function describePollOutcome(result: PollResult): string {
  switch (result.status) {
    case 'fetched':
      return `${result.newItems} new item${result.newItems === 1 ? '' : 's'}`;
    case 'not-modified':
      return 'not modified';
    default:
      return result.detail ? `${result.status}: ${result.detail}` : result.status;
  }
}

/** The log line of a change of a feed's redirect conflict (`feed` names it as log lines do): the console's words for its health. */
export function describeRedirectConflictChange(feed: string, redirect: RedirectConflictChange): string {
  if (redirect.change === 'cleared') return `feed ${feed} no longer redirects onto another feed’s URL`;
  const { conflict, holderName } = redirect;
  return `feed ${feed} ${en.redirectConflict(conflict.redirectsTo, holderName, conflict.redirectsToFeedId)}`;
}
